"""Parser of the official EN 16931 example invoices (UBL 2.1 and CII D16B).

The files live in ``<repo>/../shared/einvoice/{ubl,cii,ubl-scenarios}/``; they are
acceptance data written by the standard's authors. This module only reads them: each
file becomes an :class:`OfficialExample` with its parties, lines, document level
allowances and charges, the business terms the product carries (BT-10, BT-13, BT-20,
BT-72, BG-14, BT-120/121, endpoints BT-34/BT-49, seller contact BT-41..43), and the
file's own totals (BT-106..BT-115) and VAT breakdown (BG-23), so tests can replay them
through ``invoices.calculation`` or compare exports. KoSIT's XRechnung examples
(``xrechnung-examples/``) are read by the same parser (``load_xrechnung_examples``).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

from lxml import etree

__all__ = [
    "EXAMPLES_DIR",
    "SHARED_AVAILABLE",
    "ExampleAllowanceCharge",
    "ExampleLine",
    "ExampleParty",
    "ExampleTaxRow",
    "ExampleTotals",
    "OfficialExample",
    "load_examples",
    "load_xrechnung_examples",
    "parse_example",
]

REPO_DIR: Path = Path(__file__).resolve().parents[2]
EXAMPLES_DIR: Path = REPO_DIR.parent / "shared" / "einvoice"
FOLDERS: tuple[tuple[str, str], ...] = (("ubl", "ubl"), ("cii", "cii"), ("ubl-scenarios", "ubl"))
SHARED_AVAILABLE: bool = all((EXAMPLES_DIR / folder).is_dir() for folder, _ in FOLDERS)
XRECHNUNG_DIR: Path = EXAMPLES_DIR / "xrechnung-examples"
# KoSIT names each business case's two files *_ubl.xml and *_uncefact.xml (CII).
XRECHNUNG_SUFFIXES: tuple[tuple[str, str], ...] = (("_ubl.xml", "ubl"), ("_uncefact.xml", "cii"))

UBL_NS = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}
UBL_INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
UBL_CREDIT_NOTE = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
CII_NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
}
CREDIT_NOTE_TYPE_CODE = "381"  # UNCL1001
_IBAN = re.compile(r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{10,30}$")
_ZERO = Decimal("0")
_ONE = Decimal("1")


@dataclass(frozen=True)
class ExampleParty:
    """Seller (BG-4) or buyer (BG-7)."""

    name: str
    street: str
    city: str
    postal_code: str
    country: str
    vat_id: str
    legal_id: str
    email: str
    endpoint_scheme: str = ""  # BT-34 / BT-49 scheme (EAS)
    endpoint_id: str = ""
    contact_name: str = ""  # BT-41 / BT-56
    contact_phone: str = ""  # BT-42 / BT-57
    contact_email: str = ""  # BT-43 / BT-58


@dataclass(frozen=True)
class ExampleLine:
    """One invoice line (BG-25) as the file states it."""

    id: str  # BT-126
    name: str  # BT-153
    description: str  # BT-154
    quantity: Decimal  # BT-129
    unit_code: str  # BT-130
    net_price: Decimal  # BT-146
    base_quantity: Decimal  # BT-149, 1 when absent
    allowance_total: Decimal  # sum of BT-136
    charge_total: Decimal  # sum of BT-141
    tax_category: str  # BT-151
    tax_rate: Decimal  # BT-152, 0 when absent
    exemption_reason: str
    net_amount: Decimal  # BT-131, the file's own figure


@dataclass(frozen=True)
class ExampleAllowanceCharge:
    """Document level allowance (BG-20) or charge (BG-21)."""

    is_charge: bool
    amount: Decimal
    reason: str
    tax_category: str
    tax_rate: Decimal


@dataclass(frozen=True)
class ExampleTaxRow:
    """One VAT breakdown row (BG-23) in the document currency."""

    tax_category: str  # BT-118
    tax_rate: Decimal  # BT-119, 0 when absent
    taxable_amount: Decimal  # BT-116
    tax_amount: Decimal  # BT-117
    exemption_reason: str  # BT-120, else the BT-121 code
    exemption_text: str = ""  # BT-120 alone
    exemption_code: str = ""  # BT-121 alone


@dataclass(frozen=True)
class ExampleTotals:
    """Document totals (BG-22) as the file states them, in the document currency."""

    line_extension: Decimal  # BT-106
    allowance_total: Decimal  # BT-107, 0 when absent
    charge_total: Decimal  # BT-108, 0 when absent
    tax_exclusive: Decimal  # BT-109
    tax_total: Decimal | None  # BT-110, None when the file omits it
    tax_inclusive: Decimal  # BT-112
    prepaid: Decimal  # BT-113, 0 when absent
    rounding: Decimal  # BT-114, 0 when absent
    payable: Decimal  # BT-115


@dataclass(frozen=True)
class OfficialExample:
    """Everything a test needs from one official example file."""

    file_name: str
    path: Path
    syntax: str  # "ubl" | "cii"
    kind: str  # "invoice" | "credit_note"
    number: str  # BT-1
    type_code: str  # BT-3
    currency: str  # BT-5
    tax_currency: str  # BT-6, "" when absent
    issue_date: dt.date  # BT-2
    due_date: dt.date | None  # BT-9
    buyer_reference: str  # BT-10
    note: str  # BT-22, several notes joined by newlines
    seller: ExampleParty
    buyer: ExampleParty
    payee_iban: str  # BT-84, "" when the file has no IBAN
    payee_bic: str  # BT-86
    lines: tuple[ExampleLine, ...]
    allowances_charges: tuple[ExampleAllowanceCharge, ...]
    totals: ExampleTotals
    tax_breakdown: tuple[ExampleTaxRow, ...]
    order_reference: str = ""  # BT-13
    delivery_date: dt.date | None = None  # BT-72
    period_start: dt.date | None = None  # BT-73
    period_end: dt.date | None = None  # BT-74
    payment_terms: str = ""  # BT-20, several joined by newlines

    @property
    def id(self) -> str:
        """Stable test id, e.g. ``ubl/ubl-tc434-example1.xml``."""
        return f"{self.path.parent.name}/{self.file_name}"


def load_examples() -> list[OfficialExample]:
    """All official example files, sorted by folder and name; [] when not available."""
    return list(_load_all())


@cache
def _load_all() -> tuple[OfficialExample, ...]:
    if not SHARED_AVAILABLE:
        return ()
    examples = []
    for folder, syntax in FOLDERS:
        for path in sorted((EXAMPLES_DIR / folder).iterdir()):
            if path.suffix.lower() == ".xml":
                examples.append(parse_example(path, syntax=syntax))
    return tuple(examples)


def load_xrechnung_examples() -> list[OfficialExample]:
    """KoSIT's XRechnung 3.0 business cases, UBL and CII, sorted; [] when not available."""
    return list(_load_xrechnung())


