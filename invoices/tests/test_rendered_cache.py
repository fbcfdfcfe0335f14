"""Invoices rendered once per version: a list page re-reads no item of an unchanged invoice,
and any change shows at once."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from invoices import representation, services
from invoices.tests.factories import line, make_issued

pytestmark = pytest.mark.django_db
URL = "/api/invoices/"


def _page(client):
    response = client.get(f"{URL}?page_size=50")
    assert response.status_code == 200
    return response.json()


def test_an_unchanged_page_costs_no_item_query(
    staff_client, staff_user, company, django_assert_max_num_queries
):
    for _ in range(3):
        make_issued(owner=staff_user, items=[line(), line()])
    first = _page(staff_client)

    with django_assert_max_num_queries(3):  # user, count, invoices: no items
        again = _page(staff_client)

    assert again == first


def test_a_payment_shows_at_once(staff_client, staff_user, company):
    invoice = make_issued(owner=staff_user)  # 119.00
    assert _page(staff_client)["results"][0]["amount_due"] == "119.00"

    services.payment_record(invoice=invoice, amount=Decimal("19.00"))

    row = _page(staff_client)["results"][0]
    assert (row["status"], row["paid_total"], row["amount_due"]) == (
        "partially_paid",
        "19.00",
        "100.00",
    )
    assert row["payments"][0]["amount"] == "19.00"
    assert staff_client.get(f"{URL}{invoice.pk}/").json() == row


def test_overdue_follows_the_day_and_links_follow_the_setting(
    staff_client, staff_user, company, monkeypatch, settings
):
    invoice = make_issued(owner=staff_user)
    due = dt.date.fromisoformat(_page(staff_client)["results"][0]["due_date"])
    assert _page(staff_client)["results"][0]["is_overdue"] is False

    monkeypatch.setattr(representation, "company_today", lambda: due + dt.timedelta(1))
    assert _page(staff_client)["results"][0]["is_overdue"] is True

    settings.PUBLIC_BASE_URL = "https://billing.example.org"
    url = _page(staff_client)["results"][0]["public_url"]
    assert url == f"https://billing.example.org/i/{invoice.public_token}/"


def test_the_cache_stays_bounded(staff_client, staff_user, company, monkeypatch):
    monkeypatch.setattr(representation, "RENDERED_MAX", 2)
    monkeypatch.setattr(representation, "_RENDERED", {})
    for _ in range(3):
        make_issued(owner=staff_user)

    assert len(_page(staff_client)["results"]) == 3
    assert len(representation._RENDERED) == 2
