"""GET /api/invoices/{id}/reminders/: owned like the invoice, queries pinned."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from reminders.services import payment_reminder_send_due
from reminders.tests.helpers import issued_due, set_levels, today

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


def _url(invoice) -> str:
    return f"/api/invoices/{invoice.pk}/reminders/"


@pytest.fixture
def reminded(company, staff_user, settings):
    """An invoice with reminder 1 (no fee, interest) and reminder 2 (5.00 fee + interest)."""
    settings.LATE_INTEREST_BASE_RATES = [(dt.date(2000, 1, 1), Decimal("1.27"))]
    set_levels(
        company,
        [{"days_after_due": 7, "fee_amount": "0"}, {"days_after_due": 14, "fee_amount": "5.00"}],
        late_interest=True,
    )
    due = today() - 20 * DAY
    invoice = issued_due(owner=staff_user, due=due)
    payment_reminder_send_due(invoice_id=invoice.pk, run_date=due + 7 * DAY)
    payment_reminder_send_due(invoice_id=invoice.pk, run_date=due + 14 * DAY)
    return invoice


def test_owner_lists_the_reminders_lowest_first(
    staff_client, reminded, django_assert_max_num_queries
):
    with django_assert_max_num_queries(4):  # token user check, invoice, reminders + joins
        response = staff_client.get(_url(reminded))

    assert response.status_code == 200
    first, second = response.json()
    assert [first["level"], second["level"]] == [1, 2]
    sendings = reminded.sendings.order_by("reminder_level")
    assert [first["sending"], second["sending"]] == [s.pk for s in sendings]
    assert first["sending_status"] == "queued"  # delivered after commit (not in this test)
    # level 1 has no fee, but the interest of days 1..7 is billed: on its own fee invoice
    assert first["fee_amount"] is None
    assert first["interest"]["total"] == "0.23"
    assert staff_client.get(f"/api/invoices/{first['fee_invoice']}/").json()["gross_total"] == (
        "0.23"
    )
    assert first["amount_due"] == "119.00"
    assert first["days_overdue"] == 7
    due = reminded.due_date
    assert first["run_date"] == (due + 7 * DAY).isoformat()
    # level 2 bills the fee and the interest of days 8..14 (level 1 billed days 1..7)
    fee = second["fee_invoice"]
    assert isinstance(fee, int)
    assert second["fee_invoice_number"].startswith("INV-")
    assert second["fee_amount"] == "5.00"
    assert second["interest"]["periods"][0]["from"] == (due + 8 * DAY).isoformat()
    assert second["interest"]["periods"][0]["days"] == 7
    assert second["interest"]["points"] == "9"
    # 119 x 10.27 % x 7 / 365 = 0.2344 -> 0.23; 5.00 + 0.23 on the fee invoice
    assert second["interest"]["total"] == "0.23"
    fee_answer = staff_client.get(f"/api/invoices/{fee}/").json()
    assert fee_answer["gross_total"] == "5.23"
    assert fee_answer["buyer_reference"] == reminded.number
    # and the original still owes what it owed
    assert staff_client.get(f"/api/invoices/{reminded.pk}/").json()["amount_due"] == "119.00"


def test_queries_do_not_grow_with_reminders(staff_client, reminded, django_assert_num_queries):
    with django_assert_num_queries(3):
        staff_client.get(_url(reminded))


def test_admin_sees_them(admin_client, reminded):
    response = admin_client.get(_url(reminded))
    assert response.status_code == 200
    assert len(response.json()) == 2


def test_another_users_invoice_answers_like_a_missing_one(other_client, reminded):
    response = other_client.get(_url(reminded))
    missing = other_client.get("/api/invoices/2147483647/reminders/")

    assert response.status_code == missing.status_code == 404
    assert response.json() == missing.json()
    assert response.json()["error"]["code"] == "not_found"


def test_anonymous_gets_401(api_client, reminded):
    assert api_client.get(_url(reminded)).status_code == 401


def test_an_invoice_without_reminders_answers_an_empty_list(staff_client, company, staff_user):
    invoice = issued_due(owner=staff_user, due=today())
    assert staff_client.get(_url(invoice)).json() == []
