"""Build the renderers' `InvoiceDocument` (and the page's `LiveState`) from an invoice row.

Totals are the stored ones, which `invoices.calculation` produced: no renderer
recomputes money. An issued invoice is rendered as it was at issue (ARCHITECTURE.md
invariants 3 and 5): its seller and buyer snapshots, its rows (immutable after issue),
its totals, nothing paid yet and the whole gross due, status ``issued`` whatever has
happened since. Payments, credit notes and voiding are live state: `invoice_live_state`
reads them from the row for the customer's page and the e-mail. A draft preview reads
the live customer and company settings.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.files.storage import default_storage

from customers.models import Customer
from documents.data import (
    CreditNoteRef,
    DocumentAllowanceCharge,
    DocumentLine,
    DocumentTaxGroup,
    InvoiceDocument,
    LiveState,
    Party,
)
from invoices.calculation import round_money
from invoices.models import OPEN_STATUSES, Invoice, InvoiceKind, InvoiceStatus
from invoices.snapshots import buyer_snapshot, seller_snapshot
from settings_app.calendar import company_today
from settings_app.models import CompanySettings

PARTY_FIELDS = (
    "name",
    "street",
    "city",
    "postal_code",
    "country",
    "tax_id",
    "company_id",
    "email",
    "phone",
    "trading_name",
    "endpoint_id",
    "endpoint_scheme",
)
ZERO = Decimal("0")
DEFAULT_PROFILE = "en16931"


def _party(snapshot: dict[str, Any]) -> Party:
    return Party(**{name: snapshot.get(name) or "" for name in PARTY_FIELDS})


def _seller(snapshot: dict[str, Any]) -> Party:
    """The seller, whose contact (BT-41..43) is the settings' contact, else the company."""
    party = _party(snapshot)
    return dataclasses.replace(
        party,
        contact_name=snapshot.get("contact_name") or "",
        phone=snapshot.get("contact_phone") or party.phone,
        email=snapshot.get("contact_email") or party.email,
    )


def _exemptions(invoice: Invoice) -> dict[str, tuple[str, str]]:
    """BT-121 code and BT-120 text per tax category, as the invoice states them."""
    found = {}
    for entry in invoice.vat_exemptions or []:
        if isinstance(entry, dict) and entry.get("tax_category"):
            found[entry["tax_category"]] = (entry.get("code") or "", entry.get("reason") or "")
    return found


def _logo_path(name: str) -> str:
    if not name:
        return ""
    try:
        return default_storage.path(name)
    except NotImplementedError:  # object storage: the PDF goes without the logo
        return ""


