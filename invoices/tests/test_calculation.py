"""Tests of the pure invoice calculation (EN 16931 BR-CO-10..17), no Django needed."""

from __future__ import annotations

import re
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from invoices.calculation import (
    AllowanceChargeInput,
    CalculationError,
    InvoiceTotals,
    LineInput,
    TaxGroup,
    calculate_totals,
    line_gross_amount,
    line_net_amount,
    minor_unit,
    round_money,
)

D = Decimal

# database=None: no .hypothesis directory in the working tree.
PROPERTY = settings(max_examples=200, deadline=None, database=None)


def _rows(totals: InvoiceTotals) -> list[tuple[str, Decimal, Decimal, Decimal]]:
    return [
        (g.tax_category, g.tax_rate, g.taxable_amount, g.tax_amount) for g in totals.tax_breakdown
    ]


def _exponent(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)
    return exponent


# --- currencies and rounding -------------------------------------------------------


def test_minor_units_follow_cldr() -> None:
    assert minor_unit("EUR") == 2
    assert minor_unit("USD") == 2
    assert minor_unit("JPY") == 0
    assert minor_unit("KRW") == 0
    assert minor_unit("KWD") == 3
    assert minor_unit("BHD") == 3
    assert minor_unit("CLF") == 4
    assert minor_unit("RSD") == 0  # ISO 4217 says 2; CLDR, and so every display, 0
    assert minor_unit("IQD") == 0
    assert minor_unit("XYZ") == 2  # unknown codes use the common default


def test_every_currency_has_one_minor_unit_everywhere() -> None:
    """What the API rounds to is what the PDF, the page and the e-mail print."""
    import pycountry

    from documents.formatting import format_money

    for currency in pycountry.currencies:
        code = currency.alpha_3
        places = minor_unit(code)
        shown = format_money(round_money(Decimal("1234.5678"), code), code, "en")
        decimals = re.search(r"1,23[45](?:\.(\d+))?", shown).group(1) or ""
        assert len(decimals) == places, (code, shown)


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("0.005", "EUR", "0.01"),
        ("-0.005", "EUR", "-0.01"),
        ("0.004999", "EUR", "0.00"),
        ("2.675", "EUR", "2.68"),  # 2.67 with binary floats
        ("1.005", "EUR", "1.01"),
        ("119", "EUR", "119.00"),
        ("0.5", "JPY", "1"),
        ("-0.5", "JPY", "-1"),
        ("1234.4999", "JPY", "1234"),
        ("1.0005", "KWD", "1.001"),
        ("1.00049", "KWD", "1.000"),
        ("0.00005", "CLF", "0.0001"),
        ("-0.001", "EUR", "0.00"),
    ],
)
def test_round_money_half_up_to_minor_unit(amount: str, currency: str, expected: str) -> None:
    result = round_money(D(amount), currency)
    assert result == D(expected)
    assert str(result) == expected  # same exponent, and no "-0.00"


@pytest.mark.parametrize("currency", ["", "EU", "EURO", "12€", "€€€", "E1R", None])
def test_unknown_currency_shape_is_refused(currency: object) -> None:
    with pytest.raises(CalculationError):
        round_money(D("1"), currency)  # type: ignore[arg-type]
    with pytest.raises(CalculationError):
        calculate_totals(lines=[], currency=currency)  # type: ignore[arg-type]


def test_calculation_error_is_a_value_error() -> None:
    assert issubclass(CalculationError, ValueError)


def test_floats_are_refused() -> None:
    with pytest.raises(CalculationError):
        round_money(0.1, "EUR")  # type: ignore[arg-type]
    with pytest.raises(CalculationError):
        line_net_amount(LineInput(quantity=D("1"), unit_price=0.1), "EUR")  # type: ignore[arg-type]


