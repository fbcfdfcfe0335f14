"""The company's reminder policy read into typed levels, and who may be reminded.

The rules the issue sets: an open invoice (issued or partially paid, something due),
not paused, of a customer who did not opt out and has an e-mail address, with
reminders on for the company. Credit notes and fee invoices are never reminded (a fee
on a fee would grow without end).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from invoices.models import OPEN_STATUSES, Invoice, InvoiceKind
from settings_app.models import CompanySettings


@dataclass(frozen=True)
class Level:
    number: int  # 1-based
    days_after_due: int
    fee_amount: Decimal
    tax_category: str
    tax_rate: Decimal | None  # None: the company's default rate (category S)


def policy_levels(company: CompanySettings) -> list[Level]:
    """The levels of a stored policy (validated when written, see settings_app.validators)."""
    levels = []
    for number, raw in enumerate(company.reminder_levels or [], start=1):
        category = raw.get("tax_category", "O")
        rate = raw.get("tax_rate")
        levels.append(
            Level(
                number=number,
                days_after_due=int(raw["days_after_due"]),
                fee_amount=Decimal(str(raw.get("fee_amount", "0"))),
                tax_category=category,
                tax_rate=Decimal(str(rate)) if rate is not None else None,
            )
        )
    return levels


def ineligible_reason(invoice: Invoice, company: CompanySettings) -> str | None:
    """Why `invoice` (its customer loaded) gets no reminder now; None when it may.

    Reads nothing but the rows given: the caller holds the invoice's lock.
    """
    customer = invoice.customer
    if invoice.kind != InvoiceKind.INVOICE:
        return "credit_note"
    if invoice.status not in OPEN_STATUSES:
        return f"status_{invoice.status}"
    if invoice.amount_due <= 0:
        return "nothing_due"
    if invoice.due_date is None:
        return "no_due_date"
    if invoice.reminders_paused:
        return "paused"
    if not company.reminders_enabled:
        return "reminders_disabled"
    if not customer.reminders_enabled:
        return "customer_opted_out"
    if customer.is_deleted:
        return "customer_deleted"
    if not customer.email:
        return "no_email"
    return None
