"""The invoice read shape carries the customer's current name, at no extra query."""

from __future__ import annotations

import pytest

from common.tests.factories import CustomerFactory
from customers.services import customer_update
from invoices.tests.factories import make_draft, make_issued

pytestmark = pytest.mark.django_db


def test_list_and_detail_show_the_customers_current_name(staff_client, staff_user, company):
    customer = CustomerFactory(owner=staff_user, name="Acme GmbH")
    invoice = make_issued(owner=staff_user, customer=customer)
    make_draft(owner=staff_user, customer=CustomerFactory(owner=staff_user, name="Beta SA"))

    listed = staff_client.get("/api/invoices/").json()["results"]
    assert [row["customer_name"] for row in listed] == ["Beta SA", "Acme GmbH"]
    customer_update(customer=customer, name="Acme Holding GmbH")

    # a rename saves no invoice: the rendered copies must follow all the same
    listed = staff_client.get("/api/invoices/").json()["results"]
    detail = staff_client.get(f"/api/invoices/{invoice.pk}/").json()
    assert listed[1]["customer_name"] == "Acme Holding GmbH"
    assert detail["customer_name"] == "Acme Holding GmbH"
    assert detail["buyer"]["name"] == "Acme GmbH"  # the snapshot taken at issue


def test_a_deleted_customers_invoices_keep_its_name(staff_client, staff_user, company):
    customer = CustomerFactory(owner=staff_user, name="Gone Ltd")
    invoice = make_issued(owner=staff_user, customer=customer)
    customer.delete()

    assert staff_client.get(f"/api/invoices/{invoice.pk}/").json()["customer_name"] == "Gone Ltd"
    assert staff_client.get("/api/invoices/").json()["results"][0]["customer_name"] == "Gone Ltd"