# --- line net amount (BT-131) ------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "currency", "expected"),
    [
        (LineInput(quantity=D("3"), unit_price=D("3.335")), "EUR", "10.01"),  # 10.005
        (LineInput(quantity=D("1"), unit_price=D("10.004")), "EUR", "10.00"),
        (LineInput(quantity=D("-3"), unit_price=D("3.335")), "EUR", "-10.01"),
        (LineInput(quantity=D("486"), unit_price=D("4.9715")), "EUR", "2416.15"),  # 2416.149
        (LineInput(quantity=D("3"), unit_price=D("4.9715")), "EUR", "14.91"),  # 14.9145
        (
            LineInput(quantity=D("250"), unit_price=D("12.34"), price_base_quantity=D("100")),
            "EUR",
            "30.85",
        ),
        (
            LineInput(quantity=D("1"), unit_price=D("0.5"), price_base_quantity=D("100")),
            "EUR",
            "0.01",  # 0.005
        ),
        (
            LineInput(
                quantity=D("64"),
                unit_price=D("36109.00"),
                price_base_quantity=D("100"),
                charge_amount=D("330.00"),
            ),
            "EUR",
            "23439.76",
        ),
        (
            LineInput(quantity=D("1"), unit_price=D("1"), price_base_quantity=D("3")),
            "EUR",
            "0.33",
        ),
        (
            LineInput(quantity=D("2"), unit_price=D("1"), price_base_quantity=D("3")),
            "EUR",
            "0.67",
        ),
        (
            LineInput(quantity=D("3"), unit_price=D("19.99"), discount_amount=D("5.00")),
            "EUR",
            "54.97",
        ),
        (
            LineInput(quantity=D("2"), unit_price=D("49.50"), charge_amount=D("2.50")),
            "EUR",
            "101.50",
        ),
        (
            LineInput(quantity=D("5"), unit_price=D("1250"), price_base_quantity=D("12")),
            "JPY",
            "521",
        ),
        (LineInput(quantity=D("3"), unit_price=D("0.3335")), "KWD", "1.001"),  # 1.0005
    ],
)
def test_line_net_amount(line: LineInput, currency: str, expected: str) -> None:
    result = line_net_amount(line, currency)
    assert result == D(expected)
    assert str(result) == expected


def test_line_net_amount_is_rounded_once() -> None:
    # 0.004 + 0.003 = 0.007 -> 0.01; rounding the product first would give 0.00.
    line = LineInput(quantity=D("1"), unit_price=D("0.004"), charge_amount=D("0.003"))
    assert line_net_amount(line, "EUR") == D("0.01")
    # 0.0049 + 0.0001 = 0.005 -> 0.01 exactly at the half.
    line = LineInput(quantity=D("1"), unit_price=D("0.0049"), charge_amount=D("0.0001"))
    assert line_net_amount(line, "EUR") == D("0.01")


def test_thirty_digit_inputs_keep_every_digit() -> None:
    line = LineInput(
        quantity=D("100000000000000000000000000001"),
        unit_price=D("1.005"),
        tax_category="S",
        tax_rate=D("19"),
    )
    totals = calculate_totals(lines=[line], currency="EUR")
    # Exact: 100500000000000000000000000001.005 (28-digit default context: 1.005E+29).
    assert totals.line_nets == (D("100500000000000000000000000001.01"),)
    assert totals.tax_total == D("19095000000000000000000000000.19")
    assert totals.gross_total == D("119595000000000000000000000001.20")


@pytest.mark.parametrize("base", ["0", "-1", "-0.0001"])
def test_price_base_quantity_must_be_positive(base: str) -> None:
    line = LineInput(quantity=D("1"), unit_price=D("1"), price_base_quantity=D(base))
    with pytest.raises(CalculationError):
        line_net_amount(line, "EUR")
    with pytest.raises(CalculationError):
        line_gross_amount(line)
    with pytest.raises(CalculationError):
        calculate_totals(lines=[line], currency="EUR")
    with pytest.raises(CalculationError):
        calculate_totals(lines=[line], currency="EUR", line_nets=[D("1.00")])


def test_line_gross_amount_is_unrounded_and_before_discount() -> None:
    line = LineInput(
        quantity=D("3"),
        unit_price=D("10.0049"),
        charge_amount=D("2.00"),
        discount_amount=D("31.00"),
    )
    assert line_gross_amount(line) == D("32.0147")
    third = LineInput(quantity=D("1"), unit_price=D("1"), price_base_quantity=D("3"))
    # Unrounded, so a discount of 0.34 on it is detectably larger than the line.
    assert D("0.33") < line_gross_amount(third) < D("0.34")


