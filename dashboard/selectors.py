"""The back office's dashboard figures, for the invoices a user may see.

Totals, months and aging come from the reports' own selectors (`invoice_summary`,
`invoice_aging`), so the dashboard and `/api/reports/` can never disagree; only the
lists (largest debtors, most overdue invoices) and the money collected per month
(payments by their date, which the summary does not group by) are read here. A fixed
number of queries whatever the data: two for aging, one summary for the totals and one
per month, one each for payments, debtors and overdue invoices.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, QuerySet, Sum, Window
from django.db.models.functions import RowNumber, TruncMonth

from accounts.models import User
from invoices.calculation import round_money
from invoices.models import OPEN_STATUSES, Invoice, InvoiceKind, Payment
from invoices.selectors import invoice_aging, invoice_list, invoice_summary, overdue_q

MONTHS = 12
DEBTORS = 5
OVERDUE = 10


def month_starts(today: dt.date, count: int = MONTHS) -> list[dt.date]:
    """The first days of the last `count` months, the current one last."""
    year, month = today.year, today.month
    starts = []
    for _ in range(count):
        starts.append(dt.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return starts[::-1]


def _month_end(start: dt.date) -> dt.date:
    following = dt.date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


def dashboard_months(*, invoices: QuerySet[Invoice], today: dt.date) -> list[dict[str, Any]]:
    """Per month: `invoiced` per currency (the summary report's figure for issue dates in
    the month) and `collected` (payments dated in the month on invoices, refunds aside)."""
    starts = month_starts(today)
    collected: dict[tuple[dt.date, str], Decimal] = {}
    payments = (
        Payment.objects.filter(
            invoice__in=invoices,
            invoice__kind=InvoiceKind.INVOICE,
            date__gte=starts[0],
            date__lte=today,
        )
        .annotate(month=TruncMonth("date"), currency=F("invoice__currency"))
        .values("month", "currency")
        .annotate(amount=Sum("amount"))
        .order_by()
    )
    for row in payments:
        month = row["month"]
        month = month.date() if isinstance(month, dt.datetime) else month
        collected[(month, row["currency"])] = round_money(row["amount"], row["currency"])
    months = []
    for start in starts:
        summary = invoice_summary(
            invoices=invoices, today=today, date_from=start, date_to=_month_end(start)
        )
        months.append(
            {
                "start": start,
                "end": _month_end(start),
                "invoiced": {
                    row["currency"]: Decimal(row["invoiced"]) for row in summary["currencies"]
                },
                "collected": {
                    currency: amount
                    for (month, currency), amount in collected.items()
                    if month == start
                },
            }
        )
    return months


def dashboard_debtors(*, invoices: QuerySet[Invoice]) -> list[dict[str, Any]]:
    """The customers owing most, per currency (open invoices' amount due), largest first."""
    ranked = (
        invoices.filter(kind=InvoiceKind.INVOICE, status__in=OPEN_STATUSES)
        .values("customer_id", "customer__name", "currency")
        .annotate(amount_due=Sum("amount_due"), invoice_count=Count("*"))
        .annotate(
            rank=Window(RowNumber(), partition_by=F("currency"), order_by=F("amount_due").desc())
        )
        .filter(rank__lte=DEBTORS)
        .order_by("currency", "rank")
    )
    return list(ranked)


def dashboard_overdue(*, invoices: QuerySet[Invoice], today: dt.date) -> list[dict[str, Any]]:
    rows = (
        invoices.filter(overdue_q())
        .order_by("due_date", "id")
        .values(
            "id", "number", "customer_id", "customer__name", "due_date", "amount_due", "currency"
        )[:OVERDUE]
    )
    return [{**row, "days_overdue": (today - row["due_date"]).days} for row in rows]


def dashboard_figures(*, user: User, today: dt.date) -> dict[str, Any]:
    invoices = invoice_list(user=user)
    return {
        "today": today,
        "summary": invoice_summary(invoices=invoices, today=today),
        "aging": invoice_aging(invoices=invoices, today=today),
        "months": dashboard_months(invoices=invoices, today=today),
        "debtors": dashboard_debtors(invoices=invoices),
        "overdue": dashboard_overdue(invoices=invoices, today=today),
    }
