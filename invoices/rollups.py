"""The report rollups (`ReportRollup`): what one document adds to them, which report
scopes they can answer, and their recomputation from the invoices.

Reads only; the services keep the rows (invoices.services._rollups).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from decimal import Decimal

from django.db.models import Count, F, Max, Min, Q, QuerySet, Sum
from django.db.models.expressions import Col
from django.db.models.fields.related_lookups import RelatedExact
from django.db.models.lookups import Exact
from django.db.models.sql.where import AND

from invoices.models import Invoice, InvoiceStatus, Payment, PaymentRollup, ReportRollup

KEY_FIELDS = ("owner_id", "issue_date", "due_date", "currency", "kind", "status")
SUM_FIELDS = ("gross_total", "net_total", "tax_total", "paid_total", "amount_due", "refund_due")

Key = tuple[object, ...]
Figures = tuple[Decimal, ...]


def rollup_contribution(invoice: Invoice) -> tuple[Key, Figures] | None:
    """The key and sums one document adds to the rollups (a draft adds nothing)."""
    if invoice.status == InvoiceStatus.DRAFT:
        return None
    key = (
        invoice.owner_id,
        invoice.issue_date,
        invoice.due_date,
        str(invoice.currency),
        str(invoice.kind),  # plain text, not the choices' enum members
        str(invoice.status),
    )
    return key, tuple(getattr(invoice, name) for name in SUM_FIELDS)


def rollup_scope(invoices: QuerySet[Invoice]) -> Q | None:
    """The rollup rows that sum exactly `invoices`, when it is one of the report scopes
    (every invoice, or one owner's: `invoices.selectors.invoice_list`); None for any
    other queryset (then the reports sum the invoices themselves).

    Read from the query's WHERE clause, so a later `.filter()` (a customer, a search)
    can never be answered from rows that ignore it."""
    query = invoices.query
    if (
        query.model is not Invoice
        or query.is_sliced
        or query.distinct
        or query.combinator
        or query.annotations
        or query.extra
        or query.where.negated
    ):
        return None
    conditions = query.where.children
    if not conditions:
        return Q()
    if len(conditions) != 1 or query.where.connector != AND:
        return None
    [condition] = conditions
    if (
        isinstance(condition, RelatedExact | Exact)
        and isinstance(condition.lhs, Col)
        and condition.lhs.alias == query.base_table
        and condition.lhs.target.attname == "owner_id"
        and isinstance(condition.rhs, int)
    ):
        return Q(owner_id=condition.rhs)
    return None


def _months(first: dt.date, last: dt.date) -> list[tuple[dt.date, dt.date]]:
    """[first day, first day of the next month) for every month from `first` to `last`."""
    spans = []
    start = first.replace(day=1)
    while start <= last:
        following = (start + dt.timedelta(days=32)).replace(day=1)
        spans.append((start, following))
        start = following
    return spans


def rollup_rows(invoices: QuerySet[Invoice]) -> Iterable[ReportRollup]:
    """The rollup rows of `invoices`, grouped in the database (drafts left out)."""
    groups = (
        invoices.exclude(status=InvoiceStatus.DRAFT)
        .values(*KEY_FIELDS)
        .annotate(count=Count("*"), **{f"sum_{name}": Sum(name) for name in SUM_FIELDS})
        .order_by()
    )
    for group in groups:
        yield ReportRollup(
            **{name: group[name] for name in KEY_FIELDS},
            count=group["count"],
            **{name: group[f"sum_{name}"] for name in SUM_FIELDS},
        )


def rollup_rebuild(
    *,
    owner_ids: Iterable[int] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Replace the rollups (of `owner_ids`, default all) by sums of the invoices, one
    month of issue dates at a time (`progress(done, months)` after each). The caller
    holds the transaction: readers see the old rows until it commits. The payment
    rollups (`PaymentRollup`) of the same owners are rebuilt first, in one grouped pass.
    Answers the report rows written."""
    owner_ids = None if owner_ids is None else list(owner_ids)
    payment_rollup_rebuild(owner_ids=owner_ids)
    invoices = Invoice.objects.exclude(status=InvoiceStatus.DRAFT)
    rollups = ReportRollup.objects.all()
    if owner_ids is not None:
        owner_ids = list(owner_ids)
        invoices = invoices.filter(owner_id__in=owner_ids)
        rollups = rollups.filter(owner_id__in=owner_ids)
    rollups.delete()
    bounds = invoices.order_by().aggregate(first=Min("issue_date"), last=Max("issue_date"))
    first, last = bounds["first"], bounds["last"]
    if first is None:
        return 0
    months = _months(first, last)
    written = 0
    for done, (start, end) in enumerate(months, 1):
        rows = list(rollup_rows(invoices.filter(issue_date__gte=start, issue_date__lt=end)))
        ReportRollup.objects.bulk_create(rows, batch_size=1000)
        written += len(rows)
        if progress:
            progress(done, len(months))
    return written


def payment_rollup_rows(payments: QuerySet[Payment]) -> Iterable[PaymentRollup]:
    """The payment rollup rows of `payments`, grouped in the database."""
    groups = (
        payments.values("date")
        .annotate(
            owner=F("invoice__owner_id"), currency=F("invoice__currency"), kind=F("invoice__kind")
        )
        .values("owner", "date", "currency", "kind")
        .annotate(count=Count("*"), amount=Sum("amount"))
        .order_by()
    )
    for group in groups.iterator(chunk_size=2000):
        yield PaymentRollup(
            owner_id=group["owner"],
            date=group["date"],
            currency=group["currency"],
            kind=group["kind"],
            count=group["count"],
            amount=group["amount"],
        )


def payment_rollup_rebuild(*, owner_ids: Iterable[int] | None = None) -> int:
    """Replace the payment rollups (of `owner_ids`, default all) by sums of the payments."""
    payments = Payment.objects.all()
    rollups = PaymentRollup.objects.all()
    if owner_ids is not None:
        owner_ids = list(owner_ids)
        payments = payments.filter(invoice__owner_id__in=owner_ids)
        rollups = rollups.filter(owner_id__in=owner_ids)
    rollups.delete()
    rows = list(payment_rollup_rows(payments))
    PaymentRollup.objects.bulk_create(rows, batch_size=1000)
    return len(rows)
