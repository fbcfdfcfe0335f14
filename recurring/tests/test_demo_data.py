"""The demo data (issue 15, 8): a monthly retainer anchored on a 31st and a yearly
licence, each with its billed history, numbered gap-free among the other invoices."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command

from invoices.models import Invoice
from recurring.models import RecurringInvoice

pytestmark = pytest.mark.django_db


def test_seed_demo_has_two_schedules_with_their_history(settings):
    settings.DEBUG = True  # seed_demo refuses to run otherwise (known passwords)

    call_command("seed_demo", verbosity=0)
    call_command("seed_demo", verbosity=0)  # idempotent: no second history

    schedules = {s.frequency: s for s in RecurringInvoice.objects.all()}
    assert sorted(schedules) == ["monthly", "yearly"]
    retainer, licence = schedules["monthly"], schedules["yearly"]
    assert retainer.start_date.day == 31
    retainer_invoices = Invoice.objects.filter(recurring_invoice=retainer).order_by("period_start")
    assert retainer_invoices.count() == retainer.cycles_done >= 4
    assert [i.issue_date for i in retainer_invoices] == [i.period_start for i in retainer_invoices]
    # anchored on a 31st: every period starts on its month's last day, never drifting
    assert all((i.period_start + dt.timedelta(days=1)).day == 1 for i in retainer_invoices)
    assert Invoice.objects.filter(recurring_invoice=licence).count() == licence.cycles_done >= 1
    sequences: dict[tuple[str, int], list[int]] = {}
    for series, year, sequence in Invoice.objects.filter(number__isnull=False).values_list(
        "series", "number_year", "sequence"
    ):
        sequences.setdefault((series, year), []).append(sequence)
    assert sequences
    assert all(sorted(seqs) == list(range(1, len(seqs) + 1)) for seqs in sequences.values())