# --- document totals, hand computed -------------------------------------------------


def test_eur_invoice_with_two_rates_exempt_line_discounts_and_charges() -> None:
    lines = [
        LineInput(D("3"), D("19.99"), "S", D("19"), discount_amount=D("5.00")),  # 54.97
        LineInput(D("2"), D("49.50"), "S", D("7"), charge_amount=D("2.50")),  # 101.50
        LineInput(D("1"), D("100.00"), "E", D("0")),  # 100.00
        LineInput(D("0.5"), D("12.345"), "S", D("19.00")),  # 6.1725 -> 6.17
    ]
    allowances_charges = [
        AllowanceChargeInput(
            is_charge=False, amount=D("10.00"), tax_category="S", tax_rate=D("19")
        ),
        AllowanceChargeInput(is_charge=True, amount=D("4.95"), tax_category="S", tax_rate=D("19")),
    ]

    totals = calculate_totals(
        lines=lines, allowances_charges=allowances_charges, currency="EUR", paid_total=D("100")
    )

    assert totals.line_nets == (D("54.97"), D("101.50"), D("100.00"), D("6.17"))
    assert totals.line_total == D("262.64")
    assert totals.allowance_total == D("10.00")
    assert totals.charge_total == D("4.95")
    assert totals.net_total == D("257.59")
    # S 19: 54.97 + 6.17 - 10.00 + 4.95 = 56.09 -> 10.6571; S 7: 101.50 -> 7.105 (half up)
    assert _rows(totals) == [
        ("S", D("19.00"), D("56.09"), D("10.66")),
        ("S", D("7.00"), D("101.50"), D("7.11")),
        ("E", D("0.00"), D("100.00"), D("0.00")),
    ]
    assert totals.tax_total == D("17.77")
    assert totals.gross_total == D("275.36")
    assert totals.paid_total == D("100.00")
    assert totals.amount_due == D("175.36")
    assert str(totals.amount_due) == "175.36"


def test_jpy_invoice_has_no_decimals() -> None:
    lines = [
        LineInput(D("3"), D("1980"), "S", D("10")),  # 5940
        LineInput(D("2"), D("1234"), "S", D("8"), discount_amount=D("100")),  # 2368
        LineInput(D("5"), D("1250"), "S", D("10"), price_base_quantity=D("12")),  # 520.83 -> 521
    ]
    allowances_charges = [
        AllowanceChargeInput(is_charge=False, amount=D("500"), tax_category="S", tax_rate=D("10")),
        AllowanceChargeInput(is_charge=True, amount=D("800"), tax_category="S", tax_rate=D("10")),
    ]

    totals = calculate_totals(lines=lines, allowances_charges=allowances_charges, currency="JPY")

    assert totals.line_nets == (D("5940"), D("2368"), D("521"))
    assert totals.line_total == D("8829")
    assert totals.net_total == D("9129")
    # S 10: 5940 + 521 - 500 + 800 = 6761 -> 676.1; S 8: 2368 -> 189.44
    assert _rows(totals) == [
        ("S", D("10.00"), D("6761"), D("676")),
        ("S", D("8.00"), D("2368"), D("189")),
    ]
    assert totals.tax_total == D("865")
    assert totals.gross_total == D("9994")
    assert totals.amount_due == D("9994")
    assert str(totals.gross_total) == "9994"
    assert str(totals.paid_total) == "0"


