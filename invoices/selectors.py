"""Reads of invoices: scoped lists, the overdue rule and the receivables reports (one
grouped query each, whatever the number of invoices)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    ExpressionWrapper,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)

from accounts.models import User
from common.permissions import is_admin
from customers.models import Customer
from invoices.calculation import round_money
from invoices.models import (
    ISSUED_STATUSES,
    OPEN_STATUSES,
    Invoice,
    InvoiceKind,
    InvoiceStatus,
    Payment,
    ReportRollup,
)
from invoices.rollups import rollup_scope
from settings_app.calendar import company_today


def invoice_list(*, user: User) -> QuerySet[Invoice]:
    """Invoices the user may see: staff their own, admins all."""
    queryset = Invoice.objects.all()
    if not is_admin(user):
        queryset = queryset.filter(owner_id=user.id)
    return queryset


def invoice_get(*, user: User, pk: int) -> Invoice:
    # With its customer: the read shape shows the customer's name.
    return invoice_list(user=user).select_related("customer").get(pk=pk)


def overdue_q() -> Q:
    """Overdue: an invoice still open after its due date, in the company's calendar.

    The one rule behind the API's `is_overdue` filter, the admin's column and filter,
    and `Invoice.is_overdue`."""
    return Q(kind=InvoiceKind.INVOICE, status__in=OPEN_STATUSES, due_date__lt=company_today())


# --- receivables reports ----------------------------------------------------------------

# (name, first day overdue, last day overdue); None = open-ended.
AGING_BUCKETS: tuple[tuple[str, int | None, int | None], ...] = (
    ("current", None, 0),
    ("1_30", 1, 30),
    ("31_60", 31, 60),
    ("61_90", 61, 90),
    ("over_90", 91, None),
)


def _money(value: Decimal, currency: str) -> str:
    return str(round_money(value, currency))


def _aging_bucket_of_due_date(today: dt.date) -> Case:
    """The row's bucket name, from its due date: buckets are contiguous ranges of days
    past due, so the first whose last day is not yet behind the row's takes it."""
    *bounded, (last_name, _, _) = AGING_BUCKETS
    return Case(
        *(
            When(due_date__gte=today - dt.timedelta(days=last), then=Value(name))
            for name, _, last in bounded
        ),
        default=Value(last_name),
        output_field=CharField(),
    )


def _aging_groups(invoices: QuerySet[Invoice], today: dt.date) -> tuple[Any, Any]:
    """(open amount and count per currency and bucket, refunds due of credit notes per
    currency): from the rollups when `invoices` is a report scope (a few thousand rows
    at 1M invoices), else from the invoices themselves. The same figures either way.

    Grouped by the bucket (one CASE over the due date) rather than one filtered SUM per
    bucket: Django built twelve filtered aggregates in half of the request's time."""
    scope = rollup_scope(invoices)
    if scope is None:
        source, count = invoices, Count("*")
    else:  # a rollup row stands for `count` documents
        source, count = ReportRollup.objects.filter(scope, count__gt=0), Sum("count")
    rows = (
        source.filter(kind=InvoiceKind.INVOICE, status__in=OPEN_STATUSES)
        .annotate(bucket=_aging_bucket_of_due_date(today))
        .values("currency", "bucket")
        .annotate(amount=Sum("amount_due"), n=count)
        .order_by()
    )
    refunds = (
        source.filter(kind=InvoiceKind.CREDIT_NOTE, status=InvoiceStatus.ISSUED)
        .values("currency")
        .annotate(refund_due=Sum("refund_due"), n=count)
        .order_by()
    )
    return rows, refunds


def _aging_rows(groups: Any) -> dict[str, dict[str, Any]]:
    """Per currency: the total, the count and each bucket's amount and count, from the
    (currency, bucket) groups."""
    by_currency: dict[str, dict[str, Any]] = {}
    for group in groups:
        row = by_currency.get(group["currency"])
        if row is None:
            row = by_currency[group["currency"]] = _empty_aging_row(group["currency"])
        row["total"] += group["amount"]
        row["n"] += group["n"]
        row[f"{group['bucket']}__amount"] += group["amount"]
        row[f"{group['bucket']}__count"] += group["n"]
    return by_currency


