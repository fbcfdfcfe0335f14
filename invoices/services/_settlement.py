"""Store the live settlement of an account: an invoice and the credit notes against it.

Every write that moves money or credit (payment, payment removal, credit note issued,
void) locks the account's root row (the invoice; a stand-alone credit note is its own
root) and then calls `settlement_refresh`, so concurrent writes on one account run one
after the other and the stored figures always follow `invoices.settlement`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from invoices.calculation import round_money
from invoices.models import Invoice, InvoiceKind, InvoiceStatus, Payment
from invoices.representation import money_text, payment_dict
from invoices.services._rollups import RollupDelta
from invoices.settlement import (
    ZERO,
    CreditNoteFigures,
    credit_note_status,
    settle_invoice,
    settle_standalone_credit_note,
)

SETTLEMENT_FIELDS = (
    "status",
    "paid_total",
    "credited_total",
    "amount_due",
    "refund_due",
    "payments_json",
    "credit_notes_json",
)


def settlement_root_id(invoice: Invoice) -> int:
    return invoice.credited_invoice_id or invoice.pk


def lock_root(root_id: int) -> Invoice:
    return Invoice.objects.select_for_update().get(pk=root_id)


def credit_note_reference(note: Invoice) -> dict[str, object]:
    return {
        "id": note.pk,
        "number": note.number,
        "issue_date": note.issue_date.isoformat() if note.issue_date else None,
        "gross_total": money_text(note.gross_total, note.currency),
    }


def _save_changed(invoice: Invoice, values: dict[str, object], rollup: RollupDelta) -> None:
    changed = [name for name, value in values.items() if getattr(invoice, name) != value]
    if not changed:
        return
    rollup.remove(invoice)
    for name in changed:
        setattr(invoice, name, values[name])
    rollup.add(invoice)
    # Saved, not updated: `updated_at` moves, so every cached rendering is replaced.
    invoice.save(update_fields=[*changed, "updated_at"])


def settlement_refresh(
    *,
    root: Invoice,
    instances: Iterable[Invoice] = (),
    with_credit_notes: bool = False,
    rollup: RollupDelta | None = None,
) -> Invoice:
    """Recompute and store the figures of the account of `root` (locked by the caller).

    `instances`: rows the caller holds (e.g. the credit note just issued), updated in
    place instead of a fresh copy. `with_credit_notes`: look for issued credit notes
    even when the root lists none yet (a credit note is being issued). `rollup`: the
    caller's own report differences, written with the account's in one statement.
    """
    rollup = RollupDelta() if rollup is None else rollup
    _refresh(root, instances, with_credit_notes, rollup)
    rollup.flush()
    return root


def _refresh(
    root: Invoice, instances: Iterable[Invoice], with_credit_notes: bool, rollup: RollupDelta
) -> None:
    known = {invoice.pk: invoice for invoice in instances}
    known[root.pk] = root
    notes: list[Invoice] = []
    if root.kind == InvoiceKind.INVOICE and (with_credit_notes or root.credit_notes_json):
        notes = [
            known.get(note.pk, note)
            for note in Invoice.objects.select_for_update()
            .filter(credited_invoice_id=root.pk, kind=InvoiceKind.CREDIT_NOTE)
            .exclude(status=InvoiceStatus.DRAFT)
            .order_by("issued_at", "id")
        ]
    payments: dict[int, list[Payment]] = defaultdict(list)
    for payment in Payment.objects.filter(
        invoice_id__in=[root.pk, *(note.pk for note in notes)]
    ).order_by("date", "id"):
        payments[payment.invoice_id].append(payment)

    def received(invoice: Invoice) -> object:
        return round_money(
            sum((payment.amount for payment in payments[invoice.pk]), ZERO), invoice.currency
        )

    def payments_json(invoice: Invoice) -> list[dict[str, object]]:
        return [payment_dict(payment, invoice.currency) for payment in payments[invoice.pk]]

    if root.kind == InvoiceKind.CREDIT_NOTE:  # stand-alone: all of it is owed back
        refunded = received(root)
        refund_due = settle_standalone_credit_note(gross_total=root.gross_total, refunded=refunded)
        _save_changed(
            root,
            {
                "status": credit_note_status(refund_due),
                "paid_total": refunded,
                "amount_due": ZERO,
                "refund_due": refund_due,
                "payments_json": payments_json(root),
            },
            rollup,
        )
        return

    settled = settle_invoice(
        gross_total=root.gross_total,
        paid=received(root),
        credit_notes=[
            CreditNoteFigures(id=note.pk, gross_total=note.gross_total, refunded=received(note))
            for note in notes
        ],
        void=root.status == InvoiceStatus.VOID,
    )
    _save_changed(
        root,
        {
            "status": settled.status,
            "paid_total": settled.paid_total,
            "credited_total": settled.credited_total,
            "amount_due": settled.amount_due,
            "refund_due": ZERO,
            "payments_json": payments_json(root),
            "credit_notes_json": [credit_note_reference(note) for note in notes],
        },
        rollup,
    )
    for note, figures in zip(notes, settled.credit_notes, strict=True):
        _save_changed(
            note,
            {
                "status": figures.status,
                "paid_total": received(note),
                "amount_due": ZERO,
                "refund_due": figures.refund_due,
                "payments_json": payments_json(note),
            },
            rollup,
        )
