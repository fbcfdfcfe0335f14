"""UBL 2.1 / Peppol BIS Billing 3.0 export: structure and official validation."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest
from lxml import etree

from documents.einvoice.ubl import build_ubl
from documents.einvoice.validation import errors_only, validate_ubl
from documents.tests import einvoice_factories as factories

NS = {
    "inv": "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
    "cn": "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}


def _tree(doc: factories.InvoiceDocument) -> etree._Element:
    return etree.fromstring(build_ubl(doc))


def _texts(root: etree._Element, path: str) -> list[str]:
    return [str(value) for value in root.xpath(path, namespaces=NS)]


@pytest.mark.parametrize("name", sorted(factories.SCENARIOS))
def test_every_scenario_passes_xsd_and_schematron_without_findings(name: str) -> None:
    violations = validate_ubl(build_ubl(factories.SCENARIOS[name]()))
    assert violations == [], factories.describe(violations)


@pytest.mark.parametrize(
    ("profile", "customization_id"),
    [
        ("en16931", "urn:cen.eu:en16931:2017"),
        ("peppol", "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"),
        ("xrechnung", "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0"),
    ],
)
def test_invoice_header_follows_the_profile(profile: str, customization_id: str) -> None:
    root = _tree(dataclasses.replace(factories.standard_invoice(), profile=profile))
    assert etree.QName(root).localname == "Invoice"
    assert _texts(root, "cbc:CustomizationID/text()") == [customization_id]
    assert _texts(root, "cbc:ProfileID/text()") == ["urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"]
    assert _texts(root, "cbc:ID/text()") == ["INV-2026-00042"]
    assert _texts(root, "cbc:IssueDate/text()") == ["2026-03-15"]
    assert _texts(root, "cbc:DueDate/text()") == ["2026-04-14"]
    assert _texts(root, "cbc:InvoiceTypeCode/text()") == ["380"]
    assert _texts(root, "cbc:DocumentCurrencyCode/text()") == ["EUR"]
    assert _texts(root, "cbc:BuyerReference/text()") == ["PO-4711"]
    assert _texts(root, "cbc:Note/text()") == ["Thank you for your order."]


def test_totals_are_copied_not_recomputed() -> None:
    doc = factories.standard_invoice()
    root = _tree(doc)
    total = "cac:LegalMonetaryTotal/cbc:"
    expected = {
        "LineExtensionAmount": doc.line_total,
        "TaxExclusiveAmount": doc.net_total,
        "TaxInclusiveAmount": doc.gross_total,
        "AllowanceTotalAmount": doc.allowance_total,
        "ChargeTotalAmount": doc.charge_total,
        "PrepaidAmount": doc.paid_total,
        "PayableAmount": doc.amount_due,
    }
    for element, amount in expected.items():
        assert _texts(root, f"{total}{element}/text()") == [f"{amount:.2f}"], element
    assert _texts(root, "cac:TaxTotal/cbc:TaxAmount/text()") == [f"{doc.tax_total:.2f}"]
    assert set(_texts(root, "//@currencyID")) == {"EUR"}
    assert _texts(root, "cac:TaxTotal/cac:TaxSubtotal/cbc:TaxableAmount/text()") == [
        f"{group.taxable_amount:.2f}" for group in doc.tax_breakdown
    ]
    line_amounts = _texts(root, "cac:InvoiceLine/cbc:LineExtensionAmount/text()")
    assert line_amounts == [f"{line.net_amount:.2f}" for line in doc.lines]


def test_lines_carry_allowances_charges_prices_and_base_quantity() -> None:
    root = _tree(factories.standard_invoice())
    lines = root.xpath("cac:InvoiceLine", namespaces=NS)
    assert _texts(lines[0], "cac:AllowanceCharge/cbc:ChargeIndicator/text()") == ["false"]
    assert _texts(lines[0], "cac:AllowanceCharge/cbc:Amount/text()") == ["5.00"]
    assert _texts(lines[1], "cac:AllowanceCharge/cbc:ChargeIndicator/text()") == ["true"]
    assert _texts(lines[1], "cac:Price/cbc:PriceAmount/text()") == ["4.9715"]
    assert _texts(lines[1], "cac:Item/cac:ClassifiedTaxCategory/cbc:Percent/text()") == ["7"]
    assert _texts(lines[2], "cac:Price/cbc:BaseQuantity/text()") == ["100"]
    assert _texts(lines[2], "cac:Price/cbc:BaseQuantity/@unitCode") == ["C62"]
    assert _texts(lines[0], "cac:Price/cbc:BaseQuantity") == []
    assert _texts(lines[0], "cac:Item/cbc:Name/text()") == ["Drill bits set"]


def test_document_allowances_and_charges_have_reason_and_tax_category() -> None:
    root = _tree(factories.standard_invoice())
    items = root.xpath("cac:AllowanceCharge", namespaces=NS)
    assert [_texts(item, "cbc:AllowanceChargeReason/text()")[0] for item in items] == [
        "Loyalty discount",
        "Freight",
        "Discount",
    ]
    assert [_texts(item, "cac:TaxCategory/cbc:Percent/text()")[0] for item in items] == [
        "19",
        "19",
        "7",
    ]


def test_parties_endpoints_and_vat_ids() -> None:
    root = _tree(factories.reverse_charge_invoice())
    seller = "cac:AccountingSupplierParty/cac:Party/"
    buyer = "cac:AccountingCustomerParty/cac:Party/"
    assert _texts(root, f"{seller}cbc:EndpointID/@schemeID") == ["9930"]
    assert _texts(root, f"{seller}cbc:EndpointID/text()") == ["DE123456789"]
    assert _texts(root, f"{buyer}cbc:EndpointID/@schemeID") == ["9957"]
    assert _texts(root, f"{seller}cac:PartyTaxScheme/cbc:CompanyID/text()") == ["DE123456789"]
    assert _texts(root, f"{buyer}cac:PartyTaxScheme/cbc:CompanyID/text()") == ["FR40303265045"]
    assert _texts(root, f"{seller}cac:PartyLegalEntity/cbc:RegistrationName/text()") == [
        "Müller & Söhne Werkzeugbau GmbH"
    ]
    assert _texts(root, f"{seller}cac:PartyName/cbc:Name/text()") == ["Müller Werkzeuge"]
    assert _texts(root, f"{seller}cac:Contact/cbc:ElectronicMail/text()") == [
        "billing@mueller-soehne.example"
    ]


def test_endpoint_falls_back_to_email_without_vat_id() -> None:
    root = _tree(factories.export_invoice())
    buyer = "cac:AccountingCustomerParty/cac:Party/"
    assert _texts(root, f"{buyer}cbc:EndpointID/@schemeID") == ["EM"]
    assert _texts(root, f"{buyer}cbc:EndpointID/text()") == ["payables@example-imports.example"]
    assert _texts(root, f"{buyer}cac:PartyTaxScheme") == []


def test_reverse_charge_has_exemption_reason_and_code() -> None:
    root = _tree(factories.reverse_charge_invoice())
    category = "cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/"
    assert _texts(root, f"{category}cbc:ID/text()") == ["AE"]
    assert _texts(root, f"{category}cbc:Percent/text()") == ["0"]
    assert _texts(root, f"{category}cbc:TaxExemptionReason/text()") == ["Reverse charge"]
    assert _texts(root, f"{category}cbc:TaxExemptionReasonCode/text()") == ["VATEX-EU-AE"]


def test_explicit_exemption_reason_wins_and_standard_rate_has_none() -> None:
    root = _tree(factories.zero_and_exempt_invoice())
    subtotals = root.xpath("cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory", namespaces=NS)
    reasons = {
        _texts(category, "cbc:ID/text()")[0]: _texts(category, "cbc:TaxExemptionReason/text()")
        for category in subtotals
    }
    assert reasons == {
        "S": [],
        "Z": [],
        "E": ["Exempt under Article 132(1)(i) of Directive 2006/112/EC"],
    }


def test_not_subject_to_vat_has_no_rate_and_no_vat_ids() -> None:
    root = _tree(factories.not_subject_invoice())
    assert _texts(root, "//cac:PartyTaxScheme") == []
    assert _texts(root, "//cac:ClassifiedTaxCategory/cbc:Percent") == []
    assert _texts(root, "//cac:AllowanceCharge/cac:TaxCategory/cbc:Percent") == []
    # The breakdown row states 0 (BR-DE-14 / DE-R-014 require a rate there).
    assert _texts(root, "//cac:TaxSubtotal/cac:TaxCategory/cbc:Percent/text()") == ["0"]
    assert _texts(root, "//cac:TaxSubtotal/cac:TaxCategory/cbc:TaxExemptionReason/text()") == [
        "Not subject to VAT"
    ]


def test_intra_community_supply_states_delivery() -> None:
    root = _tree(factories.intra_community_invoice())
    assert _texts(root, "cac:Delivery/cbc:ActualDeliveryDate/text()") == ["2026-03-15"]
    country = "cac:Delivery/cac:DeliveryLocation/cac:Address/cac:Country/cbc:IdentificationCode"
    assert _texts(root, f"{country}/text()") == ["FR"]
    assert _texts(_tree(factories.standard_invoice()), "cac:Delivery") == []


def test_credit_note_uses_credit_note_document() -> None:
    doc = factories.credit_note()
    root = _tree(doc)
    assert etree.QName(root).namespace == NS["cn"]
    assert etree.QName(root).localname == "CreditNote"
    assert _texts(root, "cbc:CreditNoteTypeCode/text()") == ["381"]
    assert _texts(root, "cbc:DueDate") == []
    assert _texts(root, "cac:PaymentMeans/cbc:PaymentDueDate/text()") == ["2026-04-14"]
    reference = "cac:BillingReference/cac:InvoiceDocumentReference/"
    assert _texts(root, f"{reference}cbc:ID/text()") == ["INV-2026-00042"]
    assert _texts(root, f"{reference}cbc:IssueDate/text()") == ["2026-03-01"]
    assert len(root.xpath("cac:CreditNoteLine/cbc:CreditedQuantity", namespaces=NS)) == 2
    assert root.xpath("cac:InvoiceLine", namespaces=NS) == []
    assert _texts(root, "cac:LegalMonetaryTotal/cbc:PayableAmount/text()") == [
        f"{doc.amount_due:.2f}"
    ]


def test_payment_means_sepa_with_iban_and_bic() -> None:
    root = _tree(factories.standard_invoice())
    means = "cac:PaymentMeans/"
    assert _texts(root, f"{means}cbc:PaymentMeansCode/text()") == ["58"]
    assert _texts(root, f"{means}cbc:PaymentID/text()") == ["INV-2026-00042"]
    assert _texts(root, f"{means}cac:PayeeFinancialAccount/cbc:ID/text()") == [
        "DE89370400440532013000"
    ]
    branch = f"{means}cac:PayeeFinancialAccount/cac:FinancialInstitutionBranch/cbc:ID/text()"
    assert _texts(root, branch) == ["COBADEFFXXX"]


def test_minimal_invoice_fallbacks() -> None:
    root = _tree(factories.minimal_invoice())
    assert _texts(root, "cac:PaymentMeans/cbc:PaymentMeansCode/text()") == ["1"]
    assert _texts(root, "cac:PaymentMeans/cac:PayeeFinancialAccount") == []
    # No made-up BT-10 (it would be a wrong Leitweg-ID): Peppol and XRechnung refuse.
    assert _texts(root, "cbc:BuyerReference") == []
    assert _texts(root, "cbc:Note") == []
    assert _texts(root, "//*[not(*) and normalize-space(.) = '']") == []


def test_prepaid_amount_reduces_payable_amount() -> None:
    doc = factories.partially_paid_invoice()
    root = _tree(doc)
    assert _texts(root, "cac:LegalMonetaryTotal/cbc:PrepaidAmount/text()") == ["200.00"]
    assert doc.amount_due == doc.gross_total - Decimal("200.00")
    assert _texts(root, "cac:LegalMonetaryTotal/cbc:PayableAmount/text()") == [
        f"{doc.amount_due:.2f}"
    ]


def test_currency_exponents() -> None:
    jpy = _tree(factories.jpy_invoice())
    amounts = _texts(jpy, "//cbc:TaxAmount/text() | //cbc:PayableAmount/text()")
    assert amounts and all("." not in amount for amount in amounts)
    assert _texts(jpy, "//cac:InvoiceLine[2]/cac:Price/cbc:PriceAmount/text()") == ["333.3"]
    kwd_doc = factories.kwd_invoice()
    kwd = _tree(kwd_doc)
    # KWD amounts are rounded to 3 decimals but written with 2 (BR-DEC-*).
    assert kwd_doc.gross_total == Decimal("42.000")
    assert _texts(kwd, "cac:LegalMonetaryTotal/cbc:PayableAmount/text()") == ["42.00"]


def test_quantities_are_plain_decimals() -> None:
    doc = factories.make_document(
        [factories.LineSpec(Decimal("1E+2"), Decimal("0.00001E+4"), description="Big")]
    )
    root = _tree(doc)
    assert _texts(root, "//cbc:InvoicedQuantity/text()") == ["100"]
    assert _texts(root, "//cbc:PriceAmount/text()") == ["0.1"]
    assert errors_only(validate_ubl(build_ubl(doc))) == []


def test_draft_without_number_is_refused() -> None:
    draft = dataclasses.replace(factories.standard_invoice(), number=None, status="draft")
    with pytest.raises(ValueError, match="draft"):
        build_ubl(draft)