@cache
def _load_xrechnung() -> tuple[OfficialExample, ...]:
    if not XRECHNUNG_DIR.is_dir():
        return ()
    return tuple(
        parse_example(path, syntax=syntax)
        for path in sorted(XRECHNUNG_DIR.iterdir())
        for suffix, syntax in XRECHNUNG_SUFFIXES
        if path.name.endswith(suffix)
    )


def parse_example(path: Path, *, syntax: str) -> OfficialExample:
    """Parse one UBL or CII file."""
    root = etree.parse(str(path)).getroot()
    if syntax == "ubl":
        return _parse_ubl(path, root)
    if syntax == "cii":
        return _parse_cii(path, root)
    raise ValueError(f"unknown syntax {syntax!r}")


# --- helpers -----------------------------------------------------------------------


def _text(node: etree._Element | None, path: str, ns: dict[str, str]) -> str:
    if node is None:
        return ""
    found = node.find(path, ns)
    if found is None or found.text is None:
        return ""
    return found.text.strip()


def _amount(node: etree._Element | None, path: str, ns: dict[str, str]) -> Decimal | None:
    text = _text(node, path, ns)
    return Decimal(text) if text else None


def _amount_or(
    node: etree._Element | None, path: str, ns: dict[str, str], default: Decimal
) -> Decimal:
    value = _amount(node, path, ns)
    return default if value is None else value


