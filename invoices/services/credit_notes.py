"""Corrections of issued invoices: credit notes, and cancellation as a credit note."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from customers.models import Customer
from invoices import errors
from invoices.calculation import round_money
from invoices.models import (
    ALLOWANCE_CHARGE_FIELDS,
    ITEM_FIELDS,
    Invoice,
    InvoiceKind,
    InvoiceStatus,
)
from invoices.representation import money_text
from invoices.services._rollups import RollupDelta
from invoices.services._settlement import lock_root, settlement_refresh
from invoices.services.drafts import invoice_create_draft
from invoices.services.issuing import invoice_issue
from settings_app.calendar import company_today

# `credited` too: then nothing is left and the answer says so (credit_exceeds_invoice).
CREDITABLE_STATUSES = (
    InvoiceStatus.ISSUED,
    InvoiceStatus.PARTIALLY_PAID,
    InvoiceStatus.PAID,
    InvoiceStatus.CREDITED,
)


def _remaining(original: Invoice) -> Decimal:
    return original.gross_total - original.credited_total


@transaction.atomic
def invoice_credit_note_create(*, invoice: Invoice) -> Invoice:
    """A draft credit note for the invoice, with its lines copied, owned like it."""
    original = lock_root(invoice.pk)
    if original.kind != InvoiceKind.INVOICE or original.status not in CREDITABLE_STATUSES:
        raise errors.InvoiceNotCreditable(details={"status": [original.status]})
    if _remaining(original) <= 0:
        raise errors.CreditExceedsInvoice("The invoice is already fully credited.")
    return invoice_create_draft(
        owner=original.owner,
        customer=Customer.all_objects.get(pk=original.customer_id),
        items=list(original.items.values(*ITEM_FIELDS)),
        allowances_charges=list(original.allowances_charges.values(*ALLOWANCE_CHARGE_FIELDS)),
        kind=InvoiceKind.CREDIT_NOTE,
        currency=original.currency,
        buyer_reference=original.buyer_reference,
        notes=f"Credit note for invoice {original.number}.",
        credited_invoice=original,
    )


def _remaining_lines(original: Invoice) -> list[dict[str, Any]]:
    """One line per VAT group for what earlier credit notes left uncredited."""
    remaining: dict[tuple[str, str], Decimal] = {}
    for group in original.tax_breakdown:
        key = (group["tax_category"], group["tax_rate"])
        remaining[key] = remaining.get(key, Decimal(0)) + Decimal(group["taxable_amount"])
    for note in Invoice.objects.filter(
        credited_invoice=original, kind=InvoiceKind.CREDIT_NOTE
    ).exclude(status=InvoiceStatus.DRAFT):
        for group in note.tax_breakdown:
            key = (group["tax_category"], group["tax_rate"])
            remaining[key] = remaining.get(key, Decimal(0)) - Decimal(group["taxable_amount"])
    return [
        {
            "description": f"Remaining amount of invoice {original.number} ({category} {rate} %)",
            "quantity": Decimal(1),
            "unit_price": round_money(amount, original.currency),
            "tax_category": category,
            "tax_rate": Decimal(rate),
        }
        for (category, rate), amount in remaining.items()
        if amount > 0
    ]


def _refunded_on_credit_notes(original: Invoice) -> bool:
    """Money went back on a credit note of the invoice: the account has payments too."""
    return Invoice.objects.filter(credited_invoice=original, paid_total__gt=0).exists()


def _not_voidable_reason(invoice: Invoice) -> str:
    if invoice.kind != InvoiceKind.INVOICE:
        return "A credit note cannot be voided; it corrects an invoice."
    if invoice.status == InvoiceStatus.VOID:
        return "The invoice is already void."
    if invoice.paid_total != 0:
        return "The invoice has payments; correct it with a credit note instead."
    if _refunded_on_credit_notes(invoice):
        return "A refund was paid on a credit note of this invoice; it cannot be voided."
    return f"An invoice that is {invoice.get_status_display().lower()} cannot be voided."


@transaction.atomic
def invoice_void(*, invoice: Invoice, by: User | None = None, reason: str) -> Invoice:
    """Cancel an issued invoice without payments: a cancellation credit note for what is
    left uncredited (its own number in the credit-note series), issued in the same
    transaction; the original keeps its number and content and becomes `void`."""
    original = lock_root(invoice.pk)
    if (
        original.kind != InvoiceKind.INVOICE
        or original.status not in (InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID)
        or original.paid_total != 0
        or _refunded_on_credit_notes(original)
    ):
        raise errors.InvoiceNotVoidable(
            _not_voidable_reason(original),
            details={
                "status": [original.status],
                "paid_total": [money_text(original.paid_total, original.currency)],
            },
        )
    if _remaining(original) <= 0:
        raise errors.InvoiceNotVoidable("Nothing is left uncredited on this invoice.")
    customer = Customer.all_objects.get(pk=original.customer_id)
    if customer.is_deleted:
        raise errors.InvoiceNotVoidable(
            "The customer was deleted; restore it to issue the cancellation.",
            details={"customer": ["deleted"]},
        )
    if original.credited_total == 0:  # the exact mirror of the invoice
        items = list(original.items.values(*ITEM_FIELDS))
        allowances_charges = list(original.allowances_charges.values(*ALLOWANCE_CHARGE_FIELDS))
    else:
        items, allowances_charges = _remaining_lines(original), []
    cancellation = invoice_create_draft(
        owner=original.owner,
        customer=customer,
        items=items,
        allowances_charges=allowances_charges,
        kind=InvoiceKind.CREDIT_NOTE,
        currency=original.currency,
        buyer_reference=original.buyer_reference,
        notes=f"Cancellation of invoice {original.number}: {reason}",
        credited_invoice=original,
    )
    invoice_issue(invoice=cancellation, by=by, issue_date=company_today())
    original.refresh_from_db()
    rollup = RollupDelta()  # the reports' sums move with the status
    rollup.remove(original)
    original.status = InvoiceStatus.VOID
    original.void_reason = reason
    original.voided_at = timezone.now()
    original.voided_by = by
    original.save(update_fields=["status", "void_reason", "voided_at", "voided_by", "updated_at"])
    rollup.add(original)
    return settlement_refresh(root=original, rollup=rollup)
