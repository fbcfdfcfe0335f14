"""`python -m bench.recurring --schedules N`: the `recurring-run` scenario (issue 15, 7).

N schedules due today (monthly, issued, three lines each, over the seeded customers),
billed by one `run_recurring_invoices --workers W` run (W: the machine's cores, as
gunicorn's workers in the `issue` scenario); answers the invoices per second. The PDFs
are left to the workers (the bench's Celery broker is in memory: queued, never run).
What an earlier run left (schedules, their periods) is removed first; the generated
invoices sit above the seed marker like every run's rows, so `prepare` removes them and
`seed verify` checks their numbers gap-free with the rest.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402

from accounts.models import User  # noqa: E402
from customers.models import Customer  # noqa: E402
from invoices.models import Invoice  # noqa: E402
from recurring.models import (  # noqa: E402
    RecurringAllowanceCharge,
    RecurringInvoice,
    RecurringItem,
    RecurringPeriod,
)
from settings_app.calendar import company_today  # noqa: E402

WRITER = "bench-writer"


def _clear() -> None:
    Invoice.objects.filter(recurring_invoice__isnull=False).update(recurring_invoice=None)
    RecurringPeriod.objects.all().delete()
    RecurringItem.objects.all().delete()
    RecurringAllowanceCharge.objects.all().delete()
    RecurringInvoice.objects.all().delete()


@transaction.atomic
def _schedules(count: int) -> None:
    owner = User.objects.get(username=WRITER)
    customers = list(Customer.objects.exclude(street="").exclude(city="").order_by("id")[:1000])
    today = company_today()
    schedules = RecurringInvoice.objects.bulk_create(
        [
            RecurringInvoice(
                owner=owner,
                customer=customers[n % len(customers)],
                frequency="monthly",
                start_date=today,
                next_period_start=today,
                currency=customers[n % len(customers)].currency,
                issue_mode="issue",
            )
            for n in range(count)
        ],
        batch_size=1000,
    )
    RecurringItem.objects.bulk_create(
        [
            RecurringItem(
                schedule=schedule,
                position=position,
                description=f"Service {position}, {{month}} {{year}}",
                quantity=Decimal("1"),
                unit_price=Decimal("49.90") * position,
                tax_category="S",
                tax_rate=Decimal("19.00"),
            )
            for schedule in schedules
            for position in (1, 2, 3)
        ],
        batch_size=3000,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--schedules", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()
    _clear()
    _schedules(args.schedules)
    out = io.StringIO()
    started = time.perf_counter()
    call_command(
        "run_recurring_invoices",
        "--no-progress",
        "--workers",
        str(args.workers),
        stdout=out,
        stderr=sys.stderr,
    )
    seconds = time.perf_counter() - started
    summary = json.loads(out.getvalue().strip().splitlines()[-1])
    generated = Invoice.objects.filter(recurring_invoice__isnull=False).count()
    _clear()
    sys.stdout.write(
        json.dumps(
            {
                "schedules": args.schedules,
                "workers": args.workers,
                "invoices": summary["invoices"],
                "failed": summary["failed"],
                "generated_rows": generated,
                "seconds": round(seconds, 2),
                "invoices_per_s": round(summary["invoices"] / seconds, 1) if seconds else None,
            }
        )
        + "\n"
    )


if __name__ == "__main__":
    main()
