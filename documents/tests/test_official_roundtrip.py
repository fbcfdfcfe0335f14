"""Import for proof: every official EN 16931 example, re-created through the services.

For each file in ``../shared/einvoice`` (UBL and CII) the seller becomes the company
settings, the buyer a customer, and the same invoice (lines, allowances/charges,
currency, kind, issue date) is drafted and issued with ``invoices.services``; a
prepayment (BT-113) is recorded as a payment after issue. The issued invoice is exported
to UBL and to CII, and each export must

(a) pass its XSD and the official schematron (EN 16931 UBL, Factur-X EN 16931) with no
    error (BR-DEC included: no amount with more than 2 decimals), and
(b) state, read back with the same parser as the original, the file's totals
    BT-106..BT-110 and BT-112, every VAT breakdown row (BG-23) and every line amount
    (BT-131), to the cent, and BT-113 0 and BT-115 = BT-112: an export is the invoice as
    issued, before any payment (the recorded prepayment never reaches it). The product has no rounding amount (BT-114): the file's
    BT-115 is compared without it, as in ``test_calculation_official``.

The product computes a line as quantity x price / base quantity + charges - allowances;
it cannot take a file's own line amounts where they say otherwise. Those files are in
``UNSUPPORTED`` with the reason, together with the few files that need something the
product does not model (a negative invoice, a seller known only by BT-29);
``test_unsupported_reasons_hold`` checks that each reason is still true.

``LONG_UNIT_PRICES`` names the files whose unit prices have more than the 4 decimals the
product stores: the services refuse them as given (a test shows it), and the import
writes the same price per a larger base quantity instead.
"""

from __future__ import annotations

import pytest

from common.exceptions import ValidationException
from documents.adapters import invoice_document
from documents.einvoice import validation
from documents.einvoice.cii import build_cii
from documents.einvoice.ubl import build_ubl
from documents.einvoice.validation import errors_only, validate_cii, validate_ubl
from documents.errors import EInvoiceInvalid as EInvoiceInvalidError
from documents.tests.official_import import (
    differences,
    figures,
    import_example,
    issued_figures,
    read_back,
)
from invoices.errors import InvoiceNotIssuable
from invoices.models import Invoice
from invoices.tests.official_examples import (
    SHARED_AVAILABLE,
    OfficialExample,
    load_examples,
)

pytestmark = [
    pytest.mark.skipif(
        not SHARED_AVAILABLE, reason="official EN 16931 examples (../shared/einvoice) not present"
    ),
    # What these prove is the mapping to and from the official XML; storing the rows is
    # the invoice services' tests' business, on both databases: run once (SQLite pass).
    pytest.mark.db_independent,
]

EXAMPLES = load_examples()
EXPORTS = {"ubl": (build_ubl, validate_ubl), "cii": (build_cii, validate_cii)}

# Files the product cannot re-create, and why. Each reason is checked below.
UNSUPPORTED: dict[str, str] = {
    "ubl/ubl-tc434-example2.xml": "line 1: 2 x 1273.00 (+12.00 -12.00) written as 1273.00",
    "ubl/guide-example2.xml": "line 1: 2 x 1273.00 (+12.00 -12.00) written as 1273.00",
    "ubl-scenarios/ubl-tc434-test-1.xml": "line 1: 2 x 1273.00 (+12.00 -12.00) written as 1273.00",
    "ubl/ubl-tc434-example3.xml": "lines 1 and 2: 2 x 800.00 written as 800.00",
    "ubl/guide-example3.xml": "lines 1 and 2: 2 x 800.00 written as 400.00",
    "ubl-scenarios/BIS_Billing_30-Rantefaktura_Enkel.xml": (
        "486 x 4.9715 = 2416.149 written as 2416.16 (Peppol R120 tolerates 0.02)"
    ),
    "cii/CII_example8.xml": (
        "lines 3, 5 and 6 are a twelfth of qty x price (132 x 15.24 = 2011.68 written as 167.64)"
    ),
    "cii/CII_business_example_Z.xml": "line 16: 1 x 1.5000 written as 177.41",
    "cii/XRechnung-O.xml": (
        "lines 1 and 2 subtract their line charge (insurance tax): "
        "99548.42 + charge 15894.27 written as 83654.15"
    ),
    "cii/huf_example_cii.xml": (
        "rounds line amounts and VAT to whole forints (23439.76 written as 23440.00) while "
        "ISO 4217 gives HUF 2 decimals"
    ),
    "ubl-scenarios/BIS_Billing_30-Kreditering_med_negativ_faktura.xml": (
        "a negative invoice (total -4174.50, negative allowances and charges): the product "
        "refuses to issue an invoice with a negative total and corrects with a credit note "
        "instead (BIS_Billing_30-Kreditering_med_kreditnota, which passes)"
    ),
    "ubl/BIS3_Invoice_negativ.XML": (
        "a negative invoice (total -782179.43): refused at issue, as above"
    ),
    "ubl/ubl-tc434-example7.xml": (
        "the seller is identified only by a seller identifier (BT-29, 5532331183), which "
        "the product has no field for; with neither VAT id nor company id the export "
        "breaks BR-CO-26"
    ),
    "cii/CII_example7.xml": "as ubl/ubl-tc434-example7.xml (seller identifier BT-29 only)",
}
# How the unsupported entries fail: refused at issue, or an export that breaks the given
# rules (and nothing else); all others by their line amounts.
REFUSED_AT_ISSUE: frozenset[str] = frozenset(
    {
        "ubl-scenarios/BIS_Billing_30-Kreditering_med_negativ_faktura.xml",
        "ubl/BIS3_Invoice_negativ.XML",
    }
)
INVALID_EXPORT: dict[str, frozenset[str]] = {
    "ubl/ubl-tc434-example7.xml": frozenset({"BR-CO-26"}),
    "cii/CII_example7.xml": frozenset({"BR-CO-26"}),
}

