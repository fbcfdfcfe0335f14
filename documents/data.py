"""The data of one invoice as the documents see it.

Every renderer (PDF, UBL, CII/Factur-X, the customer's HTML page) takes an
``InvoiceDocument``; ``documents.adapters`` builds it from an ``Invoice`` row, with
totals that come from ``invoices.calculation`` (so no renderer ever computes money).
Plain frozen dataclasses: renderers can be tested without a database.

A document is a draft preview or the issued document as it was at issue: its
``status`` is ``draft`` or ``issued``, never a live state (paid, credited, void).
The live state of an issued invoice is a ``LiveState``, which only the customer's
page shows beside the document.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class Party:
    """Seller or buyer as snapshotted on the invoice (EN 16931 BG-4 / BG-7)."""

    name: str
    street: str = ""
    city: str = ""
    postal_code: str = ""
    country: str = ""  # ISO 3166-1 alpha-2
    tax_id: str = ""  # VAT id with country prefix, e.g. "DE123456789"
    company_id: str = ""  # legal registration id
    email: str = ""
    phone: str = ""
    trading_name: str = ""
    contact_name: str = ""  # BT-41 (seller); the contact's phone/e-mail are phone/email
    endpoint_id: str = ""  # BT-34 / BT-49, explicit; else derived (einvoice.codes)
    endpoint_scheme: str = ""  # its EAS code


@dataclass(frozen=True)
class DocumentLine:
    position: int
    description: str
    quantity: Decimal
    unit_code: str  # UN/ECE rec 20, e.g. "C62"
    unit_price: Decimal
    price_base_quantity: Decimal
    discount_amount: Decimal  # line allowance (BG-27), >= 0
    charge_amount: Decimal  # line charge (BG-28), >= 0
    tax_category: str  # UNCL5305: S, Z, E, AE, K, G, O
    tax_rate: Decimal  # percent, e.g. Decimal("19.00")
    net_amount: Decimal  # BT-131, from the calculation


@dataclass(frozen=True)
class DocumentAllowanceCharge:
    """Document level allowance (BG-20) or charge (BG-21)."""

    is_charge: bool
    amount: Decimal
    reason: str
    tax_category: str
    tax_rate: Decimal


@dataclass(frozen=True)
class DocumentTaxGroup:
    """One VAT breakdown row (BG-23)."""

    tax_category: str
    tax_rate: Decimal
    taxable_amount: Decimal
    tax_amount: Decimal
    exemption_reason: str = ""  # BT-120, required for E, AE, K, G, O (or a code)
    exemption_code: str = ""  # BT-121, a VATEX code


@dataclass(frozen=True)
class InvoiceDocument:
    kind: str  # "invoice" | "credit_note"
    number: str | None  # None while draft
    status: str  # draft | issued (DOCUMENT_STATUSES)
    issue_date: dt.date
    due_date: dt.date | None
    currency: str  # ISO 4217
    language: str  # "en" | "de" | "fr"
    seller: Party
    buyer: Party
    lines: tuple[DocumentLine, ...]
    allowances_charges: tuple[DocumentAllowanceCharge, ...]
    tax_breakdown: tuple[DocumentTaxGroup, ...]
    line_total: Decimal  # BT-106
    allowance_total: Decimal  # BT-107
    charge_total: Decimal  # BT-108
    net_total: Decimal  # BT-109
    tax_total: Decimal  # BT-110
    gross_total: Decimal  # BT-112
    paid_total: Decimal  # BT-113
    amount_due: Decimal  # BT-115
    buyer_reference: str = ""  # BT-10
    profile: str = "en16931"  # e-invoice profile: peppol | xrechnung | en16931
    order_reference: str = ""  # BT-13
    delivery_date: dt.date | None = None  # BT-72
    period_start: dt.date | None = None  # BT-73
    period_end: dt.date | None = None  # BT-74
    payment_terms: str = ""  # BT-20
    notes: str = ""  # BT-22
    credited_invoice_number: str = ""  # BT-25 on credit notes
    credited_invoice_issue_date: dt.date | None = None  # BT-26
    payment_iban: str = ""  # BT-84
    payment_bic: str = ""  # BT-86
    payment_reference: str = ""  # BT-83, the invoice number
    footer_text: str = ""
    logo_path: str = ""  # local file path of the seller's logo, or ""
    extra: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.status not in DOCUMENT_STATUSES:
            raise ValueError(
                f"a document is a draft or as issued, not {self.status!r}: "
                "the live state goes in a LiveState"
            )

    @property
    def is_credit_note(self) -> bool:
        return self.kind == "credit_note"

    @property
    def is_draft(self) -> bool:
        return self.status == "draft"


DOCUMENT_STATUSES = frozenset({"draft", "issued"})


@dataclass(frozen=True)
class CreditNoteRef:
    """An issued credit note referring to the invoice (from its `credit_notes_json`)."""

    number: str
    gross_total: Decimal | None = None
    issue_date: dt.date | None = None
    url: str = ""  # the credit note's own customer page, or ""


@dataclass(frozen=True)
class LiveState:
    """Where an issued invoice stands now, as the invoice row stores it.

    Shown on the customer's page and in the e-mail, never in a document. For a credit
    note `amount_due` is 0 and `refund_due` is the live figure.
    """

    status: str  # issued | partially_paid | paid | credited | void
    paid_total: Decimal
    credited_total: Decimal
    amount_due: Decimal
    refund_due: Decimal
    is_overdue: bool = False
    credit_notes: tuple[CreditNoteRef, ...] = ()
    days_overdue: int = 0  # days past the due date while overdue, else 0

    @property
    def is_void(self) -> bool:
        return self.status == "void"
