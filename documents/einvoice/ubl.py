"""UBL 2.1 Invoice / CreditNote in the document's profile: Peppol BIS Billing 3.0,
XRechnung 3.0 or plain EN 16931 (all three are EN 16931 CIUS or the norm itself)."""

from __future__ import annotations

from decimal import Decimal

from lxml import etree

from documents.data import (
    DocumentAllowanceCharge,
    DocumentLine,
    DocumentTaxGroup,
    InvoiceDocument,
    Party,
)
from documents.einvoice import codes
from documents.einvoice.formatting import money, plain

NS_INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
NS_CREDIT_NOTE = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
NS_CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
NS_CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"

_ONE = Decimal("1")


def _cac(parent: etree._Element, name: str) -> etree._Element:
    return etree.SubElement(parent, f"{{{NS_CAC}}}{name}")


def _cbc(parent: etree._Element, name: str, text: str, **attrib: str) -> etree._Element:
    element = etree.SubElement(parent, f"{{{NS_CBC}}}{name}", attrib)
    element.text = text
    return element


def _cbc_if(parent: etree._Element, name: str, text: str) -> None:
    # PEPPOL-EN16931-R008: a document must not contain empty elements.
    if text.strip():
        _cbc(parent, name, text.strip())


class _UblBuilder:
    """Writes one document; holds the currency and the VAT situation it depends on."""

    def __init__(self, doc: InvoiceDocument) -> None:
        if not doc.number:
            raise ValueError("a draft has no number and no e-invoice (BT-1 is mandatory)")
        self.doc = doc
        self.currency = doc.currency
        self.credit = doc.is_credit_note
        categories = codes.categories_of(doc)
        # BR-O-02..04: with "not subject to VAT" no party may carry a VAT identifier.
        self.with_vat_ids = codes.NOT_SUBJECT not in categories
        self.intra_community = codes.INTRA_COMMUNITY in categories
        self.profile = doc.profile

    def _amount(self, parent: etree._Element, name: str, amount: Decimal) -> None:
        _cbc(parent, name, money(amount, self.currency), currencyID=self.currency)

    def build(self) -> bytes:
        doc = self.doc
        root_name = "CreditNote" if self.credit else "Invoice"
        namespace = NS_CREDIT_NOTE if self.credit else NS_INVOICE
        root = etree.Element(
            f"{{{namespace}}}{root_name}", nsmap={None: namespace, "cac": NS_CAC, "cbc": NS_CBC}
        )
        _cbc(root, "CustomizationID", codes.ubl_customization_id(self.profile))
        _cbc(root, "ProfileID", codes.BUSINESS_PROCESS_ID)
        _cbc(root, "ID", str(doc.number))
        _cbc(root, "IssueDate", doc.issue_date.isoformat())
        if self.credit:
            _cbc(root, "CreditNoteTypeCode", codes.CREDIT_NOTE_TYPE_CODE)
        else:
            if doc.due_date:
                _cbc(root, "DueDate", doc.due_date.isoformat())
            _cbc(root, "InvoiceTypeCode", codes.INVOICE_TYPE_CODE)
        _cbc_if(root, "Note", doc.notes)
        _cbc(root, "DocumentCurrencyCode", self.currency)
        # BT-10 only as given: a made-up one would be a wrong Leitweg-ID. Peppol's R003
        # (buyer or order reference) and XRechnung's BR-DE-15 refuse a document without.
        _cbc_if(root, "BuyerReference", doc.buyer_reference)
        if doc.period_start or doc.period_end:
            period = _cac(root, "InvoicePeriod")
            if doc.period_start:
                _cbc(period, "StartDate", doc.period_start.isoformat())
            if doc.period_end:
                _cbc(period, "EndDate", doc.period_end.isoformat())
        if doc.order_reference.strip():
            _cbc(_cac(root, "OrderReference"), "ID", doc.order_reference.strip())
        if self.credit and doc.credited_invoice_number.strip():
            reference = _cac(_cac(root, "BillingReference"), "InvoiceDocumentReference")
            _cbc(reference, "ID", doc.credited_invoice_number.strip())
            if doc.credited_invoice_issue_date:
                _cbc(reference, "IssueDate", doc.credited_invoice_issue_date.isoformat())
        self._party(_cac(root, "AccountingSupplierParty"), doc.seller)
        self._party(_cac(root, "AccountingCustomerParty"), doc.buyer)
        if self.intra_community or doc.delivery_date:
            self._delivery(root)
        self._payment_means(root)
        if doc.payment_terms.strip():
            _cbc(_cac(root, "PaymentTerms"), "Note", codes.payment_terms_text(doc.payment_terms))
        for item in doc.allowances_charges:
            self._document_allowance_charge(root, item)
        self._tax_total(root)
        self._monetary_total(root)
        for line in doc.lines:
            self._line(root, line)
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)

    def _party(self, parent: etree._Element, party: Party) -> None:
        element = _cac(parent, "Party")
        endpoint = codes.endpoint_for(party, self.profile)
        if endpoint:
            _cbc(element, "EndpointID", endpoint[1], schemeID=endpoint[0])
        if party.trading_name.strip():
            _cbc(_cac(element, "PartyName"), "Name", party.trading_name.strip())
        address = _cac(element, "PostalAddress")
        _cbc_if(address, "StreetName", party.street)
        _cbc_if(address, "CityName", party.city)
        _cbc_if(address, "PostalZone", party.postal_code)
        _cbc(_cac(address, "Country"), "IdentificationCode", party.country.strip().upper())
        if self.with_vat_ids and party.tax_id.strip():
            tax_scheme = _cac(element, "PartyTaxScheme")
            _cbc(tax_scheme, "CompanyID", party.tax_id.strip().replace(" ", ""))
            _cbc(_cac(tax_scheme, "TaxScheme"), "ID", "VAT")
        legal = _cac(element, "PartyLegalEntity")
        _cbc(legal, "RegistrationName", party.name.strip())
        _cbc_if(legal, "CompanyID", party.company_id)
        if party.contact_name.strip() or party.phone.strip() or party.email.strip():
            contact = _cac(element, "Contact")
            _cbc_if(contact, "Name", party.contact_name)
            _cbc_if(contact, "Telephone", party.phone)
            _cbc_if(contact, "ElectronicMail", party.email)

    def _delivery(self, root: etree._Element) -> None:
        # BT-72 as given. BR-IC-11/12: an intra-community supply states when (delivery
        # date or invoicing period) and to which country it was delivered: goods go to
        # the buyer's address, and without a date or period the issue date stands in.
        doc = self.doc
        delivery = _cac(root, "Delivery")
        if doc.delivery_date:
            _cbc(delivery, "ActualDeliveryDate", doc.delivery_date.isoformat())
        elif not (doc.period_start or doc.period_end):
            _cbc(delivery, "ActualDeliveryDate", doc.issue_date.isoformat())
        if not self.intra_community:
            return
        address = _cac(_cac(delivery, "DeliveryLocation"), "Address")
        buyer = self.doc.buyer
        _cbc_if(address, "StreetName", buyer.street)
        _cbc_if(address, "CityName", buyer.city)
        _cbc_if(address, "PostalZone", buyer.postal_code)
        _cbc(_cac(address, "Country"), "IdentificationCode", buyer.country.strip().upper())

    def _payment_means(self, root: etree._Element) -> None:
        doc = self.doc
        iban = doc.payment_iban.strip().replace(" ", "")
        means = _cac(root, "PaymentMeans")
        # BR-61: credit transfer codes need the account, so without IBAN the code is 1.
        code = codes.PAYMENT_MEANS_SEPA if iban else codes.PAYMENT_MEANS_NOT_DEFINED
        _cbc(means, "PaymentMeansCode", code)
        if self.credit and doc.due_date:
            # A UBL 2.1 CreditNote has no cbc:DueDate; BT-9 lives here instead.
            _cbc(means, "PaymentDueDate", doc.due_date.isoformat())
        _cbc_if(means, "PaymentID", doc.payment_reference)
        if iban:
            account = _cac(means, "PayeeFinancialAccount")
            _cbc(account, "ID", iban)
            if doc.payment_bic.strip():
                _cbc(_cac(account, "FinancialInstitutionBranch"), "ID", doc.payment_bic.strip())

    def _tax_category(
        self,
        parent: etree._Element,
        name: str,
        category: str,
        rate: Decimal,
        *,
        breakdown: bool = False,
    ) -> etree._Element:
        element = _cac(parent, name)
        _cbc(element, "ID", category)
        # BR-O-05..07: "not subject to VAT" has no rate on lines, allowances and charges;
        # the breakdown row states 0, which BR-DE-14 / DE-R-014 require.
        if category != codes.NOT_SUBJECT or breakdown:
            _cbc(element, "Percent", plain(rate))
        return element

    def _document_allowance_charge(
        self, root: etree._Element, item: DocumentAllowanceCharge
    ) -> None:
        element = _cac(root, "AllowanceCharge")
        _cbc(element, "ChargeIndicator", "true" if item.is_charge else "false")
        default = codes.DEFAULT_CHARGE_REASON if item.is_charge else codes.DEFAULT_ALLOWANCE_REASON
        # BR-33 / BR-38: every document level allowance or charge has a reason.
        _cbc(element, "AllowanceChargeReason", item.reason.strip() or default)
        self._amount(element, "Amount", item.amount)
        category = self._tax_category(element, "TaxCategory", item.tax_category, item.tax_rate)
        _cbc(_cac(category, "TaxScheme"), "ID", "VAT")

    def _tax_total(self, root: etree._Element) -> None:
        total = _cac(root, "TaxTotal")
        self._amount(total, "TaxAmount", self.doc.tax_total)
        for group in self.doc.tax_breakdown:
            self._tax_subtotal(total, group)

    def _tax_subtotal(self, total: etree._Element, group: DocumentTaxGroup) -> None:
        subtotal = _cac(total, "TaxSubtotal")
        self._amount(subtotal, "TaxableAmount", group.taxable_amount)
        self._amount(subtotal, "TaxAmount", group.tax_amount)
        category = self._tax_category(
            subtotal, "TaxCategory", group.tax_category, group.tax_rate, breakdown=True
        )
        code, reason = codes.exemption_for(
            group.tax_category, group.exemption_code, group.exemption_reason
        )
        _cbc_if(category, "TaxExemptionReasonCode", code)
        _cbc_if(category, "TaxExemptionReason", reason)
        _cbc(_cac(category, "TaxScheme"), "ID", "VAT")

    def _monetary_total(self, root: etree._Element) -> None:
        doc = self.doc
        total = _cac(root, "LegalMonetaryTotal")
        self._amount(total, "LineExtensionAmount", doc.line_total)
        self._amount(total, "TaxExclusiveAmount", doc.net_total)
        self._amount(total, "TaxInclusiveAmount", doc.gross_total)
        self._amount(total, "AllowanceTotalAmount", doc.allowance_total)
        self._amount(total, "ChargeTotalAmount", doc.charge_total)
        self._amount(total, "PrepaidAmount", doc.paid_total)
        self._amount(total, "PayableAmount", doc.amount_due)

    def _line(self, root: etree._Element, line: DocumentLine) -> None:
        element = _cac(root, "CreditNoteLine" if self.credit else "InvoiceLine")
        _cbc(element, "ID", str(line.position))
        quantity_name = "CreditedQuantity" if self.credit else "InvoicedQuantity"
        _cbc(element, quantity_name, plain(line.quantity), unitCode=line.unit_code)
        self._amount(element, "LineExtensionAmount", line.net_amount)
        for is_charge, amount in ((False, line.discount_amount), (True, line.charge_amount)):
            if amount:
                allowance = _cac(element, "AllowanceCharge")
                _cbc(allowance, "ChargeIndicator", "true" if is_charge else "false")
                # BR-42 / BR-44: line allowances and charges need a reason too.
                reason = (
                    codes.DEFAULT_CHARGE_REASON if is_charge else codes.DEFAULT_ALLOWANCE_REASON
                )
                _cbc(allowance, "AllowanceChargeReason", reason)
                self._amount(allowance, "Amount", amount)
        item = _cac(element, "Item")
        _cbc(item, "Name", line.description.strip() or f"Item {line.position}")
        category = self._tax_category(
            item, "ClassifiedTaxCategory", line.tax_category, line.tax_rate
        )
        _cbc(_cac(category, "TaxScheme"), "ID", "VAT")
        price = _cac(element, "Price")
        _cbc(price, "PriceAmount", plain(line.unit_price), currencyID=self.currency)
        if line.price_base_quantity != _ONE:
            _cbc(price, "BaseQuantity", plain(line.price_base_quantity), unitCode=line.unit_code)


def build_ubl(doc: InvoiceDocument) -> bytes:
    """UBL 2.1 XML of an issued invoice or credit note, in the document's profile."""
    return _UblBuilder(doc).build()
