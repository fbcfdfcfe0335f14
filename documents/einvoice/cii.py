"""UN/CEFACT CII D16B, built with drafthorse: Factur-X / ZUGFeRD profile EN 16931, or
XRechnung 3.0 CII for the ``xrechnung`` profile (same content, XRechnung's BT-24)."""

from __future__ import annotations

from decimal import Decimal

from drafthorse.models.accounting import (
    ApplicableTradeTax,
    CategoryTradeTax,
    TradeAllowanceCharge,
)
from drafthorse.models.document import Document
from drafthorse.models.note import IncludedNote
from drafthorse.models.party import TaxRegistration, TradeParty
from drafthorse.models.payment import PaymentMeans, PaymentTerms
from drafthorse.models.trade import TradeSettlement
from drafthorse.models.tradelines import LineItem

from documents.data import DocumentAllowanceCharge, DocumentLine, InvoiceDocument, Party
from documents.einvoice import codes
from documents.einvoice.formatting import money, plain

# drafthorse checks its output against this XSD (its copy of Factur-X EN 16931) on serialize.
DRAFTHORSE_SCHEMA = "FACTUR-X_EN16931"

_ONE = Decimal("1")


class _CiiBuilder:
    """Fills one drafthorse ``Document``; mirrors the UBL builder rule for rule."""

    def __init__(self, doc: InvoiceDocument, *, facturx: bool = False) -> None:
        if not doc.number:
            raise ValueError("a draft has no number and no e-invoice (BT-1 is mandatory)")
        self.doc = doc
        self.currency = doc.currency
        self.profile = doc.profile
        # The CII inside a Factur-X PDF always declares Factur-X EN 16931.
        self.guideline_id = codes.cii_guideline_id(codes.EN16931 if facturx else doc.profile)
        categories = codes.categories_of(doc)
        # BR-O-02..04: with "not subject to VAT" no party may carry a VAT identifier.
        self.with_vat_ids = codes.NOT_SUBJECT not in categories
        self.intra_community = codes.INTRA_COMMUNITY in categories

    def _money(self, amount: Decimal) -> str:
        return money(amount, self.currency)

    def build(self) -> bytes:
        doc = self.doc
        document = Document()
        document.context.business_parameter.id = codes.BUSINESS_PROCESS_ID  # BT-23
        document.context.guideline_parameter.id = self.guideline_id
        header = document.header
        header.id = str(doc.number)
        header.type_code = (
            codes.CREDIT_NOTE_TYPE_CODE if doc.is_credit_note else codes.INVOICE_TYPE_CODE
        )
        header.issue_date_time = doc.issue_date
        if doc.notes.strip():
            header.notes.add(IncludedNote(content=doc.notes.strip()))

        trade = document.trade
        for line in doc.lines:
            trade.items.add(self._line(line))

        agreement = trade.agreement
        # BT-10 only as given, as in UBL.
        if doc.buyer_reference.strip():
            agreement.buyer_reference = doc.buyer_reference.strip()
        self._party(agreement.seller, doc.seller)
        self._party(agreement.buyer, doc.buyer)
        if doc.order_reference.strip():
            agreement.buyer_order.issuer_assigned_id = doc.order_reference.strip()

        if self.intra_community:
            # BR-IC-12: the deliver-to country; goods go to the buyer's address.
            ship_to = trade.delivery.ship_to
            ship_to.name = doc.buyer.name.strip()
            self._address(ship_to, doc.buyer)
        if doc.delivery_date:
            trade.delivery.event.occurrence = doc.delivery_date
        elif self.intra_community and not (doc.period_start or doc.period_end):
            # BR-IC-11: without a delivery date or period the issue date stands in.
            trade.delivery.event.occurrence = doc.issue_date

        self._settlement(trade.settlement)
        return document.serialize(schema=DRAFTHORSE_SCHEMA)

    def _address(self, target: TradeParty, party: Party) -> None:
        address = target.address
        if party.postal_code.strip():
            address.postcode = party.postal_code.strip()
        if party.street.strip():
            address.line_one = party.street.strip()
        if party.city.strip():
            address.city_name = party.city.strip()
        address.country_id = party.country.strip().upper()

    def _party(self, target: TradeParty, party: Party) -> None:
        target.name = party.name.strip()
        if party.company_id.strip() or party.trading_name.strip():
            legal = target.legal_organization
            if party.company_id.strip():
                legal.id = party.company_id.strip()
            if party.trading_name.strip():
                legal.trade_name = party.trading_name.strip()
        if party.contact_name.strip():
            target.contact.person_name = party.contact_name.strip()
        if party.phone.strip():
            target.contact.telephone.number = party.phone.strip()
        if party.email.strip():
            target.contact.email.address = party.email.strip()
        self._address(target, party)
        endpoint = codes.endpoint_for(party, self.profile)
        if endpoint:
            target.electronic_address.uri_ID = (endpoint[0], endpoint[1])
        if self.with_vat_ids and party.tax_id.strip():
            target.tax_registrations.add(
                TaxRegistration(id=("VA", party.tax_id.strip().replace(" ", "")))
            )

    def _trade_tax(
        self,
        target: ApplicableTradeTax | CategoryTradeTax,
        category: str,
        rate: Decimal,
        *,
        breakdown: bool = False,
    ) -> None:
        target.type_code = "VAT"
        target.category_code = category
        # BR-O-05..07: "not subject to VAT" has no rate on lines, allowances and charges;
        # the breakdown row states 0, which BR-DE-14 requires.
        if category != codes.NOT_SUBJECT or breakdown:
            target.rate_applicable_percent = plain(rate)

    def _line(self, line: DocumentLine) -> LineItem:
        item = LineItem()
        item.document.line_id = str(line.position)
        item.product.name = line.description.strip() or f"Item {line.position}"
        net_price = item.agreement.net
        net_price.amount = plain(line.unit_price)
        if line.price_base_quantity != _ONE:
            net_price.basis_quantity = (plain(line.price_base_quantity), line.unit_code)
        item.delivery.billed_quantity = (plain(line.quantity), line.unit_code)
        settlement = item.settlement
        self._trade_tax(settlement.trade_tax, line.tax_category, line.tax_rate)
        for is_charge, amount in ((False, line.discount_amount), (True, line.charge_amount)):
            if amount:
                # BR-42 / BR-44: line allowances and charges need a reason.
                reason = (
                    codes.DEFAULT_CHARGE_REASON if is_charge else codes.DEFAULT_ALLOWANCE_REASON
                )
                settlement.allowance_charge.add(
                    TradeAllowanceCharge(
                        indicator=is_charge, actual_amount=self._money(amount), reason=reason
                    )
                )
        settlement.monetary_summation.total_amount = self._money(line.net_amount)
        return item

    def _allowance_charge(self, item: DocumentAllowanceCharge) -> TradeAllowanceCharge:
        default = codes.DEFAULT_CHARGE_REASON if item.is_charge else codes.DEFAULT_ALLOWANCE_REASON
        element = TradeAllowanceCharge(
            indicator=item.is_charge,
            actual_amount=self._money(item.amount),
            # BR-33 / BR-38: every document level allowance or charge has a reason.
            reason=item.reason.strip() or default,
        )
        tax = CategoryTradeTax()
        self._trade_tax(tax, item.tax_category, item.tax_rate)
        element.trade_tax.add(tax)
        return element

    def _settlement(self, settlement: TradeSettlement) -> None:
        doc = self.doc
        if doc.payment_reference.strip():
            settlement.payment_reference = doc.payment_reference.strip()
        settlement.currency_code = self.currency

        iban = doc.payment_iban.strip().replace(" ", "")
        means = PaymentMeans()
        # BR-61: credit transfer codes need the account, so without IBAN the code is 1.
        means.type_code = codes.PAYMENT_MEANS_SEPA if iban else codes.PAYMENT_MEANS_NOT_DEFINED
        if iban:
            means.payee_account.iban = iban
            if doc.payment_bic.strip():
                means.payee_institution.bic = doc.payment_bic.strip()
        settlement.payment_means.add(means)

        for group in doc.tax_breakdown:
            tax = ApplicableTradeTax()
            tax.calculated_amount = self._money(group.tax_amount)
            tax.basis_amount = self._money(group.taxable_amount)
            self._trade_tax(tax, group.tax_category, group.tax_rate, breakdown=True)
            code, reason = codes.exemption_for(
                group.tax_category, group.exemption_code, group.exemption_reason
            )
            if reason:
                tax.exemption_reason = reason
            if code:
                tax.exemption_reason_code = code
            settlement.trade_tax.add(tax)
        if doc.period_start or doc.period_end:
            period = settlement.period
            if doc.period_start:
                period.start = doc.period_start
            if doc.period_end:
                period.end = doc.period_end

        for item in doc.allowances_charges:
            settlement.allowance_charge.add(self._allowance_charge(item))

        if doc.due_date or doc.payment_terms.strip():
            terms = PaymentTerms()
            if doc.payment_terms.strip():
                terms.description = codes.payment_terms_text(doc.payment_terms)  # BT-20
            if doc.due_date:
                terms.due = doc.due_date
            settlement.terms.add(terms)

        total = settlement.monetary_summation
        total.line_total = self._money(doc.line_total)
        total.charge_total = self._money(doc.charge_total)
        total.allowance_total = self._money(doc.allowance_total)
        total.tax_basis_total = (self._money(doc.net_total), None)
        # BR-CO-14's tax total is the one in the invoice currency, which carries currencyID.
        total.tax_total = (self._money(doc.tax_total), self.currency)
        total.grand_total = (self._money(doc.gross_total), None)
        total.prepaid_total = self._money(doc.paid_total)
        total.due_amount = self._money(doc.amount_due)

        if doc.is_credit_note and doc.credited_invoice_number.strip():
            reference = settlement.invoice_referenced_document
            reference.issuer_assigned_id = doc.credited_invoice_number.strip()
            if doc.credited_invoice_issue_date:
                reference.issue_date_time = doc.credited_invoice_issue_date


def build_cii(doc: InvoiceDocument, *, facturx: bool = False) -> bytes:
    """CII XML of an issued invoice or credit note: XRechnung CII for the ``xrechnung``
    profile, else Factur-X EN 16931; ``facturx``: always Factur-X (the PDF's own)."""
    return _CiiBuilder(doc, facturx=facturx).build()
