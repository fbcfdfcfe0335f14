"""Between runs: back to the seeded state, then the fixtures of this run.

Everything a run adds sits above the marker's ids, owned by the writer user, so the
reader's list page shows the seeded data set whatever ran before it.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Role, User
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
    ReportRollup,
)
from invoices.rollups import rollup_rebuild
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
    _rebuild_rollups_of_writer()
    _vacuum()
    return {"customers_recomputed": len(customers)}


def _rebuild_rollups_of_writer() -> None:
    """The rows deleted above and the bulk fixtures below bypass the services: the report
    rollups of their owner (only the writer's, a few thousand invoices) are summed again."""
    writer = User.objects.filter(username=WRITER_USERNAME).values_list("id", flat=True).first()
    if writer is not None:
        with transaction.atomic():
            rollup_rebuild(owner_ids=[writer])


def _vacuum() -> None:
    """Runs add and delete thousands of rows: without this, the dead rows and a stale
    visibility map (heap fetches in index-only counts) would drift run to run."""
    if not is_postgres():
        return
    tables = ", ".join(
        connection.ops.quote_name(m._meta.db_table)
        for m in (Invoice, InvoiceItem, Payment, Customer, NumberSequence, ReportRollup)
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
        _rebuild_rollups_of_writer()
    # The fixtures land in the free space the last run's deletions left among the seeded
    # rows, which clears those pages' all-visible bits: vacuum again, as autovacuum would
    # have done long before anyone lists data at rest.
    _vacuum()
    seeded = Invoice.objects.filter(id__lte=marker["max_invoice_id"], owner=reader)

    def pick(**filters: Any) -> int:
        return seeded.filter(**filters).order_by("-id").values_list("id", flat=True)[0]

    admin = _admin_reader(password)
    # The dashboard is an admin page: its CSS and scripts collected, as a deployment does.
    call_command("collectstatic", interactive=False, verbosity=0)
    middle = seeded.filter(kind=InvoiceKind.INVOICE, id__lte=marker["max_invoice_id"] // 2)
    searched = middle.exclude(number=None).order_by("-id").values("number", "customer_id")[0]
    customer = Customer.all_objects.get(pk=searched["customer_id"])
    return {
        "marker": marker,
        "cleanup": cleanup,
        "reader": reader.username,
        "admin_reader": admin.username,
        "admin_session": _admin_session(admin),
        # The filtered lists' arguments (issue 18): a number and a customer from the
        # middle of the data set (a search that stops early at the newest rows proves
        # nothing), and the last 30 days of issue dates.
        "filters": {
            "number": searched["number"],
            "customer_id": customer.id,
            "customer_name": customer.name.split(" ", 1)[1],  # "customer 0042 GmbH"
            "issue_date_from": (today - dt.timedelta(days=30)).isoformat(),
            "issue_date_to": today.isoformat(),
            "year_from": dt.date(today.year, 1, 1).isoformat(),
        },
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


ADMIN_USERNAME = "bench-admin"


def _admin_reader(password: str) -> User:
    """An admin: the reports over everyone's invoices, and the back office's dashboard."""
    user, _ = User.objects.get_or_create(
        username=ADMIN_USERNAME,
        defaults={"email": "bench-admin@seller.example", "role": Role.ADMIN},
    )
    user.set_password(password)
    user.save()
    return user


def _admin_session(user: User) -> str:
    """A logged-in admin session's key (the dashboard is the admin's index page)."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


OPTIONAL_ROUTES = ("/api/reports/aging/", "/api/reports/summary/")


def _routed(path: str) -> bool:
    """Whether the project serves `path` (scenarios of endpoints not built yet are left out)."""
    from django.urls import Resolver404, resolve

    try:
        resolve(path)
    except Resolver404:
        return False
    return True
