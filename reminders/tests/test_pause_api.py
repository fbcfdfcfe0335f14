"""PATCH /api/invoices/{id}/ {"reminders_paused"}: the one write an issued invoice takes."""

from __future__ import annotations

import datetime as dt

import pytest

from invoices.models import Invoice
from reminders.models import PaymentReminder
from reminders.services import payment_reminder_send_due
from reminders.tests.helpers import issued_due, set_levels, today

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


def _url(invoice) -> str:
    return f"/api/invoices/{invoice.pk}/"


@pytest.fixture
def overdue(company, staff_user):
    set_levels(company, [{"days_after_due": 7, "fee_amount": "0"}])
    return issued_due(owner=staff_user, due=today() - 10 * DAY)


def test_pausing_an_issued_invoice_stops_its_reminders(
    staff_client, overdue, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):
        response = staff_client.patch(_url(overdue), {"reminders_paused": True}, format="json")

    assert response.status_code == 200, response.json()
    assert response.json()["reminders_paused"] is True
    assert response.json()["reminder_level"] == 0
    assert response.json()["status"] == "issued"
    payment_reminder_send_due(invoice_id=overdue.pk, run_date=today())
    assert not PaymentReminder.objects.filter(invoice=overdue).exists()

    resumed = staff_client.patch(_url(overdue), {"reminders_paused": False}, format="json")
    assert resumed.json()["reminders_paused"] is False
    payment_reminder_send_due(invoice_id=overdue.pk, run_date=today())
    assert list(
        PaymentReminder.objects.filter(invoice=overdue).values_list("level", flat=True)
    ) == [1]
    assert staff_client.get(_url(overdue)).json()["reminder_level"] == 1


def test_content_beside_the_pause_is_refused_and_nothing_changes(staff_client, overdue):
    response = staff_client.patch(
        _url(overdue), {"reminders_paused": True, "notes": "changed"}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "invoice_not_editable"
    row = Invoice.objects.get(pk=overdue.pk)
    assert (row.reminders_paused, row.notes) == (False, overdue.notes)


def test_a_non_boolean_is_a_400(staff_client, overdue):
    response = staff_client.patch(_url(overdue), {"reminders_paused": "maybe"}, format="json")

    assert response.status_code == 400
    assert "reminders_paused" in response.json()["error"]["details"]
    assert Invoice.objects.get(pk=overdue.pk).reminders_paused is False


def test_another_users_invoice_is_a_404(other_client, overdue):
    response = other_client.patch(_url(overdue), {"reminders_paused": True}, format="json")

    assert response.status_code == 404
    assert Invoice.objects.get(pk=overdue.pk).reminders_paused is False
