"""No N+1: list, detail, create (100 items) and issue run a pinned number of queries."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection

from common.tests.factories import CustomerFactory
from invoices import services
from invoices.tests.factories import line, make_draft, make_issued

pytestmark = pytest.mark.django_db

URL = "/api/invoices/"


def _fill(owner, count: int) -> None:
    customer = CustomerFactory(owner=owner)
    for _ in range(count):
        invoice = make_issued(owner=owner, customer=customer, items=[line(), line(), line()])
        services.payment_record(invoice=invoice, amount=Decimal("1.00"))


@pytest.mark.parametrize("invoices", [3, 30])
def test_list_query_count_is_constant(
    staff_client, company, staff_user, invoices, django_assert_num_queries
):
    _fill(staff_user, invoices)

    # user, count, invoices, items (allowances/charges and payments ride on the invoice row)
    with django_assert_num_queries(4):
        response = staff_client.get(f"{URL}?page_size=50")

    assert response.status_code == 200
    assert len(response.json()["results"]) == invoices
    assert all(len(row["items"]) == 3 for row in response.json()["results"])


def test_detail_query_count(staff_client, company, staff_user, django_assert_max_num_queries):
    invoice = make_issued(owner=staff_user, items=[line()] * 20)

    # (+1 in tests: the company's time zone is read anew per test, kept per process else)
    with django_assert_max_num_queries(4):
        response = staff_client.get(f"{URL}{invoice.id}/")

    assert len(response.json()["items"]) == 20


def test_create_with_100_items_recalculates_once(
    staff_client, company, staff_user, django_assert_max_num_queries
):
    customer = CustomerFactory(owner=staff_user)
    payload = {
        "customer": customer.id,
        "items": [
            {"description": f"Line {n}", "quantity": "1", "unit_price": "1.00", "tax_rate": "19"}
            for n in range(100)
        ],
    }

    with django_assert_max_num_queries(11):  # the time zone as above
        response = staff_client.post(URL, payload, format="json")

    assert response.status_code == 201
    assert response.json()["line_total"] == "100.00"
    assert response.json()["gross_total"] == "119.00"


def test_update_with_100_items(staff_client, company, staff_user, django_assert_max_num_queries):
    draft = make_draft(owner=staff_user, items=[line()] * 100)
    payload = {
        "items": [{"description": "x", "quantity": "2", "unit_price": "1.00", "tax_rate": "19"}]
        * 100
    }

    with django_assert_max_num_queries(15):
        response = staff_client.patch(f"{URL}{draft.id}/", payload, format="json")

    assert response.status_code == 200
    assert response.json()["gross_total"] == "238.00"


def test_issue_query_count(staff_client, company, staff_user, django_assert_max_num_queries):
    draft = make_draft(owner=staff_user, items=[line()] * 50)

    # user, invoice locked with its customer, items, allowances/charges, company (from
    # the database: the seller snapshot), customer figures, number counter, invoice
    # UPDATE, the report rollups' upsert, the time zone as above (+ savepoint on PostgreSQL)
    with django_assert_max_num_queries(12):
        response = staff_client.post(f"{URL}{draft.id}/issue/")

    assert response.status_code == 200
    assert response.json()["status"] == "issued"


def test_payment_query_count(staff_client, company, staff_user, django_assert_max_num_queries):
    invoice = make_issued(owner=staff_user)

    # the time zone as above; the report rollups' upsert (one per write), with the payment
    # rollups' in the same statement on PostgreSQL, in a second one elsewhere
    with django_assert_max_num_queries(12 if connection.vendor == "postgresql" else 13):
        response = staff_client.post(
            f"{URL}{invoice.id}/payments/", {"amount": "10.00"}, format="json"
        )

    assert response.status_code == 201
