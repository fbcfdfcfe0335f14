"""Reads of recurring invoices: scoped lists, the next periods, what a run would bill."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, QuerySet

from accounts.models import User
from common.permissions import is_admin
from invoices.models import ALLOWANCE_CHARGE_FIELDS, ITEM_FIELDS, NumberSequence
from invoices.services._lines import LATEST_DATE
from invoices.totals import breakdown_json, totals_for
from recurring import periods
from recurring.models import (
    RecurringAllowanceCharge,
    RecurringInvoice,
    RecurringItem,
    ScheduleStatus,
)
from recurring.template import fill, placeholder_values


@dataclass(frozen=True)
class Period:
    index: int
    start: dt.date
    end: dt.date


def recurring_invoice_list(*, user: User) -> QuerySet[RecurringInvoice]:
    """The schedules a user may see (staff their own, admins all), with their lines."""
    queryset = RecurringInvoice.objects.prefetch_related(
        Prefetch("items", queryset=RecurringItem.objects.order_by("position", "id")),
        Prefetch(
            "allowances_charges",
            queryset=RecurringAllowanceCharge.objects.order_by("position", "id"),
        ),
    )
    if not is_admin(user):
        queryset = queryset.filter(owner_id=user.id)
    return queryset


def upcoming_periods(
    schedule: RecurringInvoice, *, first: int | None = None, cycles_done: int | None = None
) -> Iterator[Period]:
    """The periods still to bill, from the schedule's cursor, within its end date, its
    maximum number of invoices and the dates a document can carry (till 2099)."""
    first = schedule.next_index if first is None else first
    done = schedule.cycles_done if cycles_done is None else cycles_done
    if schedule.max_cycles is not None and done >= schedule.max_cycles:
        return
    for index, start, end in periods.periods(
        anchor=schedule.start_date,
        frequency=schedule.frequency,
        interval=schedule.interval,
        first=first,
    ):
        if start > LATEST_DATE or (schedule.end_date is not None and start > schedule.end_date):
            return
        yield Period(index, start, end)
        done += 1
        if schedule.max_cycles is not None and done >= schedule.max_cycles:
            return


def next_period(schedule: RecurringInvoice) -> Period | None:
    try:
        return next(upcoming_periods(schedule))
    except (StopIteration, OverflowError, ValueError):
        return None


def due_periods_count(schedule: RecurringInvoice, *, run_date: dt.date, limit: int = 10_000) -> int:
    """How many periods from the cursor start on or before `run_date` (at most `limit`)."""
    count = 0
    for period in upcoming_periods(schedule):
        if period.start > run_date or count >= limit:
            break
        count += 1
    return count


def recurring_issue_date(*, series: str, period_start: dt.date, run_date: dt.date) -> dt.date:
    """The period's start, unless the series already has a later issue date that year:
    then the run date, so numbers stay chronological (ARCHITECTURE.md invariant 4)."""
    latest = (
        NumberSequence.objects.filter(series=series, year=period_start.year)
        .values_list("last_issue_date", flat=True)
        .first()
    )
    if latest is not None and latest > period_start:
        return run_date
    return period_start


def recurring_due_ids(*, run_date: dt.date) -> list[int]:
    """Active schedules with a period starting on or before `run_date`, oldest first."""
    return list(
        RecurringInvoice.objects.filter(
            status=ScheduleStatus.ACTIVE, next_period_start__lte=run_date
        )
        .order_by("next_period_start", "id")
        .values_list("id", flat=True)
    )


def recurring_due_starts(
    *, run_date: dt.date, ids: Sequence[int] | None = None
) -> list[tuple[dt.date, int]]:
    """(next period start, id) of the active schedules due on `run_date` (of `ids`)."""
    queryset = RecurringInvoice.objects.filter(
        status=ScheduleStatus.ACTIVE, next_period_start__lte=run_date
    )
    if ids is not None:
        queryset = queryset.filter(pk__in=list(ids))
    return list(queryset.order_by("next_period_start", "id").values_list("next_period_start", "id"))


def recurring_templates(ids: Sequence[int]) -> QuerySet[RecurringInvoice]:
    """The schedules' `updated_at` and owner with their template lines (three queries)."""
    return (
        RecurringInvoice.objects.filter(pk__in=list(ids))
        .only("id", "updated_at", "owner_id")
        .prefetch_related(
            Prefetch("items", queryset=RecurringItem.objects.order_by("position", "id")),
            Prefetch(
                "allowances_charges",
                queryset=RecurringAllowanceCharge.objects.order_by("position", "id"),
            ),
        )
    )


def template_rows(schedule: RecurringInvoice) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The template's lines as the draft service takes them (prefetched rows are used)."""
    items = [{name: getattr(row, name) for name in ITEM_FIELDS} for row in schedule.items.all()]
    allowances = [
        {name: getattr(row, name) for name in ALLOWANCE_CHARGE_FIELDS}
        for row in schedule.allowances_charges.all()
    ]
    return items, allowances


def filled_items(
    items: list[dict[str, Any]], *, start: dt.date, end: dt.date, language: str
) -> list[dict[str, Any]]:
    values = placeholder_values(start=start, end=end, language=language)
    return [{**row, "description": fill(row["description"], values)} for row in items]


def recurring_invoice_preview(
    *, schedule: RecurringInvoice, today: dt.date, series: str, count: int = 3
) -> list[dict[str, Any]]:
    """The next `count` periods as they would be billed: dates, lines, totals. Writes nothing.

    A period already due shows the issue date a run today would give it.
    """
    if schedule.status in (ScheduleStatus.CANCELLED, ScheduleStatus.COMPLETED):
        return []
    items, allowances = template_rows(schedule)
    customer = schedule.customer
    days = (
        schedule.days_until_due
        if schedule.days_until_due is not None
        else customer.payment_terms_days
    )
    answer = []
    for period in upcoming_periods(schedule):
        if len(answer) >= count:
            break
        lines = filled_items(
            items, start=period.start, end=period.end, language=customer.preferred_language
        )
        totals = totals_for(items=lines, allowances_charges=allowances, currency=schedule.currency)
        issue_date = period.start
        if period.start <= today:
            issue_date = recurring_issue_date(
                series=series, period_start=period.start, run_date=today
            )
        answer.append(
            {
                "period_start": period.start.isoformat(),
                "period_end": period.end.isoformat(),
                "issue_date": issue_date.isoformat(),
                "due_date": (issue_date + dt.timedelta(days=days)).isoformat(),
                "currency": schedule.currency,
                "items": [
                    {
                        "description": line["description"],
                        "quantity": str(line["quantity"]),
                        "unit_price": str(line["unit_price"]),
                        "tax_category": line["tax_category"],
                        "tax_rate": str(line["tax_rate"]),
                        "net_amount": str(net),
                    }
                    for line, net in zip(lines, totals.line_nets, strict=True)
                ],
                "line_total": str(totals.line_total),
                "allowance_total": str(totals.allowance_total),
                "charge_total": str(totals.charge_total),
                "net_total": str(totals.net_total),
                "tax_total": str(totals.tax_total),
                "gross_total": str(totals.gross_total),
                "tax_breakdown": breakdown_json(totals),
            }
        )
    return answer
