"""CII D16B / Factur-X EN 16931 export: structure and official validation."""

from __future__ import annotations

import dataclasses

import pytest
from lxml import etree

from documents.einvoice.cii import build_cii
from documents.einvoice.validation import errors_only, validate_cii
from documents.tests import einvoice_factories as factories

NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
    "qdt": "urn:un:unece:uncefact:data:standard:QualifiedDataType:100",
}
TRADE = "rsm:SupplyChainTradeTransaction/"
AGREEMENT = TRADE + "ram:ApplicableHeaderTradeAgreement/"
SETTLEMENT = TRADE + "ram:ApplicableHeaderTradeSettlement/"
SUMMATION = SETTLEMENT + "ram:SpecifiedTradeSettlementHeaderMonetarySummation/"
LINES = TRADE + "ram:IncludedSupplyChainTradeLineItem"

# The XSD makes ApplicableHeaderTradeDelivery mandatory; with no delivery data it stays
# empty, which the schematron reports as a warning only (as in the official examples).
ACCEPTED_WARNINGS = {"PEPPOL-EN16931-R008"}


def _tree(doc: factories.InvoiceDocument) -> etree._Element:
    return etree.fromstring(build_cii(doc))


def _texts(root: etree._Element, path: str) -> list[str]:
    return [str(value) for value in root.xpath(path, namespaces=NS)]


@pytest.mark.parametrize("name", sorted(factories.SCENARIOS))
def test_every_scenario_passes_xsd_and_schematron(name: str) -> None:
    violations = validate_cii(build_cii(factories.SCENARIOS[name]()))
    assert errors_only(violations) == [], factories.describe(violations)
    assert {violation.rule_id for violation in violations} <= ACCEPTED_WARNINGS


def test_header_and_guideline() -> None:
    root = _tree(factories.standard_invoice())
    guideline = "rsm:ExchangedDocumentContext/ram:GuidelineSpecifiedDocumentContextParameter"
    assert _texts(root, f"{guideline}/ram:ID/text()") == ["urn:cen.eu:en16931:2017"]
    assert _texts(root, "rsm:ExchangedDocument/ram:ID/text()") == ["INV-2026-00042"]
    assert _texts(root, "rsm:ExchangedDocument/ram:TypeCode/text()") == ["380"]
    issue = "rsm:ExchangedDocument/ram:IssueDateTime/udt:DateTimeString"
    assert _texts(root, f"{issue}/text()") == ["20260315"]
    assert _texts(root, f"{issue}/@format") == ["102"]
    assert _texts(root, f"{AGREEMENT}ram:BuyerReference/text()") == ["PO-4711"]
    due = "ram:SpecifiedTradePaymentTerms/ram:DueDateDateTime/udt:DateTimeString/text()"
    assert _texts(root, f"{SETTLEMENT}{due}") == ["20260414"]


def test_monetary_summation_copies_the_totals() -> None:
    doc = factories.partially_paid_invoice()
    root = _tree(doc)
    expected = {
        "LineTotalAmount": doc.line_total,
        "ChargeTotalAmount": doc.charge_total,
        "AllowanceTotalAmount": doc.allowance_total,
        "TaxBasisTotalAmount": doc.net_total,
        "TaxTotalAmount": doc.tax_total,
        "GrandTotalAmount": doc.gross_total,
        "TotalPrepaidAmount": doc.paid_total,
        "DuePayableAmount": doc.amount_due,
    }
    for element, amount in expected.items():
        assert _texts(root, f"{SUMMATION}ram:{element}/text()") == [f"{amount:.2f}"], element
    assert _texts(root, f"{SUMMATION}ram:TaxTotalAmount/@currencyID") == ["EUR"]


def test_tax_breakdown_and_document_allowances() -> None:
    doc = factories.standard_invoice()
    root = _tree(doc)
    taxes = root.xpath(f"{SETTLEMENT}ram:ApplicableTradeTax", namespaces=NS)
    assert [
        (
            _texts(tax, "ram:CategoryCode/text()")[0],
            _texts(tax, "ram:RateApplicablePercent/text()")[0],
            _texts(tax, "ram:BasisAmount/text()")[0],
            _texts(tax, "ram:CalculatedAmount/text()")[0],
        )
        for tax in taxes
    ] == [
        (
            group.tax_category,
            f"{group.tax_rate.normalize():f}",
            f"{group.taxable_amount:.2f}",
            f"{group.tax_amount:.2f}",
        )
        for group in doc.tax_breakdown
    ]
    allowances = root.xpath(f"{SETTLEMENT}ram:SpecifiedTradeAllowanceCharge", namespaces=NS)
    assert [_texts(item, "ram:ChargeIndicator/udt:Indicator/text()")[0] for item in allowances] == [
        "false",
        "true",
        "false",
    ]
    assert [_texts(item, "ram:Reason/text()")[0] for item in allowances] == [
        "Loyalty discount",
        "Freight",
        "Discount",
    ]
    assert _texts(allowances[2], "ram:CategoryTradeTax/ram:RateApplicablePercent/text()") == ["7"]