def test_kwd_invoice_has_three_decimals() -> None:
    lines = [
        LineInput(D("4"), D("2.125"), "S", D("5")),  # 8.500
        LineInput(D("3"), D("0.3335"), "S", D("5")),  # 1.0005 -> 1.001
        LineInput(D("10"), D("1.250"), "Z", D("0"), discount_amount=D("0.750")),  # 11.750
    ]
    allowances_charges = [
        AllowanceChargeInput(is_charge=True, amount=D("1.009"), tax_category="S", tax_rate=D("5")),
        AllowanceChargeInput(is_charge=False, amount=D("0.250"), tax_category="Z", tax_rate=D("0")),
    ]

    totals = calculate_totals(
        lines=lines,
        allowances_charges=allowances_charges,
        currency="KWD",
        paid_total=D("10"),
    )

    assert totals.line_nets == (D("8.500"), D("1.001"), D("11.750"))
    assert totals.line_total == D("21.251")
    assert totals.allowance_total == D("0.250")
    assert totals.charge_total == D("1.009")
    assert totals.net_total == D("22.010")
    # S 5: 8.500 + 1.001 + 1.009 = 10.510 -> 0.5255 (half up)
    assert _rows(totals) == [
        ("S", D("5.00"), D("10.510"), D("0.526")),
        ("Z", D("0.00"), D("11.500"), D("0.000")),
    ]
    assert totals.tax_total == D("0.526")
    assert totals.gross_total == D("22.536")
    assert totals.amount_due == D("12.536")
    assert str(totals.amount_due) == "12.536"


def test_document_allowance_on_one_rate_group_only() -> None:
    lines = [
        LineInput(D("1"), D("100.00"), "S", D("19")),
        LineInput(D("1"), D("100.00"), "S", D("7")),
    ]
    allowance = AllowanceChargeInput(
        is_charge=False, amount=D("10.00"), tax_category="S", tax_rate=D("19")
    )

    totals = calculate_totals(lines=lines, allowances_charges=[allowance], currency="EUR")

    assert _rows(totals) == [
        ("S", D("19.00"), D("90.00"), D("17.10")),
        ("S", D("7.00"), D("100.00"), D("7.00")),
    ]
    assert totals.net_total == D("190.00")
    assert totals.tax_total == D("24.10")
    assert totals.gross_total == D("214.10")


def test_simple_invoice_119() -> None:
    totals = calculate_totals(lines=[LineInput(D("1"), D("100"), "S", D("19"))], currency="EUR")
    assert totals.gross_total == D("119.00")
    assert totals.tax_breakdown == (TaxGroup("S", D("19.00"), D("100.00"), D("19.00")),)


def test_rates_written_differently_share_one_group() -> None:
    lines = [
        LineInput(D("1"), D("10"), "S", D("19")),
        LineInput(D("1"), D("10"), "S", D("19.0")),
        LineInput(D("1"), D("10"), "S", D("19.00")),
        LineInput(D("1"), D("10"), "S", D("5.5")),
    ]
    totals = calculate_totals(lines=lines, currency="EUR")
    assert _rows(totals) == [
        ("S", D("19.00"), D("30.00"), D("5.70")),
        ("S", D("5.50"), D("10.00"), D("0.55")),
    ]
    assert [str(group.tax_rate) for group in totals.tax_breakdown] == ["19.00", "5.50"]


def test_allowance_or_charge_alone_creates_its_group() -> None:
    totals = calculate_totals(
        lines=[LineInput(D("1"), D("50"), "S", D("19"))],
        allowances_charges=[
            AllowanceChargeInput(is_charge=True, amount=D("5"), tax_category="Z"),
            AllowanceChargeInput(is_charge=False, amount=D("2"), tax_category="E"),
        ],
        currency="EUR",
    )
    assert _rows(totals) == [
        ("S", D("19.00"), D("50.00"), D("9.50")),
        ("Z", D("0.00"), D("5.00"), D("0.00")),
        ("E", D("0.00"), D("-2.00"), D("0.00")),
    ]
    assert totals.net_total == D("53.00")


def test_breakdown_order_is_category_then_rate_descending() -> None:
    categories = ["O", "G", "K", "AE", "E", "Z", "S", "S", "S"]
    rates = ["0", "0", "0", "0", "0", "0", "7", "19", "10.7"]
    lines = [
        LineInput(D("1"), D("1"), category, D(rate))
        for category, rate in zip(categories, rates, strict=True)
    ]
    totals = calculate_totals(lines=lines, currency="EUR")
    assert [(g.tax_category, g.tax_rate) for g in totals.tax_breakdown] == [
        ("S", D("19")),
        ("S", D("10.7")),
        ("S", D("7")),
        ("Z", D("0")),
        ("E", D("0")),
        ("AE", D("0")),
        ("K", D("0")),
        ("G", D("0")),
        ("O", D("0")),
    ]


