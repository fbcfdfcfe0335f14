"""`manage.py send_payment_reminders` and the beat task `payment_reminders_send`."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from io import StringIO

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import CommandError, call_command

from documents.models import InvoiceSending
from invoices.models import Invoice
from reminders.models import PaymentReminder
from reminders.tasks import payment_reminders_send
from reminders.tests.helpers import issued_due, set_levels, today

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


def _run(*args: str) -> tuple[dict, str]:
    out, err = StringIO(), StringIO()
    call_command("send_payment_reminders", *args, stdout=out, stderr=err)
    return json.loads(out.getvalue().strip().splitlines()[-1]), out.getvalue() + err.getvalue()


def test_command_sends_what_is_due_on_the_given_day(company, staff_user):
    due = today() - 30 * DAY
    invoice = issued_due(owner=staff_user, due=due)

    summary, output = _run("--date", (due + 7 * DAY).isoformat())

    assert summary == {
        "run_date": (due + 7 * DAY).isoformat(),
        "invoices": 1,
        "sent": 1,
        "fee_invoices": 0,
        "skipped": 0,
        "failed": 0,
    }
    assert "Reminders" in output  # the progress bar, on stderr
    assert PaymentReminder.objects.get().level == 1
    # the same day again: nothing due any more
    assert _run("--date", (due + 7 * DAY).isoformat(), "--no-progress")[0]["invoices"] == 0
    assert Invoice.objects.get(pk=invoice.pk).reminder_level == 1


def test_date_simulates_eligibility_but_fees_are_dated_today(company, staff_user):
    set_levels(company, [{"days_after_due": 7, "fee_amount": "3.00"}])
    due = today() - 30 * DAY
    issued_due(owner=staff_user, due=due)

    _run("--date", (due + 7 * DAY).isoformat(), "--no-progress")

    fee = PaymentReminder.objects.get().fee_invoice
    assert (fee.issue_date, fee.gross_total) == (today(), Decimal("3.00"))


def test_dry_run_writes_nothing(company, staff_user):
    set_levels(company, [{"days_after_due": 7, "fee_amount": "3.00"}])
    invoice = issued_due(owner=staff_user, due=today() - 10 * DAY)

    out = StringIO()
    call_command("send_payment_reminders", "--dry-run", stdout=out)

    lines = out.getvalue().strip().splitlines()
    assert lines[0] == f"Invoice {invoice.number}: reminder 1, fee 3.00"
    assert json.loads(lines[-1]) == {
        "run_date": today().isoformat(),
        "dry_run": True,
        "reminders": 1,
    }
    assert PaymentReminder.objects.count() == 0
    assert InvoiceSending.objects.count() == 0
    assert Invoice.objects.count() == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--date", "2026-02-30"], "--date"),
        (["--date", "yesterday"], "--date"),
        (["--date", "2099-01-01"], "after today"),
    ],
)
def test_command_refuses_bad_dates(company, staff_user, args, message):
    issued_due(owner=staff_user, due=today() - 10 * DAY)

    with pytest.raises(CommandError, match=message):
        call_command("send_payment_reminders", *args, stdout=StringIO(), stderr=StringIO())
    assert PaymentReminder.objects.count() == 0


def test_a_future_date_is_allowed_for_a_dry_run(company, staff_user):
    issued_due(owner=staff_user, due=today())
    out = StringIO()
    call_command(
        "send_payment_reminders", "--dry-run", "--date", (today() + 7 * DAY).isoformat(), stdout=out
    )
    assert json.loads(out.getvalue().splitlines()[-1])["reminders"] == 1
    assert PaymentReminder.objects.count() == 0


def test_command_reports_a_refused_reminder_and_goes_on(company, staff_user):
    set_levels(company, [{"days_after_due": 7, "fee_amount": "3.00"}])
    broken = issued_due(owner=staff_user, due=today() - 9 * DAY)
    fine = issued_due(owner=staff_user, due=today() - 8 * DAY)
    type(broken.customer).objects.filter(pk=broken.customer_id).update(city="")

    summary, output = _run("--no-progress")

    assert (summary["sent"], summary["failed"]) == (1, 1)
    assert f"Invoice {broken.pk}: invoice_not_issuable" in output
    assert list(PaymentReminder.objects.values_list("invoice_id", flat=True)) == [fine.pk]


def test_command_with_reminders_off_says_so(company, staff_user):
    issued_due(owner=staff_user, due=today() - 10 * DAY)
    set_levels(company, company.reminder_levels, reminders_enabled=False)

    summary, output = _run("--no-progress")

    assert summary["invoices"] == 0
    assert "reminders_enabled" in output
    assert PaymentReminder.objects.count() == 0


def test_task_sends_and_a_second_delivery_sends_nothing(
    company, staff_user, django_capture_on_commit_callbacks
):
    invoice = issued_due(owner=staff_user, due=today() - 14 * DAY)

    with django_capture_on_commit_callbacks(execute=True):
        first = payment_reminders_send.apply().result
    with django_capture_on_commit_callbacks(execute=True):
        second = payment_reminders_send.apply().result

    assert (first["sent"], second["invoices"]) == (1, 0)
    assert PaymentReminder.objects.get().level == 2
    assert [m.to for m in mail.outbox] == [[invoice.customer.email]]


def test_task_refuses_on_reminders_off(company, staff_user):
    issued_due(owner=staff_user, due=today() - 14 * DAY)
    set_levels(company, company.reminder_levels, reminders_enabled=False)

    assert payment_reminders_send.apply().result["sent"] == 0
    assert PaymentReminder.objects.count() == 0


def test_beat_runs_the_task_daily_at_the_configured_hour():
    entry = settings.CELERY_BEAT_SCHEDULE["send-payment-reminders"]
    assert entry["task"] == payment_reminders_send.name
    assert entry["schedule"].hour == {settings.REMINDERS_RUN_HOUR}
    assert entry["schedule"].minute == {settings.REMINDERS_RUN_MINUTE}
