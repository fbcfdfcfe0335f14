"""`run_recurring_invoices --workers N`: periods billed by several processes at once
(PostgreSQL), still each once, numbered gap-free and in the order of their dates."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import CommandError, call_command

from common.tests.factories import CustomerFactory
from invoices.models import Invoice
from recurring.models import RecurringPeriod
from recurring.tests.factories import make_schedule

pytestmark = [
    pytest.mark.postgres(reason="worker processes need a database server"),
    pytest.mark.django_db(transaction=True),
]


def _run(*args: str) -> dict:
    out = io.StringIO()
    call_command("run_recurring_invoices", "--no-progress", *args, stdout=out, stderr=io.StringIO())
    return json.loads(out.getvalue().strip().splitlines()[-1])


def test_workers_bill_every_period_once_in_date_order(settings, company, staff_user):
    settings.RECURRING_MAX_CATCHUP = 50  # read by the run, before it forks
    # given: schedules whose catch-up periods fall on many days, interleaved
    customer = CustomerFactory(owner=staff_user)
    anchors = [dt.date(2025, 1, day) for day in (1, 5, 9, 13, 17, 21, 25, 28, 30, 31)]
    for anchor in anchors:
        make_schedule(owner=staff_user, customer=customer, start_date=anchor)
    make_schedule(owner=staff_user, customer=customer, frequency="weekly", start_date=anchors[0])

    # when: three processes bill them (and a second run finds nothing left)
    first = _run("--date", "2025-04-30", "--workers", "3")
    second = _run("--date", "2025-04-30", "--workers", "3")

    # then: each period once, numbers 1..n, each invoice dated by its own period
    expected = 10 * 4 + 18  # four months each, and the weekly one from 1 January to 30 April
    assert (first["invoices"], first["failed"], second["invoices"]) == (expected, 0, 0)
    rows = list(
        Invoice.objects.order_by("sequence").values_list(
            "sequence", "issue_date", "period_start", "recurring_invoice_id"
        )
    )
    assert [row[0] for row in rows] == list(range(1, expected + 1))
    assert all(issue == start for _, issue, start, _ in rows)  # never pushed to the run date
    assert [row[1] for row in rows] == sorted(row[1] for row in rows)  # chronological numbers
    periods = [(row[3], row[2]) for row in rows]
    assert len(periods) == len(set(periods))
    assert RecurringPeriod.objects.filter(invoice__isnull=False).count() == expected


def test_workers_on_one_day_match_one_process(company, staff_user):
    """The same schedules billed by one process and by two give the same invoices."""
    customer = CustomerFactory(owner=staff_user)
    for _ in range(6):
        make_schedule(owner=staff_user, customer=customer, start_date=dt.date(2025, 3, 31))

    assert _run("--date", "2025-03-31", "--workers", "2")["invoices"] == 6

    invoices = Invoice.objects.all()
    assert {(i.status, i.issue_date, i.period_start, str(i.gross_total)) for i in invoices} == {
        ("issued", dt.date(2025, 3, 31), dt.date(2025, 3, 31), "119.0000")
    }
    assert sorted(invoices.values_list("number", flat=True)) == [
        f"INV-2025-{n:05d}" for n in range(1, 7)
    ]


def test_workers_must_be_positive():
    with pytest.raises(CommandError, match="--workers"):
        _run("--workers", "0")
