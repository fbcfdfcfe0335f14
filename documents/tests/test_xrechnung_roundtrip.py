"""Round trip of KoSIT's XRechnung 3.0 examples (issue 13, item 5).

Each of the 66 files (33 business cases, UBL and CII) is read with the official example
parser and re-created through the services (``official_import``) for a customer in the
``xrechnung`` profile: seller with contact and endpoint, buyer with endpoint, BT-10
(Leitweg-ID), BT-13, BT-20, BT-72, BG-14, BT-120/121. The issued invoice (validated at
issue) is exported as XRechnung UBL and XRechnung CII, and each export must

(a) pass its XSD, the CEN rules and the KoSIT XRechnung 3.0 rules with no error, and
(b) read back with the same parser, state the file's totals BT-106..BT-112, its VAT
    breakdown (BG-23) and line amounts (BT-131) to the cent, BT-113 0 and BT-115 = BT-112
    (as issued, before any payment; the product has no rounding amount BT-114), and the
    file's business terms (BT-10, BT-13, BT-20, BT-72, BG-14, endpoints BT-34 / BT-49,
    seller contact BT-41..43).

``UNSUPPORTED`` names the files the product cannot represent, with the reason, and
``test_unsupported_reasons_hold`` checks each reason is still true. docs/EINVOICE.md
lists them.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from lxml import etree

from common.exceptions import ValidationException
from documents.adapters import invoice_document
from documents.einvoice import codes, schematron, validation
from documents.einvoice.cii import build_cii
from documents.einvoice.ubl import build_ubl
from documents.einvoice.validation import errors_only, validate_cii, validate_ubl
from documents.tests.official_import import (
    differences,
    figures,
    import_example,
    issued_figures,
    read_back,
)
from invoices.models import Invoice
from invoices.tests.official_examples import OfficialExample, load_xrechnung_examples

EXAMPLES = load_xrechnung_examples()
pytestmark = [
    pytest.mark.skipif(
        not EXAMPLES or not schematron.rules_available(),
        reason="KoSIT examples or rule sources (../shared/einvoice) not present",
    ),
    # The mapping to and from the KoSIT XML, as test_official_roundtrip: run once.
    pytest.mark.db_independent,
]
EXPORTS = {"ubl": (build_ubl, validate_ubl), "cii": (build_cii, validate_cii)}

# Business case (both syntaxes) -> why the product cannot re-create it.
NEGATIVE_QUANTITY: dict[str, str] = {
    "01.20a": "line 1: -1 x 100.00 (container rent taken back, in a self-billed invoice 389)",
    "02.06a": "line 2: -19 x 1.00 (last month's shortfall deducted)",
    "03.06a": "line 3: -1 x 100.00 (a correction of the tax base)",
}
# The files' own line amounts are not quantity x price rounded half up; the product
# computes every line (EN 16931 BR-CO-10 holds either way) and cannot take them.
LINE_AMOUNTS: dict[str, str] = {
    "03.01a": "line 3.3: 245 x 0.1973 = 48.3385 written as 48.33",
    "03.04a": (
        "line 2: 804878.94 x 0.01146 = 9223.9127 written as 9223.92; "
        "line 3: 804878.94 x 0.0003 = 241.4637 written as 241.47"
    ),
    "03.05a": "line 2: 2100 x 3.2916 = 6912.36 written as 6912.37",
}
UNSUPPORTED: dict[str, str] = {**NEGATIVE_QUANTITY, **LINE_AMOUNTS}

# Represented, with a difference the comparison allows and the docs name.
CORRECTED_INVOICE = {"01.18a": "BT-3 384 (corrected invoice) is exported as 380"}
ROUNDING_AMOUNT = {"01.17a": "BT-114 0.01 is not carried; BT-115 = BT-112"}
TAX_CURRENCY = {"02.01a", "02.02a", "02.03a", "02.04a", "03.07a"}  # BT-6 GBP, BT-111


def _case(example: OfficialExample) -> str:
    return example.file_name[:6]


def _params(supported: bool) -> list[object]:
    return [
        pytest.param(example, id=example.file_name)
        for example in EXAMPLES
        if (_case(example) not in UNSUPPORTED) == supported
    ]


@pytest.fixture(scope="module", autouse=True)
def _compiled() -> None:
    validation.compile_schematrons([codes.XRECHNUNG])


def _import(example: OfficialExample, owner) -> Invoice:
    return import_example(example, owner=owner, profile=codes.XRECHNUNG).invoice


def _terms(example: OfficialExample, file: OfficialExample) -> dict[str, object]:
    return {
        "BT-10": example.buyer_reference,
        "BT-13": example.order_reference,
        # Without a BT-20 in the file the product writes its default sentence.
        "BT-20": example.payment_terms if file.payment_terms else "",
        "BT-72": example.delivery_date,
        "BG-14": (example.period_start, example.period_end),
        "BT-34": (example.seller.endpoint_scheme, example.seller.endpoint_id),
        "BT-49": (example.buyer.endpoint_scheme, example.buyer.endpoint_id),
        "BT-41..43": (
            example.seller.contact_name,
            example.seller.contact_phone,
            example.seller.contact_email,
        ),
    }


def _describe(violations: list[validation.Violation]) -> list[str]:
    return [f"{v.rule_id}: {v.message[:160]}" for v in violations]


def test_every_case_is_read_in_both_syntaxes() -> None:
    cases = {}
    for example in EXAMPLES:
        cases.setdefault(_case(example), set()).add(example.syntax)
    assert len(EXAMPLES) == 66
    assert all(syntaxes == {"ubl", "cii"} for syntaxes in cases.values())
    assert set(UNSUPPORTED) | set(CORRECTED_INVOICE) | set(ROUNDING_AMOUNT) <= set(cases)
    with_tax_currency = {_case(e) for e in EXAMPLES if e.tax_currency not in ("", e.currency)}
    assert with_tax_currency == TAX_CURRENCY
    assert {_case(e) for e in EXAMPLES if e.type_code == "384"} == set(CORRECTED_INVOICE)
    assert {_case(e) for e in EXAMPLES if e.totals.rounding} == set(ROUNDING_AMOUNT)


@pytest.mark.parametrize("example", _params(supported=True))
def test_kosit_example_roundtrip(example, staff_user, company, settings, tmp_path) -> None:
    settings.EINVOICE_VALIDATE_ON_ISSUE = True
    invoice = _import(example, staff_user)
    doc = invoice_document(invoice)
    assert doc.profile == codes.XRECHNUNG

    expected = issued_figures(example)
    problems: dict[str, object] = {}
    for syntax, (build, validate) in EXPORTS.items():
        xml = build(doc)
        errors = errors_only(validate(xml, codes.XRECHNUNG))
        if errors:
            problems[f"{syntax} invalid"] = _describe(errors)
        ours = read_back(xml, syntax, tmp_path)
        if ours.totals.rounding:
            problems[f"{syntax} BT-114"] = ours.totals.rounding
        diff = differences(figures(ours), expected)
        diff |= differences(_terms(ours, example), _terms(example, example))
        if diff:
            problems[f"{syntax} (ours, file's)"] = diff
    assert problems == {}


@pytest.mark.parametrize("syntax", sorted(EXPORTS))
def test_a_tampered_export_fails(syntax, staff_user, company) -> None:
    example = next(e for e in EXAMPLES if e.file_name == "01.01a-INVOICE_ubl.xml")
    build, validate = EXPORTS[syntax]
    xml = build(invoice_document(_import(example, staff_user)))
    assert errors_only(validate(xml, codes.XRECHNUNG)) == []
    root = etree.fromstring(xml)
    payable = next(root.iter("{*}PayableAmount" if syntax == "ubl" else "{*}DuePayableAmount"))
    payable.text = str(Decimal(payable.text) + Decimal("0.01"))
    tampered = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    rules = {v.rule_id for v in errors_only(validate(tampered, codes.XRECHNUNG))}
    assert "BR-CO-16" in rules


@pytest.mark.parametrize("example", _params(supported=False))
def test_unsupported_reasons_hold(example, staff_user, company) -> None:
    reason = UNSUPPORTED[_case(example)]
    if _case(example) in NEGATIVE_QUANTITY:
        assert any(line.quantity < 0 for line in example.lines), reason
        with pytest.raises(ValidationException) as refused:
            _import(example, staff_user)
        problems = refused.value.details["items"]
        assert all("quantity" in fields for fields in problems.values()), reason
        assert not Invoice.objects.exists()
        return
    invoice = _import(example, staff_user)
    ours = [item.net_amount for item in invoice.items.order_by("position", "pk")]
    assert ours != [line.net_amount for line in example.lines], reason
    # ... and the product's own invoice is still a valid XRechnung in both syntaxes.
    doc = invoice_document(invoice)
    for build, validate in EXPORTS.values():
        errors = errors_only(validate(build(doc), codes.XRECHNUNG))
        assert errors == [], _describe(errors)
