"""Sending payment reminders: each level of an invoice at most once.

Claim, then act, in one transaction per reminder: lock the invoice row (payments,
credit notes and voids lock it too, so a payment recorded a moment before is seen),
check eligibility again, insert the `PaymentReminder` row (unique per invoice and
level), issue the fee invoice if the level bills one, raise `Invoice.reminder_level`,
and queue the e-mail (documents.sending: sent after commit, at most once). A second
runner waits for the lock and then finds the level sent; a refusal (the fee invoice
cannot be issued) rolls all of it back and the next run tries again.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from common import metrics
from common.exceptions import BusinessException
from documents.sending import invoice_reminder_send
from invoices.calculation import minor_unit
from invoices.models import Invoice
from invoices.services import invoice_create_draft, invoice_issue
from reminders.interest import Interest, late_interest
from reminders.levels import level_due
from reminders.models import PaymentReminder
from reminders.policy import Level, ineligible_reason, policy_levels
from reminders.selectors import DueReminder, reminders_due
from settings_app.calendar import company_today
from settings_app.models import CompanySettings

logger = logging.getLogger(__name__)

SENT = "sent"
NOT_DUE = "not_due"
ALREADY_SENT = "already_sent"
INELIGIBLE = "ineligible"
FAILED = "failed"
INTERNAL_ERROR = "internal_error"


@dataclass(frozen=True)
class ReminderResult:
    invoice_id: int
    outcome: str
    level: int | None = None
    reminder_id: int | None = None
    fee_invoice_id: int | None = None
    reason: str = ""  # why not eligible
    error: dict[str, Any] | None = None


def _locked_invoice(invoice_id: int) -> Invoice | None:
    return (
        Invoice.objects.select_for_update(of=("self",))
        .select_related("customer")
        .filter(pk=invoice_id)
        .first()
    )


def _claim(invoice: Invoice, level: int, run_date: dt.date) -> PaymentReminder | None:
    """The reminder row, or None when this level exists (a racing transaction that did
    not take the invoice's lock, e.g. a test that removes it; normally the lock orders)."""
    try:
        with transaction.atomic():  # a savepoint: the conflict must not end the transaction
            return PaymentReminder.objects.create(
                invoice=invoice,
                level=level,
                run_date=run_date,
                sent_at=timezone.now(),
                days_overdue=max((run_date - invoice.due_date).days, 0),
                amount_due=invoice.amount_due,
            )
    except IntegrityError:
        return None


def _interest(invoice: Invoice, run_date: dt.date) -> Interest | None:
    """Default interest for the days since the last reminder that billed it (or the due
    date) up to the run date, on today's amount due: a partial payment lowers it for the
    whole stretch, never raises it."""
    billed_to = (
        PaymentReminder.objects.filter(invoice=invoice, interest__isnull=False)
        .order_by("-level")
        .values_list("run_date", flat=True)
        .first()
    )
    first_day = (billed_to or invoice.due_date) + dt.timedelta(days=1)
    if first_day > run_date:
        return None
    return late_interest(
        principal=invoice.amount_due,
        first_day=first_day,
        last_day=run_date,
        consumer=invoice.customer.is_consumer,
        rates=settings.LATE_INTEREST_BASE_RATES,
        places=minor_unit(invoice.currency),
    )


def _money(amount: Decimal, currency: str) -> str:
    return f"{amount.quantize(Decimal(1).scaleb(-minor_unit(currency)))} {currency}"


def _fee_lines(
    invoice: Invoice, level: Level, fee: Decimal | None, interest: Interest | None
) -> list[dict[str, Any]]:
    lines = []
    if fee:
        line = {
            "description": f"Reminder fee (reminder {level.number}) for invoice {invoice.number}",
            "quantity": Decimal("1"),
            "unit_price": fee,
            "tax_category": level.tax_category,
        }
        if level.tax_rate is not None or level.tax_category != "S":
            line["tax_rate"] = level.tax_rate or Decimal("0")
        lines.append(line)
    if interest is not None and interest.total > 0:
        first, last = interest.parts[0].start, interest.parts[-1].end
        lines.append(
            {
                "description": (
                    f"Default interest on {_money(interest.principal, invoice.currency)} "
                    f"from {first.isoformat()} to {last.isoformat()} "
                    f"({(last - first).days + 1} days, base rate + {interest.points} points, "
                    "act/365)"
                ),
                "quantity": Decimal("1"),
                "unit_price": interest.total,
                "tax_category": "O",
                "tax_rate": Decimal("0"),
            }
        )
    return lines


def _fee_invoice(invoice: Invoice, lines: list[dict[str, Any]], today: dt.date) -> Invoice:
    """A separate invoice: the original is never changed (its number, its own series
    entry). Dated by the real day even when the run simulates another (no future dates)."""
    draft = invoice_create_draft(
        owner=invoice.owner,
        customer=invoice.customer,
        items=lines,
        issue_date=today,
        due_date=today,
        currency=invoice.currency,
        # BT-10: the buyer's own reference of the original when it had one (a Leitweg-ID
        # or a PO must not be replaced), else the original's number.
        buyer_reference=invoice.buyer_reference or invoice.number,
        notes=(
            f"Fees for the late payment of invoice {invoice.number} of "
            f"{invoice.issue_date.isoformat()}, due {invoice.due_date.isoformat()}."
        ),
    )
    return invoice_issue(invoice=draft, issue_date=today)


def _fee_amount(invoice: Invoice, level: Level, company: CompanySettings) -> Decimal | None:
    """The level's fee is written in the company's currency: billed only on invoices in it."""
    if level.fee_amount <= 0 or invoice.currency != company.default_currency:
        return None
    return level.fee_amount


@transaction.atomic
def _send_due(invoice_id: int, run_date: dt.date, levels: Sequence[Level]) -> ReminderResult:
    invoice = _locked_invoice(invoice_id)
    if invoice is None:
        return ReminderResult(invoice_id, INELIGIBLE, reason="not_found")
    company = CompanySettings.current()
    reason = ineligible_reason(invoice, company)
    if reason is None and PaymentReminder.objects.filter(fee_invoice_id=invoice.pk).exists():
        reason = "fee_invoice"
    if reason is not None:
        return ReminderResult(invoice_id, INELIGIBLE, reason=reason)
    number = level_due(
        due_date=invoice.due_date,
        run_date=run_date,
        days_after_due=[level.days_after_due for level in levels],
        sent_level=invoice.reminder_level,
    )
    if number is None:
        return ReminderResult(invoice_id, NOT_DUE)
    level = levels[number - 1]
    reminder = _claim(invoice, number, run_date)
    if reminder is None:
        return ReminderResult(invoice_id, ALREADY_SENT, level=number)

    interest = _interest(invoice, run_date) if company.late_interest else None
    fee = _fee_amount(invoice, level, company)
    fee_invoice = None
    if lines := _fee_lines(invoice, level, fee, interest):
        fee_invoice = _fee_invoice(invoice, lines, company_today(company))
    Invoice.objects.filter(pk=invoice.pk).update(reminder_level=number)
    reminder.fee_amount = fee
    billed_interest = interest is not None and interest.total > 0
    reminder.interest = interest.details() if billed_interest else None
    reminder.fee_invoice = fee_invoice
    reminder.sending = invoice_reminder_send(
        invoice=invoice, level=number, to=invoice.customer.email, fee_invoice=fee_invoice
    )
    reminder.save(update_fields=["fee_amount", "interest", "fee_invoice", "sending"])
    transaction.on_commit(metrics.reminders_sent.inc)
    return ReminderResult(
        invoice_id,
        SENT,
        level=number,
        reminder_id=reminder.pk,
        fee_invoice_id=fee_invoice.pk if fee_invoice else None,
    )


def payment_reminder_send_due(
    *, invoice_id: int, run_date: dt.date, levels: Sequence[Level] | None = None
) -> ReminderResult:
    """Send the highest level due on `run_date` for one invoice, if any, once.

    All or nothing: a refusal (the fee invoice cannot be issued, say the customer lost
    its address) leaves no reminder, fee invoice or e-mail; the next run tries again.
    """
    if levels is None:
        levels = policy_levels(CompanySettings.current())
    try:
        return _send_due(invoice_id, run_date, levels)
    except BusinessException as exc:
        logger.warning("Reminder for invoice %s not sent: %s %s", invoice_id, exc.code, exc.details)
        error = {"code": exc.code, "message": exc.message, "details": exc.details}
    except Exception as exc:
        logger.exception("Reminder for invoice %s failed", invoice_id)
        error = {"code": INTERNAL_ERROR, "message": f"{type(exc).__name__}: {exc}", "details": {}}
    return ReminderResult(invoice_id, FAILED, error=error)


@dataclass
class RunReport:
    run_date: dt.date
    results: list[ReminderResult] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(1 for result in self.results if result.outcome == outcome)

    def summary(self) -> dict[str, Any]:
        return {
            "run_date": self.run_date.isoformat(),
            "invoices": len(self.results),
            "sent": self.count(SENT),
            "fee_invoices": sum(1 for result in self.results if result.fee_invoice_id),
            "skipped": len(self.results) - self.count(SENT) - self.count(FAILED),
            "failed": self.count(FAILED),
        }


def payment_reminders_run(
    *,
    run_date: dt.date | None = None,
    invoice_ids: list[int] | None = None,
    on_invoice: Callable[[ReminderResult], None] | None = None,
    due: list[DueReminder] | None = None,
) -> RunReport:
    """The runner (beat task and `send_payment_reminders`): for every open invoice with a
    level due on the run date (the company's day by default), the highest such level,
    each invoice in its own transaction. `due`: the selection already made by the caller."""
    company = CompanySettings.current()
    run_date = run_date or company_today(company)
    report = RunReport(run_date)
    if not company.reminders_enabled:
        return report
    levels = policy_levels(company)
    if due is None:
        due = reminders_due(run_date=run_date, levels=levels, invoice_ids=invoice_ids)
    for item in due:
        result = payment_reminder_send_due(
            invoice_id=item.invoice_id, run_date=run_date, levels=levels
        )
        report.results.append(result)
        if on_invoice is not None:
            on_invoice(result)
    return report
