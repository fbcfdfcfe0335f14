"""The seeded data set: migrations, then the plan's events written in bulk, then the
customers' statistics, the report rollups and the marker (written last: it says the data
set is complete)."""

from __future__ import annotations

import gc
import random
import sys
from typing import Any

from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from tqdm import tqdm

from bench.seed import SEED_VERSION
from bench.seed.bulk import BulkWriter
from bench.seed.data import CURRENCY, bench_user, ensure_customers, make_patterns, setup_company
from bench.seed.marker import write_marker
from bench.seed.plan import Draft, Issue, plan_invoices
from bench.seed.rows import is_postgres
from settings_app.calendar import company_today


def seed(*, invoices: int, customers: int, seed_value: int) -> dict[str, Any]:
    call_command("migrate", verbosity=0, interactive=False)
    rng = random.Random(seed_value)
    company = setup_company()
    today = company_today(company)
    owner = bench_user()
    buyers = ensure_customers(owner, customers, rng)
    patterns = make_patterns(rng)
    writer = BulkWriter(owner=owner, company=company)
    if not is_postgres():
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous=OFF")
    events = plan_invoices(
        customers=buyers, patterns=patterns, count=invoices, today=today, rng=rng, currency=CURRENCY
    )
    # Committed batch by batch: the marker, written last, says the data set is complete.
    # The writer keeps millions of small objects alive (ids, open accounts): the cyclic
    # collector's full passes over them slowed a 1M seed from 7,000 to under 400
    # invoices/s. Only young generations are collected, every 10,000 invoices.
    gc.disable()
    try:
        with tqdm(total=invoices, unit="invoice", file=sys.stderr) as bar:
            for event in events:
                writer.play(event)
                if isinstance(event, Draft | Issue):
                    bar.update()
                    if bar.n % 10_000 == 0:
                        gc.collect(1)
            writer.finish()
    finally:
        gc.enable()
    analyze()
    call_command("recompute_customer_statistics", verbosity=0)
    # The report rollups the services would have kept, summed from the rows just written
    # (bench/tests/test_seed_matches_services.py compares both ways).
    call_command("rebuild_report_rollups", verbosity=0)
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
    }
    write_marker(marker)
    return marker


def analyze() -> None:
    with connection.cursor() as cursor:
        # VACUUM also sets PostgreSQL's visibility map (index-only scans for counts).
        cursor.execute("VACUUM ANALYZE" if is_postgres() else "ANALYZE")
