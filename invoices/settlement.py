"""How payments and credit notes settle an invoice: pure Decimal arithmetic, no Django.

One invoice and the credit notes issued against it form one account:

    amount_due = max(0, gross - paid - credited + refunded)

where `paid` is the money received for the invoice, `credited` the gross of its issued
credit notes and `refunded` the money paid back on them. What payments and credits give
beyond the gross (a credit note issued after a payment) is owed back to the customer:
the excess is shown on the credit notes as `refund_due`, the latest credit note first
(it is the one that created the excess), each at most its own gross minus what was
already refunded on it. So for every account

    amount_due - Σ refund_due == gross - paid - credited + refunded

which is what the customer's balance adds up (customers.services).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

ZERO = Decimal("0")

# Status values as stored (invoices.models.InvoiceStatus); repeated here as plain strings
# to keep this module free of Django.
ISSUED = "issued"
PARTIALLY_PAID = "partially_paid"
PAID = "paid"
CREDITED = "credited"
VOID = "void"


@dataclass(frozen=True)
class CreditNoteFigures:
    """An issued credit note of the account, in issue order."""

    id: int
    gross_total: Decimal
    refunded: Decimal  # payments recorded on the credit note: money given back


@dataclass(frozen=True)
class CreditNoteSettlement:
    id: int
    refund_due: Decimal
    status: str


@dataclass(frozen=True)
class InvoiceSettlement:
    paid_total: Decimal
    credited_total: Decimal
    amount_due: Decimal
    status: str
    credit_notes: tuple[CreditNoteSettlement, ...]


def credit_note_status(refund_due: Decimal) -> str:
    """A credit note is open while something is left to give back."""
    return ISSUED if refund_due > 0 else PAID


def invoice_status(*, amount_due: Decimal, paid: Decimal, credited: Decimal, void: bool) -> str:
    if void:
        return VOID
    if amount_due <= 0:
        return CREDITED if paid == 0 and credited > 0 else PAID
    return PARTIALLY_PAID if paid > 0 else ISSUED


def settle_invoice(
    *,
    gross_total: Decimal,
    paid: Decimal,
    credit_notes: Sequence[CreditNoteFigures],
    void: bool = False,
) -> InvoiceSettlement:
    credited = sum((note.gross_total for note in credit_notes), ZERO)
    refunded = sum((note.refunded for note in credit_notes), ZERO)
    balance = gross_total - paid - credited + refunded
    amount_due = max(balance, ZERO)
    excess = max(-balance, ZERO)
    settled: list[CreditNoteSettlement] = []
    for note in reversed(credit_notes):
        refund_due = min(excess, max(note.gross_total - note.refunded, ZERO))
        excess -= refund_due
        settled.append(CreditNoteSettlement(note.id, refund_due, credit_note_status(refund_due)))
    settled.reverse()
    return InvoiceSettlement(
        paid_total=paid,
        credited_total=credited,
        amount_due=amount_due,
        status=invoice_status(amount_due=amount_due, paid=paid, credited=credited, void=void),
        credit_notes=tuple(settled),
    )


def settle_standalone_credit_note(*, gross_total: Decimal, refunded: Decimal) -> Decimal:
    """A credit note that corrects no invoice of ours: its whole gross is owed back."""
    return max(gross_total - refunded, ZERO)
