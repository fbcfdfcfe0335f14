"""An invoice may be due at once: payment terms of 0 days, due date = issue date."""

from __future__ import annotations

import pytest

from reminders.tests.helpers import today

pytestmark = pytest.mark.django_db

CUSTOMER = {
    "name": "Cash Buyer",
    "email": "cash@buyer.example",
    "street": "Hauptstraße 2",
    "city": "Berlin",
    "postal_code": "10115",
    "country": "DE",
    "payment_terms_days": 0,
}
LINE = {"description": "Work", "quantity": "1", "unit_price": "100.00", "tax_rate": "19.00"}


def test_zero_payment_terms_and_due_on_the_issue_date_via_the_api(staff_client, company):
    customer = staff_client.post("/api/customers/", CUSTOMER, format="json")
    assert customer.status_code == 201, customer.json()
    assert customer.json()["payment_terms_days"] == 0

    draft = staff_client.post(
        "/api/invoices/", {"customer": customer.json()["id"], "items": [LINE]}, format="json"
    ).json()
    issued = staff_client.post(f"/api/invoices/{draft['id']}/issue/", {}, format="json")

    assert issued.status_code == 200, issued.json()
    assert issued.json()["issue_date"] == issued.json()["due_date"] == today().isoformat()

    explicit = staff_client.post(
        "/api/invoices/",
        {
            "customer": customer.json()["id"],
            "items": [LINE],
            "issue_date": today().isoformat(),
            "due_date": today().isoformat(),
        },
        format="json",
    )
    assert explicit.status_code == 201
    answer = staff_client.post(f"/api/invoices/{explicit.json()['id']}/issue/", {}, format="json")
    assert answer.status_code == 200
    assert answer.json()["due_date"] == today().isoformat()


def test_negative_payment_terms_are_refused(staff_client, company):
    response = staff_client.post(
        "/api/customers/", {**CUSTOMER, "payment_terms_days": -1}, format="json"
    )
    assert response.status_code == 400
    assert "payment_terms_days" in response.json()["error"]["details"]