# Unit prices beyond the 4 stored decimals: refused by the services as given; the import
# writes them per a larger base quantity (0.00101 per 1 = 1.01 per 1000).
LONG_UNIT_PRICES: dict[str, str] = {
    "ubl/ubl-tc434-example8.xml": "unit price 0.00101",
    "ubl-scenarios/BIS_Billing_30-Elnat.xml": "unit price 0.41375",
}

# A returned item written as a positive quantity with a negative line amount (6 x 18.33
# = -109.98). EN 16931 writes a return as a negative quantity, and so does the import.
NEGATED_LINES: dict[str, frozenset[str]] = {
    "ubl/ubl-tc434-example1.xml": frozenset({"20"}),
    "ubl/ubl-tc434-example10.xml": frozenset({"20"}),
    "ubl/guide-example1.xml": frozenset({"20"}),
    "cii/CII_example1.xml": frozenset({"20"}),
}

# CII files whose BasisQuantity (BT-149) repeats each line's net price (1273 per 1273,
# 49 per 49) while their line amounts are plain quantity x price: the price is per one
# unit, so the import takes base quantity 1. The test checks base == price on each line.
BASE_QUANTITY_AS_ONE: frozenset[str] = frozenset(
    {"cii/CII_business_example_01.xml", "cii/CII_example2.xml", "cii/CII_example9.xml"}
)

# What the files state that the product has no field for. These files still run and pass:
# none of it changes an amount in the document currency, and the export leaves it out.
# - payee (BG-10) and seller tax representative (BG-11), e.g. Invoice-Max_content,
#   ubl-tc434-example5, BIS_Billing_30-Factoring, CII_example5;
# - line periods (BG-26), delivery (BG-13), order/contract/project references, seller
#   identifier (BT-29) next to a VAT id or company id;
# - price discount (BT-147/BT-148): the net price (BT-146) is what the line uses;
# - rounding amount (BT-114): not written, BT-115 is compared without it;
# - tax currency (BT-6) and the VAT total in it (BT-111, BR-53): not written, so a seller
#   who must state VAT in its national currency cannot send these invoices as they are.
TAX_CURRENCY_NOT_CARRIED: frozenset[str] = frozenset(
    {
        "ubl/ubl-tc434-example5.xml",
        "ubl/ubl-tc434-example10.xml",
        "cii/CII_example5.xml",
        "ubl-scenarios/BIS_Billing_30-Valutor_i_faktura.xml",
        "ubl-scenarios/CreditNote-Max_content.xml",
        "ubl-scenarios/Invoice-Max_content.xml",
    }
)


# Files with a negative quantity (a return or a correction inside the invoice): the
# product takes quantity > 0 on every path (API, admin, services) and writes a return
# as a credit note, so these are refused as drafts, with the line named.
NEGATIVE_QUANTITY: frozenset[str] = frozenset(
    example.id
    for example in EXAMPLES
    if example.id in NEGATED_LINES or any(line.quantity < 0 for line in example.lines)
)


def _params() -> list[object]:
    return [
        pytest.param(example, id=example.id)
        for example in EXAMPLES
        if example.id not in UNSUPPORTED and example.id not in NEGATIVE_QUANTITY
    ]


def _unsupported_params() -> list[object]:
    return [
        pytest.param(example, id=example.id)
        for example in EXAMPLES
        if example.id in UNSUPPORTED and example.id not in NEGATIVE_QUANTITY
    ]


@pytest.mark.parametrize(
    "example",
    [pytest.param(e, id=e.id) for e in EXAMPLES if e.id in NEGATIVE_QUANTITY],
)
def test_negative_quantities_are_refused_as_drafts(example, staff_user, company) -> None:
    with pytest.raises(ValidationException) as refused:
        _import(example, staff_user)
    lines = refused.value.details["items"]
    assert lines
    assert all("quantity" in problems for problems in lines.values())
    assert not Invoice.objects.exists()


@pytest.fixture(scope="module", autouse=True)
def _compiled() -> None:
    validation.compile_schematrons()


def _import(example: OfficialExample, owner) -> Invoice:
    return import_example(
        example,
        owner=owner,
        negated_lines=NEGATED_LINES.get(example.id, frozenset()),
        base_quantity_as_one=example.id in BASE_QUANTITY_AS_ONE,
    ).invoice


