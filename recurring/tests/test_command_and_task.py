"""The runner: `run_recurring_invoices` and the daily beat task."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from invoices.models import Invoice
from recurring.models import RecurringPeriod
from recurring.tasks import recurring_invoices_run
from recurring.tests.factories import make_schedule
from settings_app.calendar import company_today

pytestmark = pytest.mark.django_db


def _command(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("run_recurring_invoices", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_command_bills_due_periods_with_a_progress_bar(company, staff_user):
    make_schedule(owner=staff_user, start_date=dt.date(2025, 1, 31))
    make_schedule(owner=staff_user, start_date=dt.date(2025, 3, 15))

    out, err = _command("--date", "2025-03-31")

    summary = json.loads(out.strip().splitlines()[-1])
    assert summary["invoices"] == 4 and summary["schedules"] == 2
    assert "schedule" in err  # tqdm's bar
    assert json.loads(_command("--date", "2025-03-31")[0])["invoices"] == 0
    assert Invoice.objects.count() == 4


def test_dry_run_writes_nothing(company, staff_user):
    make_schedule(owner=staff_user, start_date=dt.date(2025, 1, 31))

    out, _ = _command("--date", "2025-03-31", "--dry-run")

    assert "3 period(s) from 2025-01-31" in out
    assert json.loads(out.strip().splitlines()[-1])["periods"] == 3
    assert Invoice.objects.count() == 0 and RecurringPeriod.objects.count() == 0


@pytest.mark.parametrize("value", ["2025-02-30", "tomorrow", "2999-01-01"])
def test_bad_dates_are_refused(company, value):
    with pytest.raises(CommandError):
        _command("--date", value)


def test_failures_are_reported(company, staff_user):
    from common.tests.factories import CustomerFactory

    make_schedule(
        owner=staff_user,
        customer=CustomerFactory(owner=staff_user, postal_code=""),
        start_date=dt.date(2025, 1, 1),
    )

    out, err = _command("--date", "2025-01-01", "--no-progress")

    assert json.loads(out)["failed"] == 1
    assert "invoice_not_issuable" in err


def test_the_task_delivered_twice_bills_once(company, staff_user):
    schedule = make_schedule(owner=staff_user, start_date=company_today())

    first = recurring_invoices_run.apply().get()
    second = recurring_invoices_run.apply().get()

    assert (first["invoices"], second["invoices"]) == (1, 0)
    assert Invoice.objects.filter(recurring_invoice=schedule).count() == 1


def test_the_beat_runs_it_daily():
    entry = settings.CELERY_BEAT_SCHEDULE["run-recurring-invoices"]
    assert entry["task"] == recurring_invoices_run.name
    assert entry["schedule"].hour == {settings.RECURRING_RUN_HOUR}
