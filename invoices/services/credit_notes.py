"""Corrections of issued invoices: credit notes, and cancellation as a credit note."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from customers.models import Customer
from invoices import errors
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
from invoices.totals import GroupKey
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
        vat_exemptions=original.vat_exemptions,  # BR-E-10 and siblings hold for it too
    )


@dataclass(frozen=True)
class _Reversal:
    """What a cancellation credits: lines, allowances and the VAT of each group."""

    items: list[dict[str, Any]]
    allowances_charges: list[dict[str, Any]]
    tax_amounts: dict[GroupKey, Decimal] | None = None


def _remaining_groups(original: Invoice) -> dict[GroupKey, list[Decimal]]:
    """[taxable, VAT] per group: the invoice's breakdown minus its credit notes'. Each
    document rounded its own VAT, so what is left of it is a difference of rounded
    amounts (not the left taxable x rate, rounded)."""
    remaining: dict[GroupKey, list[Decimal]] = {}
    notes = Invoice.objects.filter(credited_invoice=original, kind=InvoiceKind.CREDIT_NOTE)
    breakdowns = [(1, original.tax_breakdown)] + [
        (-1, note.tax_breakdown) for note in notes.exclude(status=InvoiceStatus.DRAFT)
    ]
    for sign, breakdown in breakdowns:
        for group in breakdown:
            sums = remaining.setdefault(
                (group["tax_category"], Decimal(group["tax_rate"])), [Decimal(0), Decimal(0)]
            )
            sums[0] += sign * Decimal(group["taxable_amount"])
            sums[1] += sign * Decimal(group["tax_amount"])
    return remaining


def _remaining_reversal(original: Invoice) -> _Reversal:
    """Per group one line for the taxable amount left (0.00 when only VAT is left), or a
    document allowance when the credit notes took more of a group than the invoice had;
    the VAT left given as it is, so the cancellation's gross is exactly what is left."""
    items, allowances, tax_amounts = [], [], {}
    for (category, rate), (taxable, tax) in _remaining_groups(original).items():
        if not taxable and not tax:
            continue
        label = f"Remaining amount of invoice {original.number} ({category} {rate} %)"
        vat = {"tax_category": category, "tax_rate": rate}
        if taxable >= 0:
            items.append(
                {"description": label, "quantity": Decimal(1), "unit_price": taxable, **vat}
            )
        else:
            allowances.append({"is_charge": False, "amount": -taxable, "reason": label, **vat})
        tax_amounts[(category, rate)] = tax
    return _Reversal(items, allowances, tax_amounts)


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
        reversal = _Reversal(
            list(original.items.values(*ITEM_FIELDS)),
            list(original.allowances_charges.values(*ALLOWANCE_CHARGE_FIELDS)),
        )
    else:
        reversal = _remaining_reversal(original)
    cancellation = invoice_create_draft(
        owner=original.owner,
        customer=customer,
        items=reversal.items,
        allowances_charges=reversal.allowances_charges,
        kind=InvoiceKind.CREDIT_NOTE,
        currency=original.currency,
        buyer_reference=original.buyer_reference,
        notes=f"Cancellation of invoice {original.number}: {reason}",
        credited_invoice=original,
        vat_exemptions=original.vat_exemptions,  # BR-E-10 and siblings hold for it too
    )
    invoice_issue(
        invoice=cancellation,
        by=by,
        issue_date=company_today(),
        tax_amounts=reversal.tax_amounts,
    )
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