def _required(node: etree._Element | None, path: str, ns: dict[str, str]) -> Decimal:
    value = _amount(node, path, ns)
    if value is None:
        raise ValueError(f"missing {path}")
    return value


def _date(text: str) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def _joined(texts: list[str | None]) -> str:
    return "\n".join(text.strip() for text in texts if text and text.strip())


def _in_currency(elements: list[etree._Element], currency: str) -> etree._Element | None:
    """The element whose currencyID is the document currency (or carries none)."""
    for element in elements:
        if element.get("currencyID", currency) == currency:
            return element
    return None


def _iban(account_id: str) -> str:
    # BT-84 may be a national account (Bankgiro) or a placeholder ("IBAN", "XX").
    compact = account_id.replace(" ", "").upper()
    return account_id if _IBAN.match(compact) else ""


# --- UBL ---------------------------------------------------------------------------


def _parse_ubl(path: Path, root: etree._Element) -> OfficialExample:
    ns = UBL_NS
    namespace = etree.QName(root).namespace
    if namespace not in (UBL_INVOICE, UBL_CREDIT_NOTE):
        raise ValueError(f"{path.name}: not a UBL Invoice or CreditNote")
    is_credit_note_root = namespace == UBL_CREDIT_NOTE
    type_code = _text(root, "cbc:CreditNoteTypeCode", ns) or _text(root, "cbc:InvoiceTypeCode", ns)
    kind = "credit_note" if is_credit_note_root or type_code == CREDIT_NOTE_TYPE_CODE else "invoice"
    currency = _text(root, "cbc:DocumentCurrencyCode", ns)
    due_date = _text(root, "cbc:DueDate", ns) or _text(
        root, "cac:PaymentMeans/cbc:PaymentDueDate", ns
    )

    iban = bic = ""
    for account in root.iterfind("cac:PaymentMeans/cac:PayeeFinancialAccount", ns):
        iban = _iban(_text(account, "cbc:ID", ns))
        if iban:
            bic = _text(account, "cac:FinancialInstitutionBranch/cbc:ID", ns)
            break

    line_tag, quantity_tag = (
        ("cac:CreditNoteLine", "cbc:CreditedQuantity")
        if is_credit_note_root
        else ("cac:InvoiceLine", "cbc:InvoicedQuantity")
    )
    lines = tuple(_ubl_line(line, quantity_tag) for line in root.iterfind(line_tag, ns))

    allowances_charges = tuple(
        ExampleAllowanceCharge(
            is_charge=_text(item, "cbc:ChargeIndicator", ns).lower() == "true",
            amount=_required(item, "cbc:Amount", ns),
            reason=_text(item, "cbc:AllowanceChargeReason", ns)
            or _text(item, "cbc:AllowanceChargeReasonCode", ns),
            tax_category=_text(item, "cac:TaxCategory/cbc:ID", ns),
            tax_rate=_amount_or(item, "cac:TaxCategory/cbc:Percent", ns, _ZERO),
        )
        for item in root.iterfind("cac:AllowanceCharge", ns)
    )

    # BT-111 repeats the tax total in the tax currency; only the document currency one
    # carries the breakdown and enters BR-CO-15.
    tax_amount = _in_currency(root.findall("cac:TaxTotal/cbc:TaxAmount", ns), currency)
    tax_total_node = tax_amount.getparent() if tax_amount is not None else None
    breakdown: tuple[ExampleTaxRow, ...] = ()
    if tax_total_node is not None:
        breakdown = tuple(
            ExampleTaxRow(
                tax_category=_text(sub, "cac:TaxCategory/cbc:ID", ns),
                tax_rate=_amount_or(sub, "cac:TaxCategory/cbc:Percent", ns, _ZERO),
                taxable_amount=_required(sub, "cbc:TaxableAmount", ns),
                tax_amount=_required(sub, "cbc:TaxAmount", ns),
                exemption_reason=_text(sub, "cac:TaxCategory/cbc:TaxExemptionReason", ns)
                or _text(sub, "cac:TaxCategory/cbc:TaxExemptionReasonCode", ns),
                exemption_text=_text(sub, "cac:TaxCategory/cbc:TaxExemptionReason", ns),
                exemption_code=_text(sub, "cac:TaxCategory/cbc:TaxExemptionReasonCode", ns),
            )
            for sub in tax_total_node.iterfind("cac:TaxSubtotal", ns)
        )

    monetary = root.find("cac:LegalMonetaryTotal", ns)
    totals = ExampleTotals(
        line_extension=_required(monetary, "cbc:LineExtensionAmount", ns),
        allowance_total=_amount_or(monetary, "cbc:AllowanceTotalAmount", ns, _ZERO),
        charge_total=_amount_or(monetary, "cbc:ChargeTotalAmount", ns, _ZERO),
        tax_exclusive=_required(monetary, "cbc:TaxExclusiveAmount", ns),
        tax_total=_amount(tax_total_node, "cbc:TaxAmount", ns),
        tax_inclusive=_required(monetary, "cbc:TaxInclusiveAmount", ns),
        prepaid=_amount_or(monetary, "cbc:PrepaidAmount", ns, _ZERO),
        rounding=_amount_or(monetary, "cbc:PayableRoundingAmount", ns, _ZERO),
        payable=_required(monetary, "cbc:PayableAmount", ns),
    )

    return OfficialExample(
        file_name=path.name,
        path=path,
        syntax="ubl",
        kind=kind,
        number=_text(root, "cbc:ID", ns),
        type_code=type_code,
        currency=currency,
        tax_currency=_text(root, "cbc:TaxCurrencyCode", ns),
        issue_date=dt.date.fromisoformat(_text(root, "cbc:IssueDate", ns)),
        due_date=dt.date.fromisoformat(due_date) if due_date else None,
        buyer_reference=_text(root, "cbc:BuyerReference", ns),
        note="\n".join(note.text.strip() for note in root.iterfind("cbc:Note", ns) if note.text),
        seller=_ubl_party(root.find("cac:AccountingSupplierParty/cac:Party", ns)),
        buyer=_ubl_party(root.find("cac:AccountingCustomerParty/cac:Party", ns)),
        payee_iban=iban,
        payee_bic=bic,
        lines=lines,
        allowances_charges=allowances_charges,
        totals=totals,
        tax_breakdown=breakdown,
        order_reference=_text(root, "cac:OrderReference/cbc:ID", ns),
        delivery_date=_date(_text(root, "cac:Delivery/cbc:ActualDeliveryDate", ns)),
        period_start=_date(_text(root, "cac:InvoicePeriod/cbc:StartDate", ns)),
        period_end=_date(_text(root, "cac:InvoicePeriod/cbc:EndDate", ns)),
        payment_terms=_joined(
            [note.text for note in root.iterfind("cac:PaymentTerms/cbc:Note", ns)]
        ),
    )