def test_lines() -> None:
    doc = factories.standard_invoice()
    root = _tree(doc)
    lines = root.xpath(LINES, namespaces=NS)
    assert len(lines) == 3
    settlement = "ram:SpecifiedLineTradeSettlement/"
    first = lines[0]
    assert _texts(first, "ram:AssociatedDocumentLineDocument/ram:LineID/text()") == ["1"]
    assert _texts(first, "ram:SpecifiedTradeProduct/ram:Name/text()") == ["Drill bits set"]
    assert _texts(first, "ram:SpecifiedLineTradeDelivery/ram:BilledQuantity/text()") == ["10"]
    discount = f"{settlement}ram:SpecifiedTradeAllowanceCharge/ram:ActualAmount/text()"
    assert _texts(first, discount) == ["5.00"]
    assert _texts(lines[1], f"{settlement}ram:SpecifiedTradeAllowanceCharge/ram:Reason/text()") == [
        "Charge"
    ]
    price = "ram:SpecifiedLineTradeAgreement/ram:NetPriceProductTradePrice/"
    assert _texts(lines[1], f"{price}ram:ChargeAmount/text()") == ["4.9715"]
    assert _texts(lines[2], f"{price}ram:BasisQuantity/text()") == ["100"]
    assert _texts(lines[0], f"{price}ram:BasisQuantity") == []
    line_total = (
        f"{settlement}ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount"
    )
    assert [_texts(line, f"{line_total}/text()")[0] for line in lines] == [
        f"{line.net_amount:.2f}" for line in doc.lines
    ]


def test_parties_and_payment_means() -> None:
    root = _tree(factories.reverse_charge_invoice())
    seller = f"{AGREEMENT}ram:SellerTradeParty/"
    buyer = f"{AGREEMENT}ram:BuyerTradeParty/"
    assert _texts(root, f"{seller}ram:Name/text()") == ["Müller & Söhne Werkzeugbau GmbH"]
    assert _texts(root, f"{seller}ram:SpecifiedTaxRegistration/ram:ID/@schemeID") == ["VA"]
    assert _texts(root, f"{seller}ram:SpecifiedTaxRegistration/ram:ID/text()") == ["DE123456789"]
    assert _texts(root, f"{buyer}ram:SpecifiedTaxRegistration/ram:ID/text()") == ["FR40303265045"]
    assert _texts(root, f"{seller}ram:URIUniversalCommunication/ram:URIID/@schemeID") == ["9930"]
    assert _texts(root, f"{buyer}ram:URIUniversalCommunication/ram:URIID/@schemeID") == ["9957"]
    means = f"{SETTLEMENT}ram:SpecifiedTradeSettlementPaymentMeans/"
    assert _texts(root, f"{means}ram:TypeCode/text()") == ["58"]
    assert _texts(root, f"{means}ram:PayeePartyCreditorFinancialAccount/ram:IBANID/text()") == [
        "DE89370400440532013000"
    ]
    bic = f"{means}ram:PayeeSpecifiedCreditorFinancialInstitution/ram:BICID/text()"
    assert _texts(root, bic) == ["COBADEFFXXX"]
    assert _texts(root, f"{SETTLEMENT}ram:PaymentReference/text()") == ["INV-2026-00042"]
    tax = f"{SETTLEMENT}ram:ApplicableTradeTax/"
    assert _texts(root, f"{tax}ram:ExemptionReason/text()") == ["Reverse charge"]
    assert _texts(root, f"{tax}ram:ExemptionReasonCode/text()") == ["VATEX-EU-AE"]


def test_not_subject_to_vat() -> None:
    root = _tree(factories.not_subject_invoice())
    assert _texts(root, "//ram:SpecifiedTaxRegistration") == []
    # Only the breakdown row states a rate, 0 (BR-DE-14); lines and allowances none.
    assert _texts(root, "//ram:RateApplicablePercent/text()") == ["0"]
    assert _texts(root, f"{SETTLEMENT}ram:ApplicableTradeTax/ram:ExemptionReason/text()") == [
        "Not subject to VAT"
    ]


def test_intra_community_supply_states_delivery() -> None:
    root = _tree(factories.intra_community_invoice())
    delivery = f"{TRADE}ram:ApplicableHeaderTradeDelivery/"
    country = "ram:ShipToTradeParty/ram:PostalTradeAddress/ram:CountryID/text()"
    assert _texts(root, f"{delivery}{country}") == ["FR"]
    event = "ram:ActualDeliverySupplyChainEvent/ram:OccurrenceDateTime/udt:DateTimeString/text()"
    assert _texts(root, f"{delivery}{event}") == ["20260315"]


def test_credit_note_refers_to_invoice() -> None:
    root = _tree(factories.credit_note())
    assert _texts(root, "rsm:ExchangedDocument/ram:TypeCode/text()") == ["381"]
    reference = f"{SETTLEMENT}ram:InvoiceReferencedDocument/"
    assert _texts(root, f"{reference}ram:IssuerAssignedID/text()") == ["INV-2026-00042"]
    issue = f"{reference}ram:FormattedIssueDateTime/qdt:DateTimeString/text()"
    assert _texts(root, issue) == ["20260301"]


def test_minimal_invoice_fallbacks() -> None:
    root = _tree(factories.minimal_invoice())
    means = f"{SETTLEMENT}ram:SpecifiedTradeSettlementPaymentMeans/"
    assert _texts(root, f"{means}ram:TypeCode/text()") == ["1"]
    assert _texts(root, f"{means}ram:PayeePartyCreditorFinancialAccount") == []
    assert _texts(root, f"{AGREEMENT}ram:BuyerReference") == []


def test_currency_exponents() -> None:
    jpy = _tree(factories.jpy_invoice())
    assert _texts(jpy, f"{SUMMATION}ram:GrandTotalAmount/text()")[0].isdigit()
    kwd_doc = factories.kwd_invoice()
    kwd = _tree(kwd_doc)
    assert _texts(kwd, f"{SUMMATION}ram:DuePayableAmount/text()") == ["42.00"]
    assert _texts(kwd, f"{SETTLEMENT}ram:InvoiceCurrencyCode/text()") == ["KWD"]


def test_draft_without_number_is_refused() -> None:
    draft = dataclasses.replace(factories.standard_invoice(), number=None, status="draft")
    with pytest.raises(ValueError, match="draft"):
        build_cii(draft)
