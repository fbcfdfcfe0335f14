"""What the report rollups' upkeep costs a write, measured both ways in one process.

Payments, credit notes (drafted from an open invoice and issued) and issues (a draft
written and issued), each through `invoices.services` on the seeded data set, in
alternating blocks with the rollup upsert on and off (`RollupDelta.flush` a no-op),
every write rolled back (the data set stays as seeded). Answers writes per second both
ways (median of the blocks) and their ratio. Run in a bench database's environment:

    DATABASE_URL=postgres://.../billing_bench_10000 DJANGO_SETTINGS_MODULE=bench.settings \\
        python -m bench.upkeep_ab --writes 40 --blocks 6
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django  # noqa: E402

django.setup()

from django.db import transaction  # noqa: E402

from bench.seed.data import bench_user  # noqa: E402
from invoices import services  # noqa: E402
from invoices.models import Invoice, InvoiceStatus  # noqa: E402
from invoices.services._rollups import RollupDelta  # noqa: E402


class _Undo(Exception):
    pass


def _rolled_back(write) -> None:
    try:
        with transaction.atomic():
            write()
            raise _Undo
    except _Undo:
        pass


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--writes", type=int, default=40, help="writes per block")
    parser.add_argument("--blocks", type=int, default=6, help="blocks per way")
    args = parser.parse_args()
    owner = bench_user()
    open_ = list(
        Invoice.objects.filter(owner=owner, kind="invoice", status=InvoiceStatus.ISSUED)
        .exclude(number=None)
        .order_by("-id")[: args.writes]
    )
    drafts = list(Invoice.objects.filter(owner=owner, status=InvoiceStatus.DRAFT)[: args.writes])

    def pay(invoice):
        services.payment_record(invoice=invoice, amount=Decimal("1.00"))

    def credit(invoice):
        note = services.invoice_credit_note_create(invoice=invoice)
        services.invoice_issue(invoice=note, by=owner)

    def issue(draft):
        services.invoice_issue(invoice=draft, by=owner)

    results = {}
    for name, write, targets in (
        ("payment", pay, open_),
        ("credit_note", credit, open_),
        ("issue", issue, drafts),
    ):
        rates: dict[str, list[float]] = {"without": [], "with": []}
        for block in range(2 * args.blocks + 1):
            way = "with" if block % 2 else "without"
            off = mock.patch.object(RollupDelta, "flush", lambda self: None)
            with off if way == "without" else contextlib.nullcontext():
                started = time.perf_counter()
                for target in targets:
                    _rolled_back(functools.partial(write, target))
                elapsed = time.perf_counter() - started
            if block:  # the first block warms the process up
                rates[way].append(len(targets) / elapsed)
        without, with_ = (round(statistics.median(rates[w]), 1) for w in ("without", "with"))
        results[name] = {
            "writes_per_s_without_upkeep": without,
            "writes_per_s_with_upkeep": with_,
            "ratio": round(with_ / without, 3),
            "writes": len(targets),
        }
    sys.stdout.write(json.dumps(results) + "\n")


if __name__ == "__main__":
    main()