def _exports(invoice: Invoice) -> dict[str, bytes]:
    doc = invoice_document(invoice)
    return {syntax: build(doc) for syntax, (build, _) in EXPORTS.items()}


def _describe(violations: list[validation.Violation]) -> list[str]:
    return [f"{v.rule_id}: {v.message[:160]}" for v in violations]


# --- the lists hold what they say ---------------------------------------------------


def test_every_file_is_covered() -> None:
    ids = {example.id for example in EXAMPLES}
    assert len(ids) == 62
    assert set(UNSUPPORTED) <= ids
    assert REFUSED_AT_ISSUE.issubset(UNSUPPORTED)
    assert set(NEGATED_LINES) <= ids - set(UNSUPPORTED)
    assert BASE_QUANTITY_AS_ONE.issubset(ids - set(UNSUPPORTED))
    assert not set(NEGATED_LINES) & BASE_QUANTITY_AS_ONE
    assert set(INVALID_EXPORT) <= set(UNSUPPORTED)
    assert set(LONG_UNIT_PRICES) <= ids - set(UNSUPPORTED)
    assert len(UNSUPPORTED) <= 14  # keep the list short
    with_tax_currency = {e.id for e in EXAMPLES if e.tax_currency not in ("", e.currency)}
    assert with_tax_currency == TAX_CURRENCY_NOT_CARRIED


@pytest.mark.parametrize("file_id", sorted(NEGATED_LINES))
def test_negated_lines_are_returns_written_with_a_positive_quantity(file_id: str) -> None:
    example = next(e for e in EXAMPLES if e.id == file_id)
    for line in example.lines:
        if line.id in NEGATED_LINES[file_id]:
            assert line.quantity > 0 and line.net_amount < 0
            assert line.net_amount == -(line.quantity * line.net_price / line.base_quantity)


@pytest.mark.parametrize("file_id", sorted(BASE_QUANTITY_AS_ONE))
def test_base_quantity_as_one_files_repeat_the_price(file_id: str) -> None:
    example = next(e for e in EXAMPLES if e.id == file_id)
    assert any(line.base_quantity != 1 for line in example.lines)
    for line in example.lines:
        assert line.base_quantity in (1, line.net_price)
        assert line.net_amount == line.quantity * line.net_price


# --- the round trip -------------------------------------------------------------------


@pytest.mark.parametrize("example", _params())
def test_official_example_roundtrip(example, staff_user, company, tmp_path) -> None:
    invoice = _import(example, staff_user)

    expected = issued_figures(example)
    problems: dict[str, object] = {}
    for syntax, xml in _exports(invoice).items():
        errors = errors_only(EXPORTS[syntax][1](xml))
        if errors:
            problems[f"{syntax} invalid"] = _describe(errors)
        ours = read_back(xml, syntax, tmp_path)
        # The export never writes a rounding amount; BT-115 is the gross (as issued).
        if ours.totals.rounding:
            problems[f"{syntax} BT-114"] = ours.totals.rounding
        diff = differences(figures(ours), expected)
        if diff:
            problems[f"{syntax} (ours, file's)"] = diff
    assert problems == {}


@pytest.mark.parametrize("example", _unsupported_params())
def test_unsupported_reasons_hold(example, staff_user, company, tmp_path) -> None:
    reason = UNSUPPORTED[example.id]
    if example.id in REFUSED_AT_ISSUE:
        with pytest.raises(InvoiceNotIssuable) as refused:
            _import(example, staff_user)
        assert "gross_total" in refused.value.details, reason
        return

    if example.id in INVALID_EXPORT:
        # Validation at issue (on by default) refuses them before a number is drawn,
        # naming only the listed rules.
        with pytest.raises(EInvoiceInvalidError) as refused:
            _import(example, staff_user)
        assert set(refused.value.details["rules"]) == INVALID_EXPORT[example.id], reason
        assert not Invoice.objects.filter(number__isnull=False).exists()
        return
    invoice = _import(example, staff_user)

    file_lines = [line.net_amount for line in example.lines]
    for syntax, xml in _exports(invoice).items():
        # Our own invoice is still a valid e-invoice ...
        errors = errors_only(EXPORTS[syntax][1](xml))
        assert errors == [], _describe(errors)
        # ... but its lines are not the file's, which is the reason it is listed.
        ours = [line.net_amount for line in read_back(xml, syntax, tmp_path).lines]
        assert ours != file_lines, reason


@pytest.mark.parametrize("file_id", sorted(LONG_UNIT_PRICES))
def test_unit_prices_beyond_4_decimals_are_refused_not_truncated(
    file_id: str, staff_user, company
) -> None:
    """The services refuse what the columns cannot store (the import scales such prices
    to a larger base quantity instead), so stored lines always add up to the totals."""
    example = next(e for e in EXAMPLES if e.id == file_id)
    with pytest.raises(ValidationException) as refused:
        import_example(example, owner=staff_user, scale_long_prices=False)
    lines = refused.value.details["items"]
    assert [set(problems) for problems in lines.values()] == [{"unit_price"}], LONG_UNIT_PRICES[
        file_id
    ]
    assert Invoice.objects.count() == 0