def test_empty_invoice_is_all_zero_in_the_currency_exponent() -> None:
    totals = calculate_totals(lines=[], currency="EUR")
    assert totals.tax_breakdown == ()
    assert totals.line_nets == ()
    for value in (totals.line_total, totals.net_total, totals.gross_total, totals.amount_due):
        assert str(value) == "0.00"


def test_given_line_nets_replace_computed_ones() -> None:
    lines = [LineInput(D("6"), D("18.33"), "S", D("6")), LineInput(D("1"), D("10"), "S", D("6"))]
    totals = calculate_totals(lines=lines, currency="EUR", line_nets=[D("-109.98"), D("10")])
    assert totals.line_nets == (D("-109.98"), D("10.00"))
    assert totals.line_total == D("-99.98")
    assert totals.tax_total == D("-6.00")  # -5.9988
    with pytest.raises(CalculationError):
        calculate_totals(lines=lines, currency="EUR", line_nets=[D("1")])


# --- properties ----------------------------------------------------------------------

Invoice = tuple[str, list[LineInput], list[AllowanceChargeInput], Decimal]

CURRENCIES = ("EUR", "JPY", "KWD", "CLF")
TAX_RATES = (
    ("S", D("19")),
    ("S", D("19.00")),
    ("S", D("7")),
    ("S", D("5.5")),
    ("S", D("25")),
    ("Z", D("0")),
    ("E", D("0")),
    ("AE", D("0")),
    ("K", D("0")),
    ("O", D("0")),
)


def _amounts(places: int, max_value: str) -> st.SearchStrategy[Decimal]:
    return st.decimals(
        min_value=D(0), max_value=D(max_value), places=places, allow_nan=False, allow_infinity=False
    )


@st.composite
def invoices(
    draw: st.DrawFn,
) -> Invoice:
    currency = draw(st.sampled_from(CURRENCIES))
    places = minor_unit(currency)
    lines = []
    for _ in range(draw(st.integers(min_value=0, max_value=8))):
        category, rate = draw(st.sampled_from(TAX_RATES))
        lines.append(
            LineInput(
                quantity=draw(st.decimals(min_value=D("0.0001"), max_value=D("10000"), places=4)),
                unit_price=draw(_amounts(4, "100000")),
                tax_category=category,
                tax_rate=rate,
                price_base_quantity=draw(
                    st.sampled_from([D("1"), D("1"), D("10"), D("100"), D("3"), D("0.5")])
                ),
                discount_amount=draw(_amounts(places, "50")),
                charge_amount=draw(_amounts(places, "50")),
            )
        )
    allowances_charges = []
    for _ in range(draw(st.integers(min_value=0, max_value=4))):
        category, rate = draw(st.sampled_from(TAX_RATES))
        allowances_charges.append(
            AllowanceChargeInput(
                is_charge=draw(st.booleans()),
                amount=draw(_amounts(places, "1000")),
                tax_category=category,
                tax_rate=rate,
            )
        )
    paid = draw(_amounts(places, "1000"))
    return currency, lines, allowances_charges, paid


def _totals(invoice: Invoice) -> InvoiceTotals:
    currency, lines, allowances_charges, paid = invoice
    return calculate_totals(
        lines=lines, allowances_charges=allowances_charges, currency=currency, paid_total=paid
    )


def _money(totals: InvoiceTotals) -> list[Decimal]:
    values = [
        totals.line_total,
        totals.allowance_total,
        totals.charge_total,
        totals.net_total,
        totals.tax_total,
        totals.gross_total,
        totals.paid_total,
        totals.amount_due,
        *totals.line_nets,
    ]
    for group in totals.tax_breakdown:
        values += [group.taxable_amount, group.tax_amount]
    return values


def _exact_half_up(value: Fraction, places: int) -> Fraction:
    """Independent oracle: round half away from zero with fractions."""
    scaled = abs(value) * 10**places
    whole = int(scaled)
    if scaled - whole >= Fraction(1, 2):
        whole += 1
    return Fraction(whole if value >= 0 else -whole, 10**places)


