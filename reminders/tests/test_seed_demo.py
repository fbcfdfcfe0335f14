"""The demo data shows an overdue invoice with two reminders sent (idempotent)."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from reminders.models import PaymentReminder

pytestmark = pytest.mark.django_db


def test_seed_demo_sends_two_reminders_once(settings):
    settings.DEBUG = True  # seed_demo refuses to run otherwise (known passwords)

    call_command("seed_demo", verbosity=0)
    call_command("seed_demo", verbosity=0)

    reminders = list(PaymentReminder.objects.select_related("invoice"))
    assert [r.level for r in reminders] == [1, 2]
    assert len({r.invoice_id for r in reminders}) == 1
    invoice = reminders[0].invoice
    assert invoice.reminder_level == 2
    assert invoice.is_overdue
    assert [r.sending.purpose for r in reminders] == ["reminder", "reminder"]