def invoice_document(
    invoice: Invoice,
    *,
    items: list[Any] | None = None,
    allowances_charges: list[Any] | None = None,
    number: str | None = None,
) -> InvoiceDocument:
    """The document of `invoice`: as issued, or a draft preview.

    `items`/`allowances_charges` may be passed when already loaded (issue-time check).
    """
    currency = invoice.currency
    money = lambda value: round_money(Decimal(value), currency)  # noqa: E731
    issued = invoice.status != InvoiceStatus.DRAFT
    if issued:
        seller, buyer = invoice.seller or {}, invoice.buyer or {}
    elif invoice.seller is not None and invoice.buyer is not None:
        seller, buyer = invoice.seller, invoice.buyer  # the issue-time check
    else:
        seller = seller_snapshot(CompanySettings.load())
        buyer = buyer_snapshot(Customer.all_objects.get(pk=invoice.customer_id))
    items = list(invoice.items.all()) if items is None else items
    allowances_charges = (
        list(invoice.allowances_charges.all()) if allowances_charges is None else allowances_charges
    )
    credited = invoice.credited_invoice if invoice.credited_invoice_id else None
    gross_total = money(invoice.gross_total)
    exemptions = _exemptions(invoice)
    return InvoiceDocument(
        kind=invoice.kind,
        number=number or invoice.number,
        status="issued" if issued else "draft",
        issue_date=invoice.issue_date,
        due_date=invoice.due_date,
        currency=currency,
        language=invoice.language or "en",
        seller=_seller(seller),
        buyer=_party(buyer),
        lines=tuple(
            DocumentLine(
                position=position,
                description=item.description,
                quantity=item.quantity,
                unit_code=item.unit_code,
                unit_price=item.unit_price,
                price_base_quantity=item.price_base_quantity,
                discount_amount=money(item.discount_amount),
                charge_amount=money(item.charge_amount),
                tax_category=item.tax_category,
                tax_rate=item.tax_rate,
                net_amount=money(item.net_amount),
            )
            for position, item in enumerate(items, start=1)
        ),
        allowances_charges=tuple(
            DocumentAllowanceCharge(
                is_charge=row.is_charge,
                amount=money(row.amount),
                reason=row.reason,
                tax_category=row.tax_category,
                tax_rate=row.tax_rate,
            )
            for row in allowances_charges
        ),
        tax_breakdown=tuple(
            DocumentTaxGroup(
                tax_category=group["tax_category"],
                tax_rate=Decimal(group["tax_rate"]),
                taxable_amount=Decimal(group["taxable_amount"]),
                tax_amount=Decimal(group["tax_amount"]),
                exemption_code=exemptions.get(group["tax_category"], ("", ""))[0],
                exemption_reason=exemptions.get(group["tax_category"], ("", ""))[1],
            )
            for group in invoice.tax_breakdown
        ),
        line_total=money(invoice.line_total),
        allowance_total=money(invoice.allowance_total),
        charge_total=money(invoice.charge_total),
        net_total=money(invoice.net_total),
        tax_total=money(invoice.tax_total),
        gross_total=gross_total,
        # At issue nothing is paid yet (BT-113 0) and the whole gross is due (BT-115).
        paid_total=ZERO,
        amount_due=gross_total,
        buyer_reference=invoice.buyer_reference,
        profile=buyer.get("einvoice_profile") or DEFAULT_PROFILE,
        order_reference=invoice.order_reference,
        delivery_date=invoice.delivery_date,
        period_start=invoice.period_start,
        period_end=invoice.period_end,
        payment_terms=invoice.payment_terms,
        notes=invoice.notes,
        credited_invoice_number=(credited.number or "") if credited else "",
        credited_invoice_issue_date=credited.issue_date if credited else None,
        payment_iban=seller.get("iban", ""),
        payment_bic=seller.get("bic", ""),
        payment_reference=number or invoice.number or "",
        footer_text=seller.get("footer", ""),
        logo_path=_logo_path(seller.get("logo", "")),
    )


def _decimal_or_none(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return None


def _date_or_none(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _credit_notes(invoice: Invoice) -> tuple[CreditNoteRef, ...]:
    entries = [entry for entry in invoice.credit_notes_json or [] if isinstance(entry, dict)]
    ids = [entry["id"] for entry in entries if isinstance(entry.get("id"), int)]
    tokens = dict(
        Invoice.objects.filter(pk__in=ids, public_token__isnull=False)
        .exclude(status=InvoiceStatus.DRAFT)
        .values_list("id", "public_token")
    )
    return tuple(
        CreditNoteRef(
            number=str(entry.get("number") or ""),
            gross_total=_decimal_or_none(entry.get("gross_total")),
            issue_date=_date_or_none(entry.get("issue_date")),
            url=f"/i/{tokens[entry['id']]}/" if entry.get("id") in tokens else "",
        )
        for entry in entries
    )


def invoice_live_state(invoice: Invoice, *, today: dt.date | None = None) -> LiveState:
    """The invoice's live figures as its row stores them (the invoices services keep
    them right; nothing is recomputed here)."""
    currency = invoice.currency
    money = lambda value: round_money(Decimal(value or 0), currency)  # noqa: E731
    amount_due = money(invoice.amount_due)
    today = today or company_today()
    overdue = (
        invoice.kind == InvoiceKind.INVOICE
        and invoice.status in OPEN_STATUSES
        and invoice.due_date is not None
        and amount_due > 0
        and invoice.due_date < today
    )
    return LiveState(
        status=invoice.status,
        paid_total=money(invoice.paid_total),
        credited_total=money(invoice.credited_total),
        amount_due=amount_due,
        refund_due=money(invoice.refund_due),
        is_overdue=overdue,
        credit_notes=_credit_notes(invoice),
        days_overdue=(today - invoice.due_date).days if overdue else 0,
    )
