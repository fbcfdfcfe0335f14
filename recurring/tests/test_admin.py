"""The back office: schedules with their lines inline, through the services."""

from __future__ import annotations

import datetime as dt

import pytest

from common.tests.factories import CustomerFactory
from invoices.tests.admin_helpers import ITEM_DEFAULTS, _formset, logged_in
from recurring import services
from recurring.models import RecurringInvoice
from recurring.tests.factories import make_schedule

pytestmark = pytest.mark.django_db
BASE = "/admin/recurring/recurringinvoice/"


def _post_data(customer, owner, rows, **fields):
    data = {
        "owner": owner.pk,
        "customer": customer.pk,
        "frequency": "monthly",
        "interval": "1",
        "start_date": "2099-01-31",
        "issue_mode": "issue",
        "currency": "EUR",
        **fields,
    }
    data.update(_formset("items", rows, 0, ITEM_DEFAULTS))
    data.update(_formset("allowances_charges", [], 0, {}))
    data.update(_formset("periods", [], 0, {}))
    return data


def test_changelist_and_change_page_show_next_dates_and_invoices(company, admin_user, staff_user):
    schedule = make_schedule(owner=staff_user, start_date=dt.date(2025, 1, 31))
    services.recurring_run(run_date=dt.date(2025, 2, 28))
    client = logged_in(admin_user)

    assert client.get(BASE).status_code == 200
    page = client.get(f"{BASE}{schedule.pk}/change/").content.decode()

    assert "2025-03-31..2025-04-29" in page
    assert "INV-2025-00002" in page


def test_add_through_the_service_and_refusals_on_the_lines(company, admin_user):
    customer = CustomerFactory(owner=admin_user)
    client = logged_in(admin_user)

    refused = client.post(
        f"{BASE}add/", _post_data(customer, admin_user, [{"tax_rate": "7", "tax_category": "Z"}])
    )
    assert refused.status_code == 200  # shown again with the error
    assert RecurringInvoice.objects.count() == 0

    created = client.post(f"{BASE}add/", _post_data(customer, admin_user, [{}]))
    assert created.status_code == 302, created.content[:2000]
    schedule = RecurringInvoice.objects.get()
    assert schedule.items.get().description == "Work"
    assert schedule.next_period_start == dt.date(2099, 1, 31)


def test_pause_and_resume_actions(company, admin_user, staff_user):
    schedule = make_schedule(owner=staff_user, start_date=dt.date(2099, 1, 31))
    client = logged_in(admin_user)

    client.post(BASE, {"action": "pause_selected", "_selected_action": [schedule.pk]})
    assert RecurringInvoice.objects.get().status == "paused"
    client.post(BASE, {"action": "resume_selected", "_selected_action": [schedule.pk]})
    assert RecurringInvoice.objects.get().status == "active"
