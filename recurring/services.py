"""Every write of recurring invoices: schedules, their state, and the billing of periods.

Claim, then act: a period is billed inside one transaction that first inserts its
`RecurringPeriod` row (`INSERT ... ON CONFLICT DO NOTHING RETURNING`, unique per schedule
and period start), then writes its invoice, issued as it is first written (its number;
a draft in the `draft` mode) and queues its e-mail (sent after commit by
documents.sending, at most once). A second runner, a task
delivered twice or a retry finds the period claimed and bills nothing; a refusal rolls
all of it back and is kept in `last_error` for the next run to try again.
"""

from __future__ import annotations

import datetime as dt
import functools
import heapq
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import User
from common.exceptions import BusinessException, ValidationException
from customers.models import Customer
from documents.sending import invoice_send
from invoices.models import (
    ALLOWANCE_CHARGE_FIELDS,
    ITEM_FIELDS,
    OPEN_STATUSES,
    Invoice,
    InvoiceKind,
    InvoiceStatus,
    NumberSequence,
)
from invoices.services._insert import Statement
from invoices.services._lines import (
    allowance_charge_with_defaults,
    check_dates,
    check_lines,
    item_with_defaults,
)
from invoices.services.drafts import (
    DraftParts,
    default_series,
    draft_build,
    invoice_create_draft_parts,
)
from invoices.services.issuing import invoice_create_issued
from recurring import errors
from recurring.models import (
    Frequency,
    IssueMode,
    PeriodOutcome,
    RecurringAllowanceCharge,
    RecurringInvoice,
    RecurringItem,
    RecurringPeriod,
    ScheduleStatus,
)
from recurring.parallel import BatchPool
from recurring.selectors import (
    Period,
    due_periods_count,
    filled_items,
    next_period,
    recurring_due_starts,
    recurring_templates,
    template_rows,
    upcoming_periods,
)
from recurring.template import fill, placeholder_values
from settings_app.calendar import company_timezone, company_today
from settings_app.models import CompanySettings

logger = logging.getLogger(__name__)
UNCHANGED: Any = object()
RATE_PLACES = Decimal("0.01")
DESCRIPTION_MAX = RecurringItem._meta.get_field("description").max_length
# Filled in for the length check of a template: long month names and dates.
_SAMPLE_PERIOD = (dt.date(2000, 9, 30), dt.date(2000, 12, 31))
# A schedule's invoices that keep a `stop_on_unpaid` schedule from billing.
UNPAID_STATUSES = (InvoiceStatus.DRAFT, *OPEN_STATUSES)


# --- the template -----------------------------------------------------------------------


