"""The reminders' back-office list: read-only, owned like their invoices."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from reminders.services import payment_reminder_send_due
from reminders.tests.helpers import issued_due, today

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/reminders/paymentreminder/"
DAY = dt.timedelta(days=1)


def _logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def reminders(company, staff_user, other_staff):
    due = today() - 10 * DAY
    mine = issued_due(owner=staff_user, due=due)
    theirs = issued_due(owner=other_staff, due=due)
    for invoice in (mine, theirs):
        payment_reminder_send_due(invoice_id=invoice.pk, run_date=due + 7 * DAY)
    return mine, theirs


def test_admin_lists_every_reminder_with_links(
    admin_user, reminders, django_assert_max_num_queries
):
    client = _logged_in(admin_user)
    with django_assert_max_num_queries(12):
        page = client.get(CHANGELIST)

    assert page.status_code == 200
    text = page.content.decode()
    for invoice in reminders:
        assert f"/admin/invoices/invoice/{invoice.pk}/change/" in text
    assert "Add payment reminder" not in text


def test_staff_see_only_their_invoices_reminders(staff_user, reminders):
    mine, theirs = reminders
    client = _logged_in(staff_user)

    text = client.get(CHANGELIST).content.decode()
    assert f"/admin/invoices/invoice/{mine.pk}/change/" in text
    assert f"/admin/invoices/invoice/{theirs.pk}/change/" not in text
    other = theirs.reminders.get()
    assert client.get(f"{CHANGELIST}{other.pk}/change/").status_code in (302, 404)
    own = mine.reminders.get()
    assert client.get(f"{CHANGELIST}{own.pk}/change/").status_code == 200


def test_nobody_adds_changes_or_deletes_a_reminder(admin_user, reminders):
    client = _logged_in(admin_user)
    reminder = reminders[0].reminders.get()

    assert client.get(f"{CHANGELIST}add/").status_code == 403
    assert client.post(f"{CHANGELIST}{reminder.pk}/delete/", {"post": "yes"}).status_code == 403
    client.post(f"{CHANGELIST}{reminder.pk}/change/", {"level": "3"})
    reminder.refresh_from_db()
    assert reminder.level == 1


def test_the_invoice_page_links_its_reminders(admin_user, reminders):
    mine, _ = reminders
    client = _logged_in(admin_user)

    page = client.get(f"/admin/invoices/invoice/{mine.pk}/change/").content.decode()
    link = f"{CHANGELIST}?invoice={mine.pk}"
    assert "Level 1 sent" in page and link in page

    listed = client.get(link)
    assert listed.status_code == 200
    assert [r.invoice_id for r in listed.context["cl"].result_list] == [mine.pk]