def _ubl_party(party: etree._Element | None) -> ExampleParty:
    ns = UBL_NS
    vat_id = ""
    if party is not None:
        for scheme in party.iterfind("cac:PartyTaxScheme", ns):
            if _text(scheme, "cac:TaxScheme/cbc:ID", ns) == "VAT":
                vat_id = _text(scheme, "cbc:CompanyID", ns)
                break
    email = _text(party, "cac:Contact/cbc:ElectronicMail", ns)
    endpoint = party.find("cbc:EndpointID", ns) if party is not None else None
    scheme = endpoint.get("schemeID", "") if endpoint is not None else ""
    endpoint_id = (endpoint.text or "").strip() if endpoint is not None else ""
    if not email and scheme == "EM":
        email = endpoint_id
    return ExampleParty(
        name=_text(party, "cac:PartyLegalEntity/cbc:RegistrationName", ns)
        or _text(party, "cac:PartyName/cbc:Name", ns),
        street=_text(party, "cac:PostalAddress/cbc:StreetName", ns),
        city=_text(party, "cac:PostalAddress/cbc:CityName", ns),
        postal_code=_text(party, "cac:PostalAddress/cbc:PostalZone", ns),
        country=_text(party, "cac:PostalAddress/cac:Country/cbc:IdentificationCode", ns),
        vat_id=vat_id,
        legal_id=_text(party, "cac:PartyLegalEntity/cbc:CompanyID", ns),
        email=email,
        endpoint_scheme=scheme,
        endpoint_id=endpoint_id,
        contact_name=_text(party, "cac:Contact/cbc:Name", ns),
        contact_phone=_text(party, "cac:Contact/cbc:Telephone", ns),
        contact_email=_text(party, "cac:Contact/cbc:ElectronicMail", ns),
    )