@PROPERTY
@given(invoices())
def test_totals_add_up(invoice: Invoice) -> None:
    _, lines, allowances_charges, paid = invoice
    totals = _totals(invoice)

    assert totals.line_total == sum(totals.line_nets, D(0))  # BR-CO-10
    allowances = [item.amount for item in allowances_charges if not item.is_charge]
    charges = [item.amount for item in allowances_charges if item.is_charge]
    assert totals.allowance_total == sum(allowances, D(0))  # BR-CO-11
    assert totals.charge_total == sum(charges, D(0))  # BR-CO-12
    assert totals.net_total == totals.line_total - totals.allowance_total + totals.charge_total
    assert totals.gross_total == totals.net_total + totals.tax_total  # BR-CO-15
    assert totals.amount_due == totals.gross_total - paid  # BR-CO-16
    assert sum((g.taxable_amount for g in totals.tax_breakdown), D(0)) == totals.net_total
    assert sum((g.tax_amount for g in totals.tax_breakdown), D(0)) == totals.tax_total
    used = {(line.tax_category, line.tax_rate) for line in lines}
    used |= {(item.tax_category, item.tax_rate) for item in allowances_charges}
    assert {(g.tax_category, g.tax_rate) for g in totals.tax_breakdown} == used
    assert len(totals.tax_breakdown) == len(used)


@PROPERTY
@given(invoices())
def test_every_amount_is_rounded_once_half_up(
    invoice: Invoice,
) -> None:
    currency, lines, _, _ = invoice
    places = minor_unit(currency)
    totals = _totals(invoice)
    for line, net in zip(lines, totals.line_nets, strict=True):
        exact = (
            Fraction(line.quantity) * Fraction(line.unit_price) / Fraction(line.price_base_quantity)
            + Fraction(line.charge_amount)
            - Fraction(line.discount_amount)
        )
        assert Fraction(net) == _exact_half_up(exact, places)
        assert net == line_net_amount(line, currency)
    for group in totals.tax_breakdown:
        exact = Fraction(group.taxable_amount) * Fraction(group.tax_rate) / 100
        assert Fraction(group.tax_amount) == _exact_half_up(exact, places)  # BR-S-08


@PROPERTY
@given(invoices())
def test_outputs_have_the_currency_exponent(
    invoice: Invoice,
) -> None:
    currency = invoice[0]
    totals = _totals(invoice)
    assert {_exponent(value) for value in _money(totals)} <= {-minor_unit(currency)}
    for group in totals.tax_breakdown:
        assert _exponent(group.tax_rate) == -2


@PROPERTY
@given(invoices())
def test_negating_every_amount_negates_every_total(
    invoice: Invoice,
) -> None:
    currency, lines, allowances_charges, paid = invoice
    negated = (
        currency,
        [
            LineInput(
                quantity=-line.quantity,
                unit_price=line.unit_price,
                tax_category=line.tax_category,
                tax_rate=line.tax_rate,
                price_base_quantity=line.price_base_quantity,
                discount_amount=-line.discount_amount,
                charge_amount=-line.charge_amount,
            )
            for line in lines
        ],
        [
            AllowanceChargeInput(
                is_charge=item.is_charge,
                amount=-item.amount,
                tax_category=item.tax_category,
                tax_rate=item.tax_rate,
            )
            for item in allowances_charges
        ],
        -paid,
    )
    assert _money(_totals(negated)) == [-value for value in _money(_totals(invoice))]


@PROPERTY
@given(invoices(), st.data())
def test_line_order_does_not_change_totals(invoice: Invoice, data: st.DataObject) -> None:
    currency, lines, allowances_charges, paid = invoice
    order = data.draw(st.permutations(range(len(lines))))
    shuffled = _totals((currency, [lines[i] for i in order], allowances_charges, paid))
    totals = _totals(invoice)
    assert shuffled.line_nets == tuple(totals.line_nets[i] for i in order)
    assert _money(shuffled)[:8] == _money(totals)[:8]
    assert shuffled.tax_breakdown == totals.tax_breakdown
