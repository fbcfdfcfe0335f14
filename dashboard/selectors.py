"""The back office's dashboard figures, for the invoices a user may see.

Totals, months and aging come from the reports' own selectors (`invoice_summary`,
`invoice_aging`), so the dashboard and `/api/reports/` can never disagree; only the
lists (largest debtors, most overdue invoices) and the money collected per month
(payments by their date, which the summary does not group by) are read here. A fixed
number of queries whatever the data: two for aging, one summary for the totals and one
per month, one each for payments, debtors and overdue invoices.

At a million invoices: "collected" reads the payment rollups (`PaymentRollup`, one row
per owner, day, currency and kind) when the invoices are a report scope
(`invoices.rollups.rollup_scope`), the payments themselves for any other queryset. The
debtors are the customers' `balance_due` (their statistics), read per currency from the
partial index `customer_debtors`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import F, QuerySet, Sum, Window
from django.db.models.functions import RowNumber, TruncMonth

from accounts.models import User
from common.permissions import is_admin
from customers.models import Customer
from invoices.calculation import round_money
from invoices.models import Invoice, InvoiceKind, Payment, PaymentRollup
from invoices.rollups import rollup_scope
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
    for row in _collected(invoices, starts[0], today):
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


def _collected(invoices: QuerySet[Invoice], first: dt.date, today: dt.date) -> QuerySet:
    """Payments on invoices (refunds aside) dated `first`..`today`, per month and currency."""
    scope = rollup_scope(invoices)
    if scope is not None:
        rows = PaymentRollup.objects.filter(
            scope, kind=InvoiceKind.INVOICE, date__gte=first, date__lte=today
        ).annotate(month=TruncMonth("date"))
    else:
        rows = Payment.objects.filter(
            invoice__in=invoices,
            invoice__kind=InvoiceKind.INVOICE,
            date__gte=first,
            date__lte=today,
        ).annotate(month=TruncMonth("date"), currency=F("invoice__currency"))
    return rows.values("month", "currency").annotate(amount=Sum("amount")).order_by()


def dashboard_debtors(*, user: User) -> list[dict[str, Any]]:
    """The customers owing most, per currency, largest first: their `balance_due` (the
    customer list's figure, which the card's link orders by: open invoices' amount due
    minus the refunds owed on credit notes) in the customer's currency, for the customers
    the user may see (soft-deleted ones too: what they owe is still owed).

    PostgreSQL: each currency's first rows of the partial index `customer_debtors`
    (currencies found by skipping through it), a few index probes whatever the data;
    elsewhere one windowed query."""
    customers = Customer.all_objects.filter(balance_due__gt=0)
    if not is_admin(user):
        customers = customers.filter(owner_id=user.id)
    if connection.vendor != "postgresql":
        ranked = (
            customers.annotate(
                rank=Window(
                    RowNumber(),
                    partition_by=F("currency"),
                    order_by=[F("balance_due").desc(), F("id")],
                )
            )
            .filter(rank__lte=DEBTORS)
            .order_by("currency", "rank")
            .values_list("id", "name", "currency", "balance_due")
        )
        rows = list(ranked)
    else:
        owner = "" if is_admin(user) else "AND c.owner_id = %(owner)s"
        table = connection.ops.quote_name(Customer._meta.db_table)
        # Only the model's own names and `owner` above are put into the text; values bound.
        sql = f"""
            WITH RECURSIVE currencies(currency) AS (
                (SELECT c.currency FROM {table} c WHERE c.balance_due > 0 {owner}
                 ORDER BY c.currency LIMIT 1)
                UNION ALL
                SELECT (SELECT c.currency FROM {table} c
                        WHERE c.balance_due > 0 {owner} AND c.currency > currencies.currency
                        ORDER BY c.currency LIMIT 1)
                FROM currencies WHERE currencies.currency IS NOT NULL
            )
            SELECT top.id, top.name, top.currency, top.balance_due
            FROM currencies CROSS JOIN LATERAL (
                SELECT c.id, c.name, c.currency, c.balance_due FROM {table} c
                WHERE c.balance_due > 0 {owner} AND c.currency = currencies.currency
                ORDER BY c.balance_due DESC, c.id LIMIT %(limit)s
            ) top
            WHERE currencies.currency IS NOT NULL
            ORDER BY top.currency, top.balance_due DESC, top.id
        """  # noqa: S608
        with connection.cursor() as cursor:
            cursor.execute(sql, {"owner": user.id, "limit": DEBTORS})
            rows = cursor.fetchall()
    return [
        {
            "customer_id": customer_id,
            "customer__name": name,
            "currency": currency,
            "amount_due": Decimal(balance),
        }
        for customer_id, name, currency, balance in rows
    ]


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
        "debtors": dashboard_debtors(user=user),
        "overdue": dashboard_overdue(invoices=invoices, today=today),
    }
