"""Between runs: back to the seeded state, then the fixtures of this run.

Everything a run adds sits above the marker's ids, owned by the writer user, so the
reader's list page shows the seeded data set whatever ran before it.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from bench.seed.bulk import BulkWriter
from bench.seed.data import (
    WRITER_CUSTOMERS,
    WRITER_USERNAME,
    bench_user,
    big_pattern,
    ensure_customers,
    make_patterns,
)
from bench.seed.marker import read_marker
from bench.seed.plan import Close, Draft, Issue
from bench.seed.rows import is_postgres
from customers.models import Customer
from invoices.models import (
    Invoice,
    InvoiceItem,
    InvoiceKind,
    InvoiceStatus,
    NumberSequence,
    Payment,
)
from settings_app.calendar import company_today
from settings_app.models import CompanySettings


def _delete_after(marker: dict[str, Any]) -> list[int]:
    """Remove every row a previous run added; answers the customers it touched."""
    top = marker["max_invoice_id"]
    customers = list(
        Invoice.objects.filter(id__gt=top).values_list("customer_id", flat=True).distinct()
    )
    quote = connection.ops.quote_name
    invoice_table = quote(Invoice._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {quote(Payment._meta.db_table)} WHERE id > %s OR invoice_id > %s",
            [marker["max_payment_id"], top],
        )
        for relation in Invoice._meta.related_objects:
            related = relation.related_model
            if related is Invoice or relation.many_to_many or related is Payment:
                continue
            cursor.execute(
                f"DELETE FROM {quote(related._meta.db_table)} "
                f"WHERE {quote(relation.field.column)} > %s",
                [top],
            )
        cursor.execute(f"DELETE FROM {invoice_table} WHERE id > %s", [top])
    return sorted(set(customers))


def reset(marker: dict[str, Any]) -> dict[str, Any]:
    with transaction.atomic():
        customers = _delete_after(marker)
        wanted = {
            (s["series"], s["year"]): (
                s["last_value"],
                dt.date.fromisoformat(s["last_issue_date"]) if s.get("last_issue_date") else None,
            )
            for s in marker["sequences"]
        }
        for sequence in NumberSequence.objects.all():
            key = (sequence.series, sequence.year)
            if key not in wanted:
                sequence.delete()
            elif (sequence.last_value, sequence.last_issue_date) != wanted[key]:
                sequence.last_value, sequence.last_issue_date = wanted[key]
                sequence.save(update_fields=["last_value", "last_issue_date"])
    if customers:
        from customers.services import customer_statistics_recompute

        customer_statistics_recompute(customer_ids=customers)
    _vacuum()
    return {"customers_recomputed": len(customers)}


def _vacuum() -> None:
    """Runs add and delete thousands of rows: without this, the dead rows and a stale
    visibility map (heap fetches in index-only counts) would drift run to run."""
    if not is_postgres():
        return
    tables = ", ".join(
        connection.ops.quote_name(m._meta.db_table)
        for m in (Invoice, InvoiceItem, Payment, Customer, NumberSequence)
    )
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE) {tables}")


def prepare(*, drafts: int, warmup_drafts: int, payment_targets: int, password: str) -> dict:
    """Reset to the seeded state, then add the run's fixtures (all above the marker's ids)."""
    marker = read_marker()
    if marker is None:
        raise SystemExit("not seeded")
    cleanup = reset(marker)
    reader = bench_user(password)
    # The write scenarios' rows belong to another user, so the reader's list page shows
    # the seeded data set whatever ran before it.
    owner = bench_user(password, WRITER_USERNAME)
    company = CompanySettings.load()
    today = company_today(company)
    rng = random.Random(11)
    customers = ensure_customers(owner, WRITER_CUSTOMERS, rng)
    patterns = make_patterns(rng)
    now = timezone.now()
    writer = BulkWriter(owner=owner, company=company)
    refs = iter(range(1, 10**9))
    with transaction.atomic():
        draft_ids = [
            writer.play(
                Draft(
                    next(refs), customers[n % len(customers)], patterns[n % len(patterns)], "", now
                )
            )
            for n in range(drafts + warmup_drafts + 60)
        ]
        big = big_pattern()
        target_ids = []
        for n in range(payment_targets):
            ref = next(refs)
            target_ids.append(
                writer.play(Issue(ref, customers[n % len(customers)], big, "", now, today))
            )
            writer.play(Close(ref))
        writer.finish()
    if target_ids:
        from customers.services import customer_statistics_recompute

        customer_statistics_recompute(customer_ids=[c.id for c in customers])
    # The fixtures land in the free space the last run's deletions left among the seeded
    # rows, which clears those pages' all-visible bits: vacuum again, as autovacuum would
    # have done long before anyone lists data at rest.
    _vacuum()
    seeded = Invoice.objects.filter(id__lte=marker["max_invoice_id"], owner=reader)

    def pick(**filters: Any) -> int:
        return seeded.filter(**filters).order_by("-id").values_list("id", flat=True)[0]

    return {
        "marker": marker,
        "cleanup": cleanup,
        "reader": reader.username,
        "writer": owner.username,
        "customer_id": customers[0].id,
        "detail_id": pick(status=InvoiceStatus.PAID, kind=InvoiceKind.INVOICE),
        "pdf_draft_id": pick(status=InvoiceStatus.DRAFT),
        "pdf_issued_id": pick(status=InvoiceStatus.PAID, kind=InvoiceKind.INVOICE),
        "ubl_id": pick(status=InvoiceStatus.PARTIALLY_PAID, kind=InvoiceKind.INVOICE),
        "warmup_draft_ids": draft_ids[:warmup_drafts],
        "issue_draft_ids": draft_ids[warmup_drafts : warmup_drafts + drafts],
        "probe_draft_ids": draft_ids[warmup_drafts + drafts :],
        "payment_target_ids": target_ids,
        "routes": {path: _routed(path) for path in OPTIONAL_ROUTES},
    }


OPTIONAL_ROUTES = ("/api/reports/aging/", "/api/reports/summary/")


def _routed(path: str) -> bool:
    """Whether the project serves `path` (scenarios of endpoints not built yet are left out)."""
    from django.urls import Resolver404, resolve

    try:
        resolve(path)
    except Resolver404:
        return False
    return True
