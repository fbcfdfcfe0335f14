"""Pure money maths of an invoice, EN 16931's calculation model (BR-CO-10..17).

The stdlib and Babel's currency data only (no Django), ``Decimal`` only: the API, the
admin, the PDF and the e-invoice export all call :func:`calculate_totals`, so they can
never disagree. Input validation proper lives in the services; this module only
refuses what it cannot compute.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import (
    MAX_EMAX,
    MAX_PREC,
    MIN_EMIN,
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
)
from functools import lru_cache

from babel.numbers import get_currency_precision

__all__ = [
    "AllowanceChargeInput",
    "CalculationError",
    "InvoiceTotals",
    "LineInput",
    "TaxGroup",
    "calculate_totals",
    "line_gross_amount",
    "line_net_amount",
    "minor_unit",
    "round_money",
]

# Order of VAT categories in the breakdown (UNCL5305 subset used by EN 16931).
CATEGORY_ORDER: tuple[str, ...] = ("S", "Z", "E", "AE", "K", "G", "O", "L", "M", "B")

# Sums and products are exact in this context: no operation here ever rounds except the
# explicit ROUND_HALF_UP to the minor unit. Plain ``/`` is never used with it, since a
# non-terminating quotient would never end; see _divide_rounded.
_EXACT = Context(
    prec=MAX_PREC,
    rounding=ROUND_HALF_UP,
    Emax=MAX_EMAX,
    Emin=MIN_EMIN,
    traps=[InvalidOperation, DivisionByZero, Overflow],
)
# line_gross_amount is only compared with a discount; 100 significant digits of a
# non-terminating quotient decide any such comparison.
_GROSS = Context(prec=100, rounding=ROUND_HALF_UP, traps=[InvalidOperation, DivisionByZero])

_ZERO = Decimal("0")
_HUNDRED = Decimal("100")
_RATE_DISPLAY = Decimal("0.01")


class CalculationError(ValueError):
    """Input the calculation cannot work with (not a validation message for users)."""


@dataclass(frozen=True)
class LineInput:
    """One invoice line (BG-25) as the calculation needs it."""

    quantity: Decimal
    unit_price: Decimal
    tax_category: str = "S"  # UNCL5305
    tax_rate: Decimal = Decimal("0")  # percent
    price_base_quantity: Decimal = Decimal("1")
    discount_amount: Decimal = Decimal("0")  # line allowance (BG-27)
    charge_amount: Decimal = Decimal("0")  # line charge (BG-28)


@dataclass(frozen=True)
class AllowanceChargeInput:
    """A document level allowance (BG-20) or charge (BG-21)."""

    is_charge: bool
    amount: Decimal
    tax_category: str = "S"
    tax_rate: Decimal = Decimal("0")


@dataclass(frozen=True)
class TaxGroup:
    """One VAT breakdown row (BG-23)."""

    tax_category: str
    tax_rate: Decimal  # at least 2 decimals, e.g. Decimal("19.00")
    taxable_amount: Decimal  # BT-116
    tax_amount: Decimal  # BT-117


@dataclass(frozen=True)
class InvoiceTotals:
    """Document totals (BG-22) and the VAT breakdown, rounded to the minor unit."""

    line_nets: tuple[Decimal, ...]  # in input order (BT-131)
    line_total: Decimal  # BT-106
    allowance_total: Decimal  # BT-107
    charge_total: Decimal  # BT-108
    net_total: Decimal  # BT-109
    tax_total: Decimal  # BT-110
    gross_total: Decimal  # BT-112
    paid_total: Decimal  # BT-113
    amount_due: Decimal  # BT-115
    tax_breakdown: tuple[TaxGroup, ...]


@lru_cache(maxsize=512)
def minor_unit(currency: str) -> int:
    """Number of decimals of ``currency``: CLDR's (Babel), the data the PDF, the page and
    the admin format money with, so every place shows the same amount (RSD 100, never
    100.50 in the API and 100.5 on the PDF). Unknown codes take CLDR's default, 2."""
    return get_currency_precision(_currency_code(currency))