def _ubl_line(line: etree._Element, quantity_tag: str) -> ExampleLine:
    ns = UBL_NS
    quantity = line.find(quantity_tag, ns)
    allowances = charges = _ZERO
    # Only the line's own allowances/charges (BG-27/BG-28); a cac:Price/cac:AllowanceCharge
    # is the gross-to-net price discount already inside the net price (BT-146).
    for item in line.iterfind("cac:AllowanceCharge", ns):
        amount = _required(item, "cbc:Amount", ns)
        if _text(item, "cbc:ChargeIndicator", ns).lower() == "true":
            charges += amount
        else:
            allowances += amount
    tax = "cac:Item/cac:ClassifiedTaxCategory/"
    return ExampleLine(
        id=_text(line, "cbc:ID", ns),
        name=_text(line, "cac:Item/cbc:Name", ns),
        description=_text(line, "cac:Item/cbc:Description", ns),
        quantity=_required(line, quantity_tag, ns),
        unit_code=quantity.get("unitCode", "") if quantity is not None else "",
        net_price=_required(line, "cac:Price/cbc:PriceAmount", ns),
        base_quantity=_amount_or(line, "cac:Price/cbc:BaseQuantity", ns, _ONE),
        allowance_total=allowances,
        charge_total=charges,
        tax_category=_text(line, tax + "cbc:ID", ns),
        tax_rate=_amount_or(line, tax + "cbc:Percent", ns, _ZERO),
        exemption_reason=_text(line, tax + "cbc:TaxExemptionReason", ns),
        net_amount=_required(line, "cbc:LineExtensionAmount", ns),
    )


# --- CII ---------------------------------------------------------------------------


def _cii_date(node: etree._Element | None, path: str) -> dt.date | None:
    text = _text(node, path + "/udt:DateTimeString", CII_NS)
    return dt.datetime.strptime(text, "%Y%m%d").date() if text else None  # format 102