def _prepared_template(
    items: Sequence[dict[str, Any]],
    allowances_charges: Sequence[dict[str, Any]],
    *,
    currency: str,
    language: str,
    company: CompanySettings,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Lines with the invoice defaults, checked by the invoice rules as they will be
    generated (placeholders filled in), tax rates as the columns store them."""
    items = [item_with_defaults(row, company) for row in items]
    allowances = [allowance_charge_with_defaults(row, company) for row in allowances_charges]
    if not items:
        raise ValidationException(
            details={"items": ["A recurring invoice needs at least one line."]}
        )
    start, end = _SAMPLE_PERIOD
    values = placeholder_values(start=start, end=end, language=language)
    filled = [
        {**row, "description": fill(str(row.get("description") or ""), values)} for row in items
    ]
    check_lines(filled, allowances, currency)
    message = f"Ensure this field has no more than {DESCRIPTION_MAX} characters once filled in."
    too_long = {
        str(index): {"description": [message]}
        for index, row in enumerate(filled)
        if len(row["description"]) > DESCRIPTION_MAX
    }
    if too_long:
        raise ValidationException(details={"items": too_long})
    for row in (*items, *allowances):
        row["tax_rate"] = Decimal(row["tax_rate"]).quantize(RATE_PLACES)
    return items, allowances


def _write_items(schedule: RecurringInvoice, items: Sequence[dict[str, Any]]) -> None:
    RecurringItem.objects.bulk_create(
        [
            RecurringItem(schedule=schedule, position=position, **{n: row[n] for n in ITEM_FIELDS})
            for position, row in enumerate(items, start=1)
        ]
    )


def _write_allowances(
    schedule: RecurringInvoice, allowances_charges: Sequence[dict[str, Any]]
) -> None:
    RecurringAllowanceCharge.objects.bulk_create(
        [
            RecurringAllowanceCharge(
                schedule=schedule,
                position=position,
                **{n: row[n] for n in ALLOWANCE_CHARGE_FIELDS},
            )
            for position, row in enumerate(allowances_charges, start=1)
        ]
    )


def _check_calendar(schedule: RecurringInvoice) -> None:
    problems: dict[str, list[str]] = {}
    if schedule.frequency not in Frequency.values:
        problems["frequency"] = [f"Expected one of {', '.join(Frequency.values)}."]
    if not isinstance(schedule.interval, int) or schedule.interval < 1:
        problems["interval"] = ["Ensure this value is greater than or equal to 1."]
    if schedule.max_cycles is not None and schedule.max_cycles < 1:
        problems["max_cycles"] = ["Ensure this value is greater than or equal to 1."]
    if schedule.issue_mode not in IssueMode.values:
        problems["issue_mode"] = [f"Expected one of {', '.join(IssueMode.values)}."]
    if problems:
        raise ValidationException(details=problems)
    check_dates(start_date=schedule.start_date, end_date=schedule.end_date)
    if schedule.end_date is not None and schedule.end_date < schedule.start_date:
        raise ValidationException(
            details={
                "end_date": ["The end date (last period start) cannot be before the start date."]
            }
        )


def _set_cursor(schedule: RecurringInvoice, next_index: int) -> None:
    """Point the schedule at period `next_index`; nothing left makes it `completed`."""
    schedule.next_index = next_index
    following = next_period(schedule)
    schedule.next_period_start = following.start if following else None
    if following is None and schedule.status in (ScheduleStatus.ACTIVE, ScheduleStatus.PAUSED):
        schedule.status = ScheduleStatus.COMPLETED
    elif following is not None and schedule.status == ScheduleStatus.COMPLETED:
        schedule.status = ScheduleStatus.ACTIVE  # an edit gave it periods again


def _lock(schedule: RecurringInvoice) -> RecurringInvoice:
    return (
        RecurringInvoice.objects.select_for_update(of=("self",))
        .select_related("customer")
        .get(pk=schedule.pk)
    )


# --- schedules --------------------------------------------------------------------------


@transaction.atomic
def recurring_invoice_create(
    *,
    owner: User,
    customer: Customer,
    frequency: str,
    start_date: dt.date,
    interval: int = 1,
    end_date: dt.date | None = None,
    max_cycles: int | None = None,
    issue_mode: str = IssueMode.ISSUE,
    stop_on_unpaid: bool = False,
    days_until_due: int | None = None,
    currency: str = "",
    notes: str = "",
    buyer_reference: str = "",
    order_reference: str = "",
    items: Sequence[dict[str, Any]] = (),
    allowances_charges: Sequence[dict[str, Any]] = (),
) -> RecurringInvoice:
    """A schedule whose first period starts on `start_date` (the anchor)."""
    if customer.is_deleted:
        raise ValidationException(details={"customer": ["The customer was deleted."]})
    company = CompanySettings.current()
    schedule = RecurringInvoice(
        owner=owner,
        customer=customer,
        frequency=frequency,
        interval=interval,
        start_date=start_date,
        end_date=end_date,
        max_cycles=max_cycles,
        issue_mode=issue_mode,
        stop_on_unpaid=stop_on_unpaid,
        days_until_due=days_until_due,
        currency=currency or customer.currency,
        notes=notes,
        buyer_reference=buyer_reference,
        order_reference=order_reference,
    )
    _check_calendar(schedule)
    items, allowances = _prepared_template(
        items,
        allowances_charges,
        currency=schedule.currency,
        language=customer.preferred_language,
        company=company,
    )
    _set_cursor(schedule, 0)
    schedule.save()
    _write_items(schedule, items)
    _write_allowances(schedule, allowances)
    return schedule


@transaction.atomic
def recurring_invoice_update(
    *,
    schedule: RecurringInvoice,
    customer: Customer = UNCHANGED,
    frequency: str = UNCHANGED,
    interval: int = UNCHANGED,
    start_date: dt.date = UNCHANGED,
    end_date: dt.date | None = UNCHANGED,
    max_cycles: int | None = UNCHANGED,
    issue_mode: str = UNCHANGED,
    stop_on_unpaid: bool = UNCHANGED,
    days_until_due: int | None = UNCHANGED,
    currency: str = UNCHANGED,
    notes: str = UNCHANGED,
    buyer_reference: str = UNCHANGED,
    order_reference: str = UNCHANGED,
    items: Sequence[dict[str, Any]] | None = None,
    allowances_charges: Sequence[dict[str, Any]] | None = None,
) -> RecurringInvoice:
    """Change a schedule; it applies to the periods not billed yet (invoices already
    generated are ordinary invoices). Given lines replace the old ones whole. The
    calendar (frequency, interval, anchor) is fixed once a period was billed."""
    schedule = _lock(schedule)
    if schedule.status == ScheduleStatus.CANCELLED:
        raise errors.RecurringEnded()
    calendar = {"frequency": frequency, "interval": interval, "start_date": start_date}
    moved = {
        name: value
        for name, value in calendar.items()
        if value is not UNCHANGED and value != getattr(schedule, name)
    }
    if moved and schedule.periods.exists():
        raise errors.RecurringCalendarFixed(
            details={name: ["Fixed once a period was billed."] for name in moved}
        )
    if customer is not UNCHANGED and customer.pk != schedule.customer_id:
        if customer.is_deleted:
            raise ValidationException(details={"customer": ["The customer was deleted."]})
        schedule.customer = customer
        if currency is UNCHANGED:
            schedule.currency = customer.currency
    changes = {
        **calendar,
        "end_date": end_date,
        "max_cycles": max_cycles,
        "issue_mode": issue_mode,
        "stop_on_unpaid": stop_on_unpaid,
        "days_until_due": days_until_due,
        "notes": notes,
        "buyer_reference": buyer_reference,
        "order_reference": order_reference,
    }
    for name, value in changes.items():
        if value is not UNCHANGED:
            setattr(schedule, name, value)
    if currency is not UNCHANGED:
        schedule.currency = currency or schedule.customer.currency
    _check_calendar(schedule)
    current_items, current_allowances = template_rows(schedule)
    new_items, new_allowances = _prepared_template(
        current_items if items is None else items,
        current_allowances if allowances_charges is None else allowances_charges,
        currency=schedule.currency,
        language=schedule.customer.preferred_language,
        company=CompanySettings.current(),
    )
    _set_cursor(schedule, schedule.next_index)
    schedule.save()
    if items is not None:
        schedule.items.all().delete()
        _write_items(schedule, new_items)
    if allowances_charges is not None:
        schedule.allowances_charges.all().delete()
        _write_allowances(schedule, new_allowances)
    return schedule


@transaction.atomic
def recurring_invoice_delete(*, schedule: RecurringInvoice) -> None:
    """Only a schedule that generated no invoice goes; one with invoices is cancelled."""
    schedule = _lock(schedule)
    generated = Invoice.objects.filter(recurring_invoice_id=schedule.pk).count()
    if generated:
        raise errors.RecurringHasInvoices(details={"invoices": [f"{generated} generated."]})
    schedule.delete()


@transaction.atomic
def recurring_invoice_pause(*, schedule: RecurringInvoice) -> RecurringInvoice:
    schedule = _lock(schedule)
    if schedule.status != ScheduleStatus.ACTIVE:
        raise errors.RecurringNotActive(details={"status": [schedule.status]})
    schedule.status = ScheduleStatus.PAUSED
    schedule.paused_at = timezone.now()
    schedule.save(update_fields=["status", "paused_at", "updated_at"])
    return schedule


@transaction.atomic
def recurring_invoice_resume(
    *, schedule: RecurringInvoice, catch_up: bool = False, today: dt.date | None = None
) -> RecurringInvoice:
    """Active again. The periods that started while it was paused (after the day of the
    pause, up to today) are recorded as skipped unless `catch_up`: then the next run
    bills them (bounded by RECURRING_MAX_CATCHUP per run). Periods that were due before
    the pause stay due either way."""
    schedule = _lock(schedule)
    if schedule.status != ScheduleStatus.PAUSED:
        raise errors.RecurringNotPaused(details={"status": [schedule.status]})
    today = today or company_today()
    schedule.status = ScheduleStatus.ACTIVE
    if not catch_up:
        paused_on = (
            timezone.localtime(schedule.paused_at, company_timezone()).date()
            if schedule.paused_at
            else today
        )
        skipped = []
        for period in upcoming_periods(schedule):
            if period.start > today:
                break
            if period.start > paused_on:
                skipped.append(period)
        _record_skipped(schedule, skipped, PeriodOutcome.SKIPPED_PAUSED)
        if skipped and skipped[0].index == schedule.next_index:
            _set_cursor(schedule, skipped[-1].index + 1)
    schedule.paused_at = None
    _set_cursor(schedule, schedule.next_index)
    schedule.save()
    return schedule


def _record_skipped(schedule: RecurringInvoice, skipped: Sequence[Period], outcome: str) -> None:
    RecurringPeriod.objects.bulk_create(
        [
            RecurringPeriod(
                schedule=schedule,
                period_index=period.index,
                period_start=period.start,
                period_end=period.end,
                outcome=outcome,
            )
            for period in skipped
        ],
        ignore_conflicts=True,  # already billed or skipped: it stays as it is
    )


@transaction.atomic
def recurring_invoice_cancel(*, schedule: RecurringInvoice) -> RecurringInvoice:
    """No more periods, for ever; its invoices stay as they are."""
    schedule = _lock(schedule)
    if schedule.status not in (ScheduleStatus.ACTIVE, ScheduleStatus.PAUSED):
        raise errors.RecurringEnded(
            f"The schedule is already {schedule.status}.", details={"status": [schedule.status]}
        )
    schedule.status = ScheduleStatus.CANCELLED
    schedule.next_period_start = None
    schedule.save(update_fields=["status", "next_period_start", "updated_at"])
    return schedule


# --- billing a period -------------------------------------------------------------------

# What one attempt at a schedule's next period did.
INVOICED = PeriodOutcome.INVOICED.value
SKIPPED_UNPAID = PeriodOutcome.SKIPPED_UNPAID.value
ALREADY_CLAIMED = "already_claimed"  # billed or skipped before: the cursor moved past it
NOT_DUE = "not_due"
FINISHED = "finished"  # nothing left: the schedule is completed
BUSY = "busy"  # another runner holds the schedule right now
INACTIVE = "inactive"  # paused, cancelled, completed or deleted meanwhile
FAILED = "failed"
# Schedules billed per batch: their template lines are read in two queries.
BATCH_SIZE = 50


@dataclass(frozen=True)
class PeriodResult:
    outcome: str
    period_start: dt.date | None = None
    invoice_id: int | None = None
    error: dict[str, Any] | None = None
    next_start: dt.date | None = None  # the schedule's next period after this attempt


@dataclass(frozen=True)
class Template:
    """A schedule's lines read before its lock; used only while the locked row still has
    this `updated_at` (every template edit saves the schedule in the same transaction)."""

    updated_at: dt.datetime
    items: list[dict[str, Any]]
    allowances: list[dict[str, Any]]


@dataclass(frozen=True)
class Claim:
    period_id: int
    latest_issue_date: dt.date | None  # of the series in the period's year, when claimed


def _claim(schedule: RecurringInvoice, period: Period, outcome: str, series: str) -> Claim | None:
    """Insert the period's row; its id when this caller claimed it, None when it exists.

    One statement: on PostgreSQL a concurrent claim of the same period waits for the
    first one's transaction and then finds the row (nothing inserted, nothing answered).
    It also answers the latest issue date of the series in the period's year (the
    number's counter row, not locked), which decides the issue date.
    """
    ops = connection.ops
    table = ops.quote_name(RecurringPeriod._meta.db_table)
    counter = ops.quote_name(NumberSequence._meta.db_table)
    # The table names are the models' own; the values are bound parameters.
    sql = (
        f"INSERT INTO {table} (schedule_id, period_index, period_start, period_end, "  # noqa: S608
        "outcome, created_at) VALUES (%s, %s, %s, %s, %s, %s) "
        "ON CONFLICT DO NOTHING RETURNING id, "
        f"(SELECT last_issue_date FROM {counter} WHERE series = %s AND year = %s)"
    )
    params = [
        schedule.pk,
        period.index,
        ops.adapt_datefield_value(period.start),
        ops.adapt_datefield_value(period.end),
        outcome,
        ops.adapt_datetimefield_value(timezone.now()),
        series,
        period.start.year,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    latest = row[1]
    if isinstance(latest, str):  # SQLite answers the stored text
        latest = dt.date.fromisoformat(latest)
    return Claim(row[0], latest)


def _has_unpaid(schedule: RecurringInvoice) -> bool:
    return Invoice.objects.filter(
        recurring_invoice_id=schedule.pk, kind=InvoiceKind.INVOICE, status__in=UNPAID_STATUSES
    ).exists()


def _draft_parts(
    schedule: RecurringInvoice,
    period: Period,
    run_date: dt.date,
    company: CompanySettings,
    template: Template | None,
    claim: Claim,
) -> DraftParts:
    """The period's draft from the template, in memory, dated by the period (or by the
    run date when the series already has a later issue date: numbers stay
    chronological, ARCHITECTURE.md invariant 4)."""
    customer = schedule.customer
    if template is not None and template.updated_at == schedule.updated_at:
        items, allowances = template.items, template.allowances
    else:  # edited since it was read (or not read): the locked schedule's lines
        items, allowances = template_rows(schedule)
    items = filled_items(
        items, start=period.start, end=period.end, language=customer.preferred_language
    )
    latest = claim.latest_issue_date
    issue_date = run_date if latest is not None and latest > period.start else period.start
    days = (
        schedule.days_until_due
        if schedule.days_until_due is not None
        else customer.payment_terms_days
    )
    return draft_build(
        owner=schedule.owner,
        customer=customer,
        items=items,
        allowances_charges=allowances,
        series=default_series(InvoiceKind.INVOICE, company),
        issue_date=issue_date,
        due_date=issue_date + dt.timedelta(days=days),
        currency=schedule.currency,
        buyer_reference=schedule.buyer_reference,
        notes=schedule.notes,
        order_reference=schedule.order_reference,
        period_start=period.start,
        period_end=period.end,
        recurring_invoice_id=schedule.pk,
        company=company,
    )


def _write_draft(parts: DraftParts, claim: Claim) -> Invoice:
    """A draft-mode period: the draft written as `invoice_create_draft` writes it."""
    invoice = invoice_create_draft_parts(parts)
    RecurringPeriod.objects.filter(pk=claim.period_id).update(invoice=invoice)
    return invoice


def _schedule_writes(schedule: RecurringInvoice, claim: Claim) -> Callable[[str], list[Statement]]:
    """The period's row and the schedule's cursor, written with the issued invoice (one
    statement on PostgreSQL, see `invoice_create_issued`)."""
    ops = connection.ops
    periods = ops.quote_name(RecurringPeriod._meta.db_table)
    schedules = ops.quote_name(RecurringInvoice._meta.db_table)
    schedule.updated_at = timezone.now()
    cursor_params = [
        schedule.next_index,
        ops.adapt_datefield_value(schedule.next_period_start),
        schedule.status,
        schedule.cycles_done,
        ops.adapt_datetimefield_value(schedule.last_run_at),
        ops.adapt_datetimefield_value(schedule.updated_at),
        schedule.pk,
    ]

    def writes(invoice_id: str) -> list[Statement]:
        # Table names are the models' own, `invoice_id` the SQL of the new id; values
        # are bound parameters.
        return [
            (
                f"UPDATE {periods} SET invoice_id = {invoice_id} WHERE id = %s",  # noqa: S608
                [claim.period_id],
            ),
            (
                f"UPDATE {schedules} SET next_index = %s, next_period_start = %s, "  # noqa: S608
                "status = %s, cycles_done = %s, last_run_at = %s, last_error = NULL, "
                "updated_at = %s WHERE id = %s",
                cursor_params,
            ),
        ]

    return writes


def _send(schedule: RecurringInvoice, invoice: Invoice) -> None:
    if schedule.issue_mode == IssueMode.ISSUE_AND_SEND:
        invoice_send(invoice=invoice, by=None)  # queued; the e-mail leaves after commit


_SCHEDULE_COLUMNS = tuple(field.attname for field in RecurringInvoice._meta.concrete_fields)
_CUSTOMER_COLUMNS = tuple(field.attname for field in Customer._meta.concrete_fields)


@functools.cache
def _lock_sql(vendor: str) -> str:
    quote = connection.ops.quote_name
    columns = [f"s.{quote(name)}" for name in _SCHEDULE_COLUMNS]
    columns += [f"c.{quote(name)}" for name in _CUSTOMER_COLUMNS]
    sql = (
        f"SELECT {', '.join(columns)} FROM {quote(RecurringInvoice._meta.db_table)} s "  # noqa: S608
        f"INNER JOIN {quote(Customer._meta.db_table)} c ON c.id = s.customer_id "
        "WHERE s.id = %s"
    )
    # SQLite has one writer at a time and no row locks.
    return sql + (" FOR UPDATE OF s SKIP LOCKED" if vendor == "postgresql" else "")


@functools.cache
def _lock_converters(vendor: str) -> tuple[tuple[int, Any, list[Any]], ...]:
    """(position, column, converters) of the columns the backend answers in another
    form than the field's (dates on SQLite, JSON): what the ORM's compiler applies."""
    found = []
    columns = [(RecurringInvoice, name) for name in _SCHEDULE_COLUMNS]
    columns += [(Customer, name) for name in _CUSTOMER_COLUMNS]
    for position, (model, name) in enumerate(columns):
        column = model._meta.get_field(name).get_col(model._meta.db_table)
        converters = connection.ops.get_db_converters(column)
        converters += column.get_db_converters(connection)
        if converters:
            found.append((position, column, converters))
    return tuple(found)


def _converted(row: Sequence[Any]) -> list[Any]:
    values = list(row)
    for position, column, converters in _lock_converters(connection.vendor):
        for converter in converters:
            values[position] = converter(values[position], column, connection)
    return values


def _locked_schedule(
    schedule_id: int, owners: dict[int, User] | None = None
) -> RecurringInvoice | None:
    """The schedule, locked, with its customer (not locked), or None while another
    runner holds it (skip_locked); one statement. `owners`: the batch's, read before.

    The lock spares a second runner the work; the claim alone already keeps a period
    from being billed twice (recurring/tests/test_concurrency_postgres.py races without it).
    """
    with connection.cursor() as cursor:
        cursor.execute(_lock_sql(connection.vendor), [schedule_id])
        row = cursor.fetchone()
    if row is None:
        return None
    row = _converted(row)
    count = len(_SCHEDULE_COLUMNS)
    db = connection.alias
    schedule = RecurringInvoice.from_db(db, _SCHEDULE_COLUMNS, row[:count])
    schedule.customer = Customer.from_db(db, _CUSTOMER_COLUMNS, row[count:])
    owner = (owners or {}).get(schedule.owner_id)
    if owner is not None:
        schedule.owner = owner
    return schedule


@transaction.atomic
def _bill_next(
    schedule_id: int,
    run_date: dt.date,
    company: CompanySettings | None = None,
    template: Template | None = None,
    owners: dict[int, User] | None = None,
) -> PeriodResult:
    schedule = _locked_schedule(schedule_id, owners)
    if schedule is None:
        exists = RecurringInvoice.objects.filter(pk=schedule_id).exists()
        return PeriodResult(BUSY if exists else INACTIVE)
    if schedule.status != ScheduleStatus.ACTIVE:
        return PeriodResult(INACTIVE)
    period = next_period(schedule)
    if period is None:
        _set_cursor(schedule, schedule.next_index)
        schedule.save(update_fields=["status", "next_period_start", "updated_at"])
        return PeriodResult(FINISHED)
    if period.start > run_date:
        return PeriodResult(NOT_DUE, period.start)
    company = company or CompanySettings.load()  # the seller's snapshot is legal text
    outcome = SKIPPED_UNPAID if schedule.stop_on_unpaid and _has_unpaid(schedule) else INVOICED
    claim = _claim(schedule, period, outcome, default_series(InvoiceKind.INVOICE, company))
    if claim is None:
        _set_cursor(schedule, period.index + 1)
        schedule.save(update_fields=["next_index", "next_period_start", "status", "updated_at"])
        return PeriodResult(ALREADY_CLAIMED, period.start, next_start=schedule.next_period_start)
    parts = None
    if outcome == INVOICED:
        parts = _draft_parts(schedule, period, run_date, company, template, claim)
        schedule.cycles_done += 1
    _set_cursor(schedule, period.index + 1)
    schedule.last_run_at = timezone.now()
    schedule.last_error = None
    invoice = None
    if parts is not None and schedule.issue_mode != IssueMode.DRAFT:
        # Issued as it is first written, the period and the cursor in the same statement.
        invoice = invoice_create_issued(
            draft=parts, company=company, writes=_schedule_writes(schedule, claim)
        )
        _send(schedule, invoice)
    else:
        if parts is not None:
            invoice = _write_draft(parts, claim)
        schedule.save(
            update_fields=[
                "next_index",
                "next_period_start",
                "status",
                "cycles_done",
                "last_run_at",
                "last_error",
                "updated_at",
            ]
        )
    return PeriodResult(
        outcome,
        period.start,
        invoice.pk if invoice else None,
        next_start=schedule.next_period_start,
    )


def _error(code: str, message: str, details: Any, period_start: dt.date | None) -> dict[str, Any]:
    return {
        "code": code,
        "message": message,
        "details": details or {},
        "period_start": period_start.isoformat() if period_start else None,
        "at": timezone.now().isoformat(),
    }


def _record_error(schedule_id: int, error: dict[str, Any]) -> None:
    now = timezone.now()
    RecurringInvoice.objects.filter(pk=schedule_id).update(
        last_error=error, last_run_at=now, updated_at=now
    )


def recurring_period_bill(
    *,
    schedule_id: int,
    run_date: dt.date,
    company: CompanySettings | None = None,
    template: Template | None = None,
    owners: dict[int, User] | None = None,
) -> PeriodResult:
    """Bill (or skip) the schedule's next period if it is due on `run_date`.

    All or nothing: a refusal (the customer lost its address, an e-invoice rule, no
    e-mail address to send to) leaves no row behind and is kept in `last_error`; the
    next run tries the same period again. `company` (the settings row, read from the
    database), `template` (the lines, read before the lock) and `owners` spare a batch
    its per-period reads.
    """
    try:
        return _bill_next(schedule_id, run_date, company, template, owners)
    except BusinessException as exc:
        period = _next_start(schedule_id)
        error = _error(exc.code, exc.message, exc.details, period)
        logger.warning("Recurring invoice %s, period %s: %s", schedule_id, period, exc.code)
    except Exception as exc:
        logger.exception("Recurring invoice %s: billing failed", schedule_id)
        period = _next_start(schedule_id)
        error = _error(errors.INTERNAL_ERROR, f"{type(exc).__name__}: {exc}", {}, period)
    _record_error(schedule_id, error)
    return PeriodResult(FAILED, period, error=error)


def _next_start(schedule_id: int) -> dt.date | None:
    return (
        RecurringInvoice.objects.filter(pk=schedule_id)
        .values_list("next_period_start", flat=True)
        .first()
    )


def recurring_batch_bill(
    schedule_ids: Sequence[int], *, run_date: dt.date
) -> list[tuple[int, PeriodResult]]:
    """The next period of each schedule, each in its own transaction. Read once for the
    batch: the company's settings (from the database: the seller's snapshot is legal
    text), the templates (three queries) and their owners (one)."""
    company = CompanySettings.load()
    schedules = list(recurring_templates(schedule_ids))
    templates = {
        schedule.pk: Template(schedule.updated_at, *template_rows(schedule))
        for schedule in schedules
    }
    owners = User.objects.in_bulk({schedule.owner_id for schedule in schedules})
    return [
        (
            schedule_id,
            recurring_period_bill(
                schedule_id=schedule_id,
                run_date=run_date,
                company=company,
                template=templates.get(schedule_id),
                owners=owners,
            ),
        )
        for schedule_id in schedule_ids
    ]


# --- runs -------------------------------------------------------------------------------


@dataclass
class ScheduleRun:
    schedule_id: int
    invoice_ids: list[int] = field(default_factory=list)
    skipped: int = 0
    failed: dict[str, Any] | None = None
    busy: bool = False
    more_due: int = 0


@dataclass
class RunReport:
    run_date: dt.date
    schedules: list[ScheduleRun] = field(default_factory=list)

    @property
    def invoices(self) -> int:
        return sum(len(run.invoice_ids) for run in self.schedules)

    @property
    def failures(self) -> int:
        return sum(1 for run in self.schedules if run.failed)

    def summary(self) -> dict[str, Any]:
        return {
            "run_date": self.run_date.isoformat(),
            "schedules": len(self.schedules),
            "invoices": self.invoices,
            "skipped": sum(run.skipped for run in self.schedules),
            "failed": self.failures,
            "busy": sum(1 for run in self.schedules if run.busy),
            "more_due": sum(run.more_due for run in self.schedules),
        }


def recurring_invoice_bill_due(
    *, schedule_id: int, run_date: dt.date, limit: int | None = None
) -> ScheduleRun:
    """Every due period of one schedule (see `recurring_run`)."""
    report = recurring_run(run_date=run_date, schedule_ids=[schedule_id], limit=limit)
    return report.schedules[0] if report.schedules else ScheduleRun(schedule_id)


def recurring_run(
    *,
    run_date: dt.date | None = None,
    schedule_ids: Sequence[int] | None = None,
    on_schedule: Callable[[ScheduleRun], None] | None = None,
    limit: int | None = None,
    workers: int = 1,
) -> RunReport:
    """The runner (beat task and `run_recurring_invoices`): every period of the active
    schedules that starts on or before the run date (the company's day by default).

    Periods are billed in date order across all schedules, one date at a time (a wave:
    the schedules whose next period starts that day), each period in its own
    transaction, so each keeps its own start as issue date whenever the numbering
    allows. `workers` > 1 splits each wave over as many processes (PostgreSQL): the
    periods of one day may be numbered in any order among themselves, never before an
    earlier day's. At most `limit` (RECURRING_MAX_CATCHUP) periods per schedule and
    run: what is left is said in `last_error` and billed by the next runs, never
    skipped. A schedule stops at its first refusal (kept in `last_error`, tried again
    at the next run).
    """
    run_date = run_date or company_today()
    limit = settings.RECURRING_MAX_CATCHUP if limit is None else limit
    heap = recurring_due_starts(run_date=run_date, ids=schedule_ids)
    heapq.heapify(heap)
    runs = {schedule_id: ScheduleRun(schedule_id) for _, schedule_id in heap}
    handled: dict[int, int] = dict.fromkeys(runs, 0)
    report = RunReport(run_date)
    bill = functools.partial(recurring_batch_bill, run_date=run_date)

    def finish(run: ScheduleRun) -> None:
        report.schedules.append(run)
        if on_schedule is not None:
            on_schedule(run)

    def settle(schedule_id: int, result: PeriodResult) -> None:
        run = runs[schedule_id]
        if result.outcome == INVOICED:
            run.invoice_ids.append(result.invoice_id)
            handled[schedule_id] += 1
        elif result.outcome == SKIPPED_UNPAID:
            run.skipped += 1
            handled[schedule_id] += 1
        elif result.outcome != ALREADY_CLAIMED:  # moved past a period recorded before
            run.busy = result.outcome == BUSY
            run.failed = result.error
            finish(run)
            return
        if result.next_start is None or result.next_start > run_date:
            finish(run)
        elif handled[schedule_id] < limit:
            heapq.heappush(heap, (result.next_start, schedule_id))
        else:
            _catch_up_cut(run, run_date, limit)
            finish(run)

    with BatchPool(workers) as pool:
        while heap:
            day = heap[0][0]
            wave = []
            while heap and heap[0][0] == day:
                wave.append(heapq.heappop(heap)[1])
            batches = [wave[i : i + BATCH_SIZE] for i in range(0, len(wave), BATCH_SIZE)]
            for results in pool.map(bill, batches):
                for schedule_id, result in results:
                    settle(schedule_id, result)
    return report


def _catch_up_cut(run: ScheduleRun, run_date: dt.date, limit: int) -> None:
    schedule = RecurringInvoice.objects.filter(pk=run.schedule_id).first()
    if schedule is None:
        return
    run.more_due = due_periods_count(schedule, run_date=run_date)
    if run.more_due:
        _record_error(
            run.schedule_id,
            _error(
                errors.CATCH_UP_LIMIT,
                f"{run.more_due} more period(s) are due; at most {limit} are billed per run, "
                "the next runs bill the rest.",
                {"periods_due": run.more_due},
                schedule.next_period_start,
            ),
        )