def round_money(amount: Decimal, currency: str) -> Decimal:
    """Round half up (away from zero) to the currency's minor unit."""
    exponent = minor_unit(currency)
    value = _decimal(amount, "amount")
    rounded = value.quantize(Decimal(1).scaleb(-exponent), rounding=ROUND_HALF_UP, context=_EXACT)
    return _unsigned_zero(rounded)


def line_net_amount(line: LineInput, currency: str) -> Decimal:
    """BT-131: round(quantity * unit price / base quantity + charge - discount)."""
    exponent = minor_unit(currency)
    base = _base_quantity(line)
    # Same value as q*p/b + c - d, written over one denominator so that the only
    # rounding is the final half up (BR-CO-10 sums amounts already rounded once).
    numerator = _EXACT.add(
        _EXACT.multiply(
            _decimal(line.quantity, "quantity"), _decimal(line.unit_price, "unit_price")
        ),
        _EXACT.multiply(
            _EXACT.subtract(
                _decimal(line.charge_amount, "charge_amount"),
                _decimal(line.discount_amount, "discount_amount"),
            ),
            base,
        ),
    )
    return _divide_rounded(numerator, base, exponent)


def line_gross_amount(line: LineInput) -> Decimal:
    """Unrounded quantity * unit price / base quantity + line charge, before discount."""
    base = _base_quantity(line)
    product = _EXACT.multiply(
        _decimal(line.quantity, "quantity"), _decimal(line.unit_price, "unit_price")
    )
    quotient = _GROSS.divide(product, base)
    return _EXACT.add(quotient, _decimal(line.charge_amount, "charge_amount"))


def calculate_totals(
    *,
    lines: Sequence[LineInput],
    allowances_charges: Sequence[AllowanceChargeInput] = (),
    currency: str,
    paid_total: Decimal = Decimal("0"),
    line_nets: Sequence[Decimal] | None = None,
) -> InvoiceTotals:
    """Totals and VAT breakdown of one invoice (EN 16931 BR-CO-10..17).

    ``line_nets`` replaces the computed line amounts; it exists only to replay
    documents written elsewhere whose line amounts are not quantity * price.
    """
    exponent = minor_unit(currency)
    if line_nets is None:
        nets = tuple(line_net_amount(line, currency) for line in lines)
    else:
        if len(line_nets) != len(lines):
            raise CalculationError(f"{len(line_nets)} line amounts given for {len(lines)} lines")
        for line in lines:
            _base_quantity(line)
        nets = tuple(round_money(net, currency) for net in line_nets)

    groups: dict[tuple[str, Decimal], Decimal] = {}
    display_rates: dict[tuple[str, Decimal], Decimal] = {}

    def _add(category: str, rate: Decimal, amount: Decimal) -> None:
        rate = _decimal(rate, "tax_rate")
        # Decimal equality is numeric, so "19", "19.0" and "19.00" share one key.
        key = (category, rate)
        groups[key] = _EXACT.add(groups.get(key, _ZERO), amount)
        display_rates.setdefault(key, _display_rate(rate))

    for line, net in zip(lines, nets, strict=True):
        _add(line.tax_category, line.tax_rate, net)

    allowance_total = _ZERO
    charge_total = _ZERO
    for item in allowances_charges:
        # Each document amount is a money amount: rounding it first keeps
        # BR-CO-13 (net = Σ lines - allowances + charges) and Σ taxable = net exact.
        amount = round_money(item.amount, currency)
        if item.is_charge:
            charge_total = _EXACT.add(charge_total, amount)
            _add(item.tax_category, item.tax_rate, amount)
        else:
            allowance_total = _EXACT.add(allowance_total, amount)
            _add(item.tax_category, item.tax_rate, _EXACT.minus(amount))

    breakdown = []
    for category, rate in sorted(groups, key=_group_sort_key):
        taxable = groups[(category, rate)]
        # BR-S-08 and siblings: tax per group = taxable * rate, rounded per group.
        tax = _divide_rounded(_EXACT.multiply(taxable, rate), _HUNDRED, exponent)
        breakdown.append(
            TaxGroup(
                tax_category=category,
                tax_rate=display_rates[(category, rate)],
                taxable_amount=round_money(taxable, currency),
                tax_amount=tax,
            )
        )

    line_total = _sum(nets)  # BR-CO-10
    net_total = _EXACT.add(_EXACT.subtract(line_total, allowance_total), charge_total)  # BR-CO-13
    tax_total = _sum(group.tax_amount for group in breakdown)  # BR-CO-14
    gross_total = _EXACT.add(net_total, tax_total)  # BR-CO-15
    paid = round_money(paid_total, currency)
    amount_due = _EXACT.subtract(gross_total, paid)  # BR-CO-16 (no rounding amount BT-114)

    return InvoiceTotals(
        line_nets=nets,
        line_total=round_money(line_total, currency),
        allowance_total=round_money(allowance_total, currency),
        charge_total=round_money(charge_total, currency),
        net_total=round_money(net_total, currency),
        tax_total=round_money(tax_total, currency),
        gross_total=round_money(gross_total, currency),
        paid_total=paid,
        amount_due=round_money(amount_due, currency),
        tax_breakdown=tuple(breakdown),
    )


