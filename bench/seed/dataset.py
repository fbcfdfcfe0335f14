"""The seeded data set: migrations, then the plan's events written in bulk, then the
customers' statistics, the report rollups and the marker (written last: it says the data
set is complete)."""

from __future__ import annotations

import gc
import random
import sys
import time
from contextlib import contextmanager
from typing import Any

from django.core.management import call_command
from django.db import connection
from django.db.models import Model
from django.utils import timezone
from tqdm import tqdm

from bench.seed import SEED_VERSION
from bench.seed.bulk import BulkWriter
from bench.seed.data import CURRENCY, bench_user, ensure_customers, make_patterns, setup_company
from bench.seed.indexes import put_back, set_aside
from bench.seed.marker import write_marker
from bench.seed.plan import Draft, Issue, plan_invoices
from bench.seed.rows import is_postgres
from bench.seed.statistics import recompute_statistics
from customers.models import Customer
from invoices.models import Invoice, InvoiceItem, Payment, PaymentRollup, ReportRollup
from settings_app.calendar import company_today


@contextmanager
def phase(name: str, timings: dict[str, float]):
    """Times one step of the seed; printed to stderr and kept in the marker."""
    started = time.monotonic()
    yield
    timings[name] = round(time.monotonic() - started, 1)
    print(f"seed phase {name}: {timings[name]:.1f} s", file=sys.stderr, flush=True)


def seed(*, invoices: int, customers: int, seed_value: int) -> dict[str, Any]:
    timings: dict[str, float] = {}
    with phase("migrate", timings):
        call_command("migrate", verbosity=0, interactive=False)
    rng = random.Random(seed_value)
    company = setup_company()
    today = company_today(company)
    owner = bench_user()
    with phase("customers", timings):
        buyers = ensure_customers(owner, customers, rng)
    patterns = make_patterns(rng)
    writer = BulkWriter(owner=owner, company=company)
    if not is_postgres():
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous=OFF")
    events = plan_invoices(
        customers=buyers, patterns=patterns, count=invoices, today=today, rng=rng, currency=CURRENCY
    )
    # Indexes and foreign keys are built once the rows are in (bench/seed/indexes.py).
    aside = set_aside([Invoice, InvoiceItem, Payment])
    # Committed batch by batch: the marker, written last, says the data set is complete.
    # The writer keeps millions of small objects alive (ids, open accounts): the cyclic
    # collector's full passes over them slowed a 1M seed from 7,000 to under 400
    # invoices/s. Only young generations are collected, every 10,000 invoices.
    gc.disable()
    try:
        with (
            phase("invoices", timings),
            tqdm(total=invoices, unit="invoice", file=sys.stderr) as bar,
        ):
            for event in events:
                writer.play(event)
                if isinstance(event, Draft | Issue):
                    bar.update()
                    if bar.n % 10_000 == 0:
                        gc.collect(1)
            writer.finish()
    finally:
        gc.enable()
    with phase("indexes", timings):
        put_back(aside)
    with phase("vacuum", timings):
        analyze()
    with phase("customer statistics", timings):
        recompute_statistics()
    # The report rollups the services would have kept, summed from the rows just written
    # (bench/tests/test_seed_matches_services.py compares both ways).
    with phase("report rollups", timings):
        call_command("rebuild_report_rollups", verbosity=0)
    with phase("analyze", timings):
        # The statistics' UPDATE left a dead version of every customer row.
        analyze(Customer, ReportRollup, PaymentRollup)
    marker = {
        "version": SEED_VERSION,
        "invoices": invoices,
        "customers": customers,
        "seed": seed_value,
        "seeded_at": timezone.now().isoformat(),
        "today": today.isoformat(),
        "statuses": dict(writer.counts),
        "max_invoice_id": writer.next_invoice - 1,
        "max_item_id": writer.next_item - 1,
        "max_payment_id": writer.next_payment - 1,
        "sequences": writer.sequence_rows(),
        "seconds": timings,
    }
    write_marker(marker)
    return marker


def analyze(*models_: type[Model]) -> None:
    """VACUUM ANALYZE of `models_`' tables, by default every table (SQLite: ANALYZE)."""
    tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in models_)
    with connection.cursor() as cursor:
        # VACUUM also sets PostgreSQL's visibility map (index-only scans for counts).
        cursor.execute(f"VACUUM ANALYZE {tables}" if is_postgres() else "ANALYZE")