def _empty_aging_row(currency: str) -> dict[str, Any]:
    return {
        "currency": currency,
        "total": Decimal("0"),
        "n": 0,
        **{f"{name}__amount": Decimal("0") for name, _, _ in AGING_BUCKETS},
        **{f"{name}__count": 0 for name, _, _ in AGING_BUCKETS},
    }


def invoice_aging(*, invoices: QuerySet[Invoice], today: dt.date) -> dict[str, Any]:
    """Open receivables (issued and partially paid invoices) by days past due, per currency.

    The buckets are ranges of due dates counted back from `today`, chosen at read
    time: any "as of" day reads right from the same rows."""
    groups, refund_rows = _aging_groups(invoices, today)
    # Money owed back on credit notes (invoices.settlement): not a receivable, so not
    # in the buckets, but part of what the customers' balances add up to.
    refunds = {row["currency"]: row for row in refund_rows}
    by_currency = _aging_rows(groups)
    for currency in refunds.keys() - by_currency.keys():
        by_currency[currency] = _empty_aging_row(currency)
    return {
        "as_of": today.isoformat(),
        "currencies": [
            {
                "currency": row["currency"],
                "total_due": _money(row["total"], row["currency"]),
                "invoice_count": row["n"],
                "refund_due": _money(_refund(refunds, row["currency"]), row["currency"]),
                "balance": _money(
                    row["total"] - _refund(refunds, row["currency"]), row["currency"]
                ),
                "buckets": [
                    {
                        "bucket": name,
                        "amount_due": _money(row[f"{name}__amount"], row["currency"]),
                        "invoice_count": row[f"{name}__count"],
                    }
                    for name, _, _ in AGING_BUCKETS
                ],
            }
            for row in (by_currency[currency] for currency in sorted(by_currency))
        ],
    }


AGING_INVOICES_LIMIT = 500


def aging_bucket(days_overdue: int) -> str:
    for name, first, last in AGING_BUCKETS:
        if (first is None or days_overdue >= first) and (last is None or days_overdue <= last):
            return name
    raise AssertionError(days_overdue)  # the buckets cover every day


def invoice_aging_invoices(
    *, invoices: QuerySet[Invoice], today: dt.date, limit: int = AGING_INVOICES_LIMIT
) -> tuple[list[dict[str, Any]], bool]:
    """The open invoices of the aging report, longest overdue first (due date, then
    id), at most `limit`; answers them and whether more are open. One query (the
    partial index on open invoices' due dates, joined to the customers)."""
    rows = list(
        invoices.filter(kind=InvoiceKind.INVOICE, status__in=OPEN_STATUSES)
        .order_by("due_date", "id")
        .values(
            "id",
            "number",
            "customer_id",
            "customer__name",
            "currency",
            "due_date",
            "amount_due",
            "reminder_level",
        )[: limit + 1]
    )
    answer = []
    for row in rows[:limit]:
        days = max((today - row["due_date"]).days, 0)
        answer.append(
            {
                "id": row["id"],
                "number": row["number"],
                "customer": {"id": row["customer_id"], "name": row["customer__name"]},
                "currency": row["currency"],
                "due_date": row["due_date"].isoformat(),
                "days_overdue": days,
                "amount_due": _money(row["amount_due"], row["currency"]),
                "bucket": aging_bucket(days),
                "last_reminder_level": row["reminder_level"],
            }
        )
    return answer, len(rows) > limit


def _refund(refunds: dict[str, dict[str, Any]], currency: str) -> Decimal:
    row = refunds.get(currency)
    return row["refund_due"] if row else Decimal("0")