def _currency_code(currency: str) -> str:
    valid = isinstance(currency, str) and len(currency) == 3
    if not (valid and currency.isascii() and currency.isalpha()):
        raise CalculationError(f"not an ISO 4217 currency code: {currency!r}")
    return currency.upper()


def _decimal(value: Decimal, name: str) -> Decimal:
    # Floats would carry binary noise into money; ints are exact and harmless.
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise CalculationError(f"{name} must be a Decimal, not {type(value).__name__}")
    result = Decimal(value)
    if not result.is_finite():
        raise CalculationError(f"{name} must be finite, not {result}")
    return result


def _base_quantity(line: LineInput) -> Decimal:
    base = _decimal(line.price_base_quantity, "price_base_quantity")
    if base <= 0:
        raise CalculationError(f"price_base_quantity must be > 0, not {base}")
    return base


def _divide_rounded(numerator: Decimal, denominator: Decimal, exponent: int) -> Decimal:
    """numerator / denominator rounded half away from zero to ``exponent`` decimals.

    Exact for inputs of any length: an integer division and a remainder comparison,
    so no digit is dropped before the one rounding.
    """
    scaled = _EXACT.scaleb(numerator, exponent)
    # divmod truncates toward zero; the remainder carries the numerator's sign.
    quotient, remainder = _EXACT.divmod(scaled, denominator)
    if _EXACT.multiply(remainder.copy_abs(), 2) >= denominator.copy_abs():
        quotient = _EXACT.add(quotient, Decimal(1).copy_sign(scaled))
    result = _EXACT.quantize(_EXACT.scaleb(quotient, -exponent), Decimal(1).scaleb(-exponent))
    return _unsigned_zero(result)


def _unsigned_zero(value: Decimal) -> Decimal:
    # -0.00 is equal to 0.00 but would reach the API as "-0.00".
    return value.copy_abs() if value.is_zero() else value


def _display_rate(rate: Decimal) -> Decimal:
    # Two decimals for display ("19.00"), unless that would change the rate.
    shown = _EXACT.quantize(rate, _RATE_DISPLAY)
    return shown if shown == rate else rate


def _group_sort_key(key: tuple[str, Decimal]) -> tuple[int, str, Decimal]:
    category, rate = key
    known = category in CATEGORY_ORDER
    position = CATEGORY_ORDER.index(category) if known else len(CATEGORY_ORDER)
    return (position, category, -rate)


def _sum(values: Iterable[Decimal]) -> Decimal:
    total = _ZERO
    for value in values:
        total = _EXACT.add(total, value)
    return total