def _parse_cii(path: Path, root: etree._Element) -> OfficialExample:
    ns = CII_NS
    document = root.find("rsm:ExchangedDocument", ns)
    transaction = root.find("rsm:SupplyChainTradeTransaction", ns)
    agreement = transaction.find("ram:ApplicableHeaderTradeAgreement", ns)
    settlement = transaction.find("ram:ApplicableHeaderTradeSettlement", ns)
    type_code = _text(document, "ram:TypeCode", ns)
    currency = _text(settlement, "ram:InvoiceCurrencyCode", ns)

    iban = bic = ""
    for means in settlement.iterfind("ram:SpecifiedTradeSettlementPaymentMeans", ns):
        iban = _iban(_text(means, "ram:PayeePartyCreditorFinancialAccount/ram:IBANID", ns))
        if iban:
            bic = _text(means, "ram:PayeeSpecifiedCreditorFinancialInstitution/ram:BICID", ns)
            break

    allowances_charges = tuple(
        ExampleAllowanceCharge(
            is_charge=_text(item, "ram:ChargeIndicator/udt:Indicator", ns).lower() == "true",
            amount=_required(item, "ram:ActualAmount", ns),
            reason=_text(item, "ram:Reason", ns) or _text(item, "ram:ReasonCode", ns),
            tax_category=_text(item, "ram:CategoryTradeTax/ram:CategoryCode", ns),
            tax_rate=_amount_or(item, "ram:CategoryTradeTax/ram:RateApplicablePercent", ns, _ZERO),
        )
        for item in settlement.iterfind("ram:SpecifiedTradeAllowanceCharge", ns)
    )

    breakdown = tuple(
        ExampleTaxRow(
            tax_category=_text(tax, "ram:CategoryCode", ns),
            tax_rate=_amount_or(tax, "ram:RateApplicablePercent", ns, _ZERO),
            taxable_amount=_required(tax, "ram:BasisAmount", ns),
            tax_amount=_required(tax, "ram:CalculatedAmount", ns),
            exemption_reason=_text(tax, "ram:ExemptionReason", ns)
            or _text(tax, "ram:ExemptionReasonCode", ns),
            exemption_text=_text(tax, "ram:ExemptionReason", ns),
            exemption_code=_text(tax, "ram:ExemptionReasonCode", ns),
        )
        for tax in settlement.iterfind("ram:ApplicableTradeTax", ns)
    )

    summation = settlement.find("ram:SpecifiedTradeSettlementHeaderMonetarySummation", ns)
    # BT-111 is a second TaxTotalAmount in the tax currency; keep the document one.
    tax_total = _in_currency(summation.findall("ram:TaxTotalAmount", ns), currency)
    totals = ExampleTotals(
        line_extension=_required(summation, "ram:LineTotalAmount", ns),
        allowance_total=_amount_or(summation, "ram:AllowanceTotalAmount", ns, _ZERO),
        charge_total=_amount_or(summation, "ram:ChargeTotalAmount", ns, _ZERO),
        tax_exclusive=_required(summation, "ram:TaxBasisTotalAmount", ns),
        tax_total=Decimal(tax_total.text.strip()) if tax_total is not None else None,
        tax_inclusive=_required(summation, "ram:GrandTotalAmount", ns),
        prepaid=_amount_or(summation, "ram:TotalPrepaidAmount", ns, _ZERO),
        rounding=_amount_or(summation, "ram:RoundingAmount", ns, _ZERO),
        payable=_required(summation, "ram:DuePayableAmount", ns),
    )

    return OfficialExample(
        file_name=path.name,
        path=path,
        syntax="cii",
        kind="credit_note" if type_code == CREDIT_NOTE_TYPE_CODE else "invoice",
        number=_text(document, "ram:ID", ns),
        type_code=type_code,
        currency=currency,
        tax_currency=_text(settlement, "ram:TaxCurrencyCode", ns),
        issue_date=_cii_date(document, "ram:IssueDateTime"),
        due_date=_cii_date(settlement, "ram:SpecifiedTradePaymentTerms/ram:DueDateDateTime"),
        buyer_reference=_text(agreement, "ram:BuyerReference", ns),
        note="\n".join(
            note.text.strip()
            for note in document.iterfind("ram:IncludedNote/ram:Content", ns)
            if note.text
        ),
        seller=_cii_party(agreement.find("ram:SellerTradeParty", ns)),
        buyer=_cii_party(agreement.find("ram:BuyerTradeParty", ns)),
        payee_iban=iban,
        payee_bic=bic,
        lines=tuple(
            _cii_line(item)
            for item in transaction.iterfind("ram:IncludedSupplyChainTradeLineItem", ns)
        ),
        allowances_charges=allowances_charges,
        totals=totals,
        tax_breakdown=breakdown,
        order_reference=_text(
            agreement, "ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID", ns
        ),
        delivery_date=_cii_date(
            transaction.find("ram:ApplicableHeaderTradeDelivery", ns),
            "ram:ActualDeliverySupplyChainEvent/ram:OccurrenceDateTime",
        ),
        period_start=_cii_date(settlement, "ram:BillingSpecifiedPeriod/ram:StartDateTime"),
        period_end=_cii_date(settlement, "ram:BillingSpecifiedPeriod/ram:EndDateTime"),
        payment_terms=_joined(
            [
                element.text
                for element in settlement.iterfind(
                    "ram:SpecifiedTradePaymentTerms/ram:Description", ns
                )
            ]
        ),
    )


