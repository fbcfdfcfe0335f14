"""The recurring-invoices endpoints: contract, ownership, errors, preview, actions."""

from __future__ import annotations

import datetime as dt

import pytest

from common.tests.factories import CustomerFactory
from invoices.models import Invoice
from recurring import services
from recurring.models import RecurringInvoice
from recurring.tests.factories import make_schedule

pytestmark = pytest.mark.django_db
URL = "/api/recurring-invoices/"


def _body(customer, **extra):
    return {
        "customer": customer.pk,
        "frequency": "monthly",
        "start_date": "2025-01-31",
        "items": [
            {"description": "Retainer {month}", "quantity": "1", "unit_price": "1000.00"},
        ],
        **extra,
    }


def test_create_and_read_the_contract(company, staff_user, staff_client):
    customer = CustomerFactory(owner=staff_user)

    response = staff_client.post(
        URL, _body(customer, interval=2, max_cycles=6, order_reference="PO-1"), format="json"
    )

    assert response.status_code == 201, response.content
    data = response.json()
    assert {k: data[k] for k in ("frequency", "interval", "status", "next_period_start")} == {
        "frequency": "monthly",
        "interval": 2,
        "status": "active",
        "next_period_start": "2025-01-31",
    }
    assert data["cycles_done"] == 0
    assert data["last_run_at"] is None and data["last_error"] is None
    assert data["currency"] == "EUR" and data["issue_mode"] == "issue"
    assert data["items"][0]["tax_rate"] == "19.00"  # the company's default
    assert data["order_reference"] == "PO-1"
    assert staff_client.get(f"{URL}{data['id']}/").json() == data


@pytest.mark.parametrize(
    "change,field",
    [
        ({"frequency": "daily"}, "frequency"),
        ({"interval": 0}, "interval"),
        ({"start_date": "1999-12-31"}, "start_date"),
        ({"end_date": "2025-01-01"}, "end_date"),
        ({"items": []}, "items"),
        ({"items": [{"description": "x", "quantity": "0", "unit_price": "1"}]}, "items"),
        ({"issue_mode": "mail"}, "issue_mode"),
        ({"max_cycles": 0}, "max_cycles"),
        ({"days_until_due": -1}, "days_until_due"),
        ({"currency": "XYZ"}, "currency"),
    ],
)
def test_bad_input_is_a_400_with_the_field(company, staff_user, staff_client, change, field):
    customer = CustomerFactory(owner=staff_user)

    response = staff_client.post(URL, _body(customer, **change), format="json")

    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert field in error["details"]
    assert RecurringInvoice.objects.count() == 0


def test_another_users_customer_is_a_400(company, staff_user, other_staff, staff_client):
    response = staff_client.post(URL, _body(CustomerFactory(owner=other_staff)), format="json")

    assert response.status_code == 400
    assert "customer" in response.json()["error"]["details"]


def test_staff_see_their_own_admins_all(
    company, staff_user, other_staff, staff_client, other_client, admin_client
):
    schedule = make_schedule(owner=staff_user)

    assert other_client.get(f"{URL}{schedule.pk}/").status_code == 404
    assert other_client.get(URL).json()["results"] == []
    assert [r["id"] for r in staff_client.get(URL).json()["results"]] == [schedule.pk]
    assert admin_client.get(f"{URL}{schedule.pk}/").status_code == 200
    assert staff_client.get(f"{URL}99999999999999999999999/").status_code == 404


def test_actions_and_refused_state_changes(company, staff_user, staff_client):
    schedule = make_schedule(owner=staff_user, start_date=dt.date(2099, 1, 1))
    base = f"{URL}{schedule.pk}/"

    assert staff_client.post(f"{base}pause/").json()["status"] == "paused"
    refused = staff_client.post(f"{base}pause/")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "recurring_not_active"
    resumed = staff_client.post(f"{base}resume/", {"catch_up": True}, format="json")
    assert resumed.json()["status"] == "active"
    assert staff_client.post(
        f"{base}resume/", {"catch_up": "maybe"}, format="json"
    ).status_code in (
        400,
        409,
    )
    assert staff_client.post(f"{base}cancel/").json()["status"] == "cancelled"
    assert staff_client.post(f"{base}cancel/").status_code == 409
    assert staff_client.patch(base, {"notes": "x"}, format="json").status_code == 409


def test_delete_with_generated_invoices_is_a_409(company, staff_user, staff_client):
    schedule = make_schedule(owner=staff_user, start_date=dt.date(2025, 1, 1))
    services.recurring_run(run_date=dt.date(2025, 1, 1))

    response = staff_client.delete(f"{URL}{schedule.pk}/")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "recurring_has_invoices"
    assert RecurringInvoice.objects.filter(pk=schedule.pk).exists()


def test_preview_shows_three_periods_and_writes_nothing(company, staff_user, staff_client):
    schedule = make_schedule(owner=staff_user, start_date=dt.date(2099, 1, 31))

    response = staff_client.get(f"{URL}{schedule.pk}/preview/")

    assert response.status_code == 200
    periods = response.json()
    assert [(p["period_start"], p["period_end"], p["issue_date"]) for p in periods] == [
        ("2099-01-31", "2099-02-27", "2099-01-31"),
        ("2099-02-28", "2099-03-30", "2099-02-28"),
        ("2099-03-31", "2099-04-29", "2099-03-31"),
    ]
    assert periods[0]["gross_total"] == "119.00"
    assert periods[1]["items"][0]["description"] == "Retainer February 2099"
    assert Invoice.objects.count() == 0


def test_generated_invoices_carry_the_schedule_and_are_filtered(company, staff_user, staff_client):
    schedule = make_schedule(owner=staff_user, start_date=dt.date(2025, 1, 1))
    make_schedule(owner=staff_user, start_date=dt.date(2025, 1, 1))
    services.recurring_run(run_date=dt.date(2025, 2, 1))

    response = staff_client.get(f"/api/invoices/?recurring_invoice={schedule.pk}")

    rows = response.json()["results"]
    assert len(rows) == 2
    assert {row["recurring_invoice"] for row in rows} == {schedule.pk}
    detail = staff_client.get(f"/api/invoices/{rows[0]['id']}/").json()
    assert detail["recurring_invoice"] == schedule.pk
    read = staff_client.get(f"{URL}{schedule.pk}/").json()
    assert read["cycles_done"] == 2 and read["next_period_start"] == "2025-03-01"
    assert staff_client.get("/api/invoices/?recurring_invoice=abc").status_code == 400


def test_a_failure_is_visible_in_the_api(company, staff_user, staff_client):
    customer = CustomerFactory(owner=staff_user, city="")
    schedule = make_schedule(owner=staff_user, customer=customer, start_date=dt.date(2025, 1, 1))
    services.recurring_run(run_date=dt.date(2025, 1, 1))

    error = staff_client.get(f"{URL}{schedule.pk}/").json()["last_error"]

    assert error["code"] == "invoice_not_issuable"
    assert error["period_start"] == "2025-01-01"
