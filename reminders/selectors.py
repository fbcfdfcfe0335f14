"""Reads of payment reminders: which invoices have a level due, and an invoice's list."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet

from invoices.models import OPEN_STATUSES, Invoice, InvoiceKind
from reminders.levels import first_due_date, level_due
from reminders.models import PaymentReminder
from reminders.policy import Level


@dataclass(frozen=True)
class DueReminder:
    invoice_id: int
    level: int


def reminders_due(
    *, run_date: dt.date, levels: list[Level], invoice_ids: list[int] | None = None
) -> list[DueReminder]:
    """The invoices with a level due on `run_date` above the one sent, oldest due first.

    One query on the open-invoice index; the service checks each again under its lock.
    """
    days = [level.days_after_due for level in levels]
    latest_due = first_due_date(run_date=run_date, days_after_due=days)
    if latest_due is None:
        return []
    candidates = (
        Invoice.objects.filter(
            kind=InvoiceKind.INVOICE,
            status__in=OPEN_STATUSES,
            amount_due__gt=0,
            due_date__lte=latest_due,
            reminders_paused=False,
            reminder_level__lt=len(days),
            customer__reminders_enabled=True,
            customer__deleted_at__isnull=True,
            fee_for_reminder__isnull=True,
        )
        .exclude(customer__email="")
        .order_by("due_date", "id")
    )
    if invoice_ids is not None:
        candidates = candidates.filter(pk__in=invoice_ids)
    due = []
    for invoice_id, due_date, sent in candidates.values_list("id", "due_date", "reminder_level"):
        level = level_due(
            due_date=due_date, run_date=run_date, days_after_due=days, sent_level=sent
        )
        if level is not None:
            due.append(DueReminder(invoice_id, level))
    return due


def invoice_reminders(*, invoice: Invoice) -> QuerySet[PaymentReminder]:
    return (
        PaymentReminder.objects.filter(invoice=invoice)
        .select_related("invoice", "sending", "fee_invoice")
        .order_by("level")
    )