def invoice_summary(
    *,
    invoices: QuerySet[Invoice],
    today: dt.date,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> dict[str, Any]:
    """Invoiced, credited, paid and outstanding per currency, for issue dates in a period.

    One query grouped by (currency, kind, status, overdue) with plain sums, then
    combined here in exact Decimal: over the rollups (per issue day and due day) for a
    report scope, else over the invoices from the covering index (COUNT(*), never
    COUNT(id): the id is not in it). `overdue` is `due_date < today` at read time.
    """
    scope = rollup_scope(invoices)
    if scope is None:
        source, count = invoices.exclude(status=InvoiceStatus.DRAFT), Count("*")
    else:  # the rollups hold no drafts
        source, count = ReportRollup.objects.filter(scope, count__gt=0), Sum("count")
    if date_from:
        source = source.filter(issue_date__gte=date_from)
    if date_to:
        source = source.filter(issue_date__lte=date_to)
    groups = (
        source.annotate(
            overdue=ExpressionWrapper(Q(due_date__lt=today), output_field=BooleanField())
        )
        .values("currency", "kind", "status", "overdue")
        .annotate(
            gross=Sum("gross_total"),
            net=Sum("net_total"),
            tax=Sum("tax_total"),
            paid=Sum("paid_total"),
            due=Sum("amount_due"),
            refund=Sum("refund_due"),
            n=count,  # not `count`: a rollup column
        )
        .order_by()
    )
    figures: dict[str, dict[str, Any]] = {}
    for group in groups:
        _add_to_summary(figures.setdefault(group["currency"], _empty_summary()), group)
    return {
        "date_from": date_from.isoformat() if date_from else None,
        "date_to": date_to.isoformat() if date_to else None,
        "as_of": today.isoformat(),
        "currencies": [_summary_row(currency, figures[currency]) for currency in sorted(figures)],
    }


_SUMMARY_AMOUNTS = (
    "invoiced",
    "credited",
    "net_invoiced",
    "net_credited",
    "tax_invoiced",
    "tax_credited",
    "paid",
    "refunded",
    "refund_due",
    "outstanding",
    "overdue_amount",
)
_SUMMARY_COUNTS = (
    "invoice_count",
    "credit_note_count",
    "open_count",
    "overdue_count",
    "void_count",
)


def _empty_summary() -> dict[str, Any]:
    return {
        **{name: Decimal("0") for name in _SUMMARY_AMOUNTS},
        **{name: 0 for name in _SUMMARY_COUNTS},
    }


def _add_to_summary(acc: dict[str, Any], group: dict[str, Any]) -> None:
    """One (kind, status, overdue) group into its currency's figures (same rules as the
    customer statistics: every issued document counts, credit notes apart; a void
    invoice and its cancellation credit note both count)."""
    count = group["n"]
    if group["status"] not in ISSUED_STATUSES:
        return
    if group["kind"] == InvoiceKind.INVOICE:
        acc["invoiced"] += group["gross"]
        acc["net_invoiced"] += group["net"]
        acc["tax_invoiced"] += group["tax"]
        acc["paid"] += group["paid"]
        acc["invoice_count"] += count
        if group["status"] in OPEN_STATUSES:
            acc["outstanding"] += group["due"]
            acc["open_count"] += count
            if group["overdue"]:
                acc["overdue_amount"] += group["due"]
                acc["overdue_count"] += count
    else:
        acc["credited"] += group["gross"]
        acc["net_credited"] += group["net"]
        acc["tax_credited"] += group["tax"]
        acc["refunded"] += group["paid"]
        acc["refund_due"] += group["refund"]
        acc["credit_note_count"] += count
    if group["status"] == InvoiceStatus.VOID:
        acc["void_count"] += count


def _summary_row(currency: str, acc: dict[str, Any]) -> dict[str, Any]:
    return {
        "currency": currency,
        "invoiced": _money(acc["invoiced"], currency),
        "credited": _money(acc["credited"], currency),
        "net_revenue": _money(acc["net_invoiced"] - acc["net_credited"], currency),
        "tax": _money(acc["tax_invoiced"] - acc["tax_credited"], currency),
        "paid": _money(acc["paid"], currency),
        "refunded": _money(acc["refunded"], currency),
        "refund_due": _money(acc["refund_due"], currency),
        "outstanding": _money(acc["outstanding"], currency),
        "overdue": _money(acc["overdue_amount"], currency),
        **{name: acc[name] for name in _SUMMARY_COUNTS},
    }


def payment_list(*, user: User) -> QuerySet[Payment]:
    """Payments the user may see: those of their own invoices (staff), all (admins)."""
    queryset = Payment.objects.all()
    if not is_admin(user):
        queryset = queryset.filter(invoice__owner_id=user.id)
    return queryset


def invoices_with_customer_name(queryset: QuerySet[Invoice]) -> QuerySet[Invoice]:
    """`customer__name` as a subquery column rather than `values()`' join: the page's
    COUNT then drops it (Django strips unused annotations) and counts invoices alone."""
    name = Customer.all_objects.filter(pk=OuterRef("customer_id")).order_by().values("name")
    return queryset.annotate(customer__name=Subquery(name[:1]))
