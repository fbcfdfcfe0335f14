"""Receivables reports: one grouped query each, whatever the number of invoices."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Count, DecimalField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from invoices.calculation import round_money
from invoices.models import COUNTED_STATUSES, OPEN_STATUSES, Invoice, InvoiceKind, InvoiceStatus

ZERO = Value(Decimal("0"), output_field=DecimalField(max_digits=19, decimal_places=4))
# (name, first day overdue, last day overdue); None = open-ended.
AGING_BUCKETS: tuple[tuple[str, int | None, int | None], ...] = (
    ("current", None, 0),
    ("1_30", 1, 30),
    ("31_60", 31, 60),
    ("61_90", 61, 90),
    ("over_90", 91, None),
)


def _sum(field: str, condition: Q) -> Coalesce:
    return Coalesce(Sum(field, filter=condition), ZERO)


def _money(value: Decimal, currency: str) -> str:
    return str(round_money(value, currency))


def invoice_aging(*, invoices: QuerySet[Invoice], today: dt.date) -> dict[str, Any]:
    """Open receivables (issued and partially paid invoices) by days past due, per currency."""
    buckets: dict[str, Q] = {}
    for name, first, last in AGING_BUCKETS:
        condition = Q()
        if first is not None:  # overdue by at least `first` days: due on or before today-first
            condition &= Q(due_date__lte=today - dt.timedelta(days=first))
        if last is not None:
            condition &= Q(due_date__gte=today - dt.timedelta(days=last))
        buckets[name] = condition
    aggregates: dict[str, Any] = {"total": _sum("amount_due", Q()), "count": Count("id")}
    for name, condition in buckets.items():
        aggregates[f"{name}__amount"] = _sum("amount_due", condition)
        aggregates[f"{name}__count"] = Count("id", filter=condition)
    rows = (
        invoices.filter(kind=InvoiceKind.INVOICE, status__in=OPEN_STATUSES)
        .values("currency")
        .annotate(**aggregates)
        .order_by("currency")
    )
    return {
        "as_of": today.isoformat(),
        "currencies": [
            {
                "currency": row["currency"],
                "total_due": _money(row["total"], row["currency"]),
                "invoice_count": row["count"],
                "buckets": [
                    {
                        "bucket": name,
                        "amount_due": _money(row[f"{name}__amount"], row["currency"]),
                        "invoice_count": row[f"{name}__count"],
                    }
                    for name, _, _ in AGING_BUCKETS
                ],
            }
            for row in rows
        ],
    }


def invoice_summary(
    *,
    invoices: QuerySet[Invoice],
    today: dt.date,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> dict[str, Any]:
    """Invoiced, credited, paid and outstanding per currency, for issue dates in a period."""
    if date_from:
        invoices = invoices.filter(issue_date__gte=date_from)
    if date_to:
        invoices = invoices.filter(issue_date__lte=date_to)
    counted = Q(status__in=COUNTED_STATUSES)
    is_invoice = counted & Q(kind=InvoiceKind.INVOICE)
    is_credit = counted & Q(kind=InvoiceKind.CREDIT_NOTE)
    open_invoice = Q(kind=InvoiceKind.INVOICE, status__in=OPEN_STATUSES)
    overdue = open_invoice & Q(due_date__lt=today)
    rows = (
        invoices.exclude(status=InvoiceStatus.DRAFT)
        .values("currency")
        .annotate(
            invoiced=_sum("gross_total", is_invoice),
            credited=_sum("gross_total", is_credit),
            net_invoiced=_sum("net_total", is_invoice),
            net_credited=_sum("net_total", is_credit),
            tax_invoiced=_sum("tax_total", is_invoice),
            tax_credited=_sum("tax_total", is_credit),
            paid=_sum("paid_total", is_invoice),
            outstanding=_sum("amount_due", open_invoice),
            overdue_amount=_sum("amount_due", overdue),
            invoice_count=Count("id", filter=is_invoice),
            credit_note_count=Count("id", filter=is_credit),
            open_count=Count("id", filter=open_invoice),
            overdue_count=Count("id", filter=overdue),
            void_count=Count("id", filter=Q(status=InvoiceStatus.VOID)),
        )
        .order_by("currency")
    )
    result = []
    for row in rows:
        currency = row["currency"]
        result.append(
            {
                "currency": currency,
                "invoiced": _money(row["invoiced"], currency),
                "credited": _money(row["credited"], currency),
                "net_revenue": _money(row["net_invoiced"] - row["net_credited"], currency),
                "tax": _money(row["tax_invoiced"] - row["tax_credited"], currency),
                "paid": _money(row["paid"], currency),
                "outstanding": _money(row["outstanding"], currency),
                "overdue": _money(row["overdue_amount"], currency),
                "invoice_count": row["invoice_count"],
                "credit_note_count": row["credit_note_count"],
                "open_count": row["open_count"],
                "overdue_count": row["overdue_count"],
                "void_count": row["void_count"],
            }
        )
    return {
        "date_from": date_from.isoformat() if date_from else None,
        "date_to": date_to.isoformat() if date_to else None,
        "as_of": today.isoformat(),
        "currencies": result,
    }