def _cii_party(party: etree._Element | None) -> ExampleParty:
    ns = CII_NS
    vat_id = ""
    if party is not None:
        for registration in party.iterfind("ram:SpecifiedTaxRegistration/ram:ID", ns):
            if registration.get("schemeID") == "VA" and registration.text:
                vat_id = registration.text.strip()
                break
    contact = "ram:DefinedTradeContact/"
    email = _text(party, contact + "ram:EmailURIUniversalCommunication/ram:URIID", ns)
    uri = party.find("ram:URIUniversalCommunication/ram:URIID", ns) if party is not None else None
    scheme = uri.get("schemeID", "") if uri is not None else ""
    endpoint_id = (uri.text or "").strip() if uri is not None else ""
    if not email and scheme == "EM":
        email = endpoint_id
    address = "ram:PostalTradeAddress/"
    return ExampleParty(
        name=_text(party, "ram:Name", ns),
        street=_text(party, address + "ram:LineOne", ns),
        city=_text(party, address + "ram:CityName", ns),
        postal_code=_text(party, address + "ram:PostcodeCode", ns),
        country=_text(party, address + "ram:CountryID", ns),
        vat_id=vat_id,
        legal_id=_text(party, "ram:SpecifiedLegalOrganization/ram:ID", ns),
        email=email,
        endpoint_scheme=scheme,
        endpoint_id=endpoint_id,
        contact_name=_text(party, contact + "ram:PersonName", ns),
        contact_phone=_text(
            party, contact + "ram:TelephoneUniversalCommunication/ram:CompleteNumber", ns
        ),
        contact_email=_text(party, contact + "ram:EmailURIUniversalCommunication/ram:URIID", ns),
    )


def _cii_line(item: etree._Element) -> ExampleLine:
    ns = CII_NS
    agreement = item.find("ram:SpecifiedLineTradeAgreement", ns)
    settlement = item.find("ram:SpecifiedLineTradeSettlement", ns)
    quantity = item.find("ram:SpecifiedLineTradeDelivery/ram:BilledQuantity", ns)
    allowances = charges = _ZERO
    # Line allowances/charges (BG-27/BG-28) only; AppliedTradeAllowanceCharge under the
    # gross price is the price discount, already inside the net price (BT-146).
    for entry in settlement.iterfind("ram:SpecifiedTradeAllowanceCharge", ns):
        amount = _required(entry, "ram:ActualAmount", ns)
        if _text(entry, "ram:ChargeIndicator/udt:Indicator", ns).lower() == "true":
            charges += amount
        else:
            allowances += amount
    base_quantity = _amount(agreement, "ram:NetPriceProductTradePrice/ram:BasisQuantity", ns)
    if base_quantity is None:
        base_quantity = _amount_or(
            agreement, "ram:GrossPriceProductTradePrice/ram:BasisQuantity", ns, _ONE
        )
    return ExampleLine(
        id=_text(item, "ram:AssociatedDocumentLineDocument/ram:LineID", ns),
        name=_text(item, "ram:SpecifiedTradeProduct/ram:Name", ns),
        description=_text(item, "ram:SpecifiedTradeProduct/ram:Description", ns),
        quantity=_required(quantity, ".", ns),
        unit_code=quantity.get("unitCode", "") if quantity is not None else "",
        net_price=_required(agreement, "ram:NetPriceProductTradePrice/ram:ChargeAmount", ns),
        base_quantity=base_quantity,
        allowance_total=allowances,
        charge_total=charges,
        tax_category=_text(settlement, "ram:ApplicableTradeTax/ram:CategoryCode", ns),
        tax_rate=_amount_or(
            settlement, "ram:ApplicableTradeTax/ram:RateApplicablePercent", ns, _ZERO
        ),
        exemption_reason=_text(settlement, "ram:ApplicableTradeTax/ram:ExemptionReason", ns),
        net_amount=_required(
            settlement, "ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount", ns
        ),
    )
