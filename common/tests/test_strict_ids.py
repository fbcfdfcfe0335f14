"""Every id a client sends, in a body or a query, is ASCII digits or a JSON integer
(issue 14, 8): `11.9`, U+0661 (Arabic-Indic one), ` 1`, `1.0` are a 400 in the envelope,
never another row that int() or Django's IntegerField would have read into them."""

from __future__ import annotations

from decimal import Decimal

import pytest

from common.tests.factories import CustomerFactory
from invoices.models import Invoice
from invoices.tests.factories import make_issued
from products.services import product_create
from recurring.models import RecurringInvoice

pytestmark = pytest.mark.django_db


def _arabic_indic(number: int) -> str:
    return "".join(chr(0x0660 + int(digit)) for digit in str(number))


# What a client might send instead of the id 1 (or `pk`): each would find row 1.
NOT_IDS = [
    pytest.param(lambda pk: _arabic_indic(pk), id="arabic-indic"),
    pytest.param(lambda pk: f" {pk}", id="leading-space"),
    pytest.param(lambda pk: f"{pk} ", id="trailing-space"),
    pytest.param(lambda pk: f"{pk}.0", id="text-point-zero"),
    pytest.param(lambda pk: f"{pk}.9", id="text-fraction"),
    pytest.param(lambda pk: f"+{pk}", id="plus-sign"),
]
NOT_BODY_IDS = [
    *NOT_IDS,
    pytest.param(lambda pk: Decimal(f"{pk}.9"), id="json-fraction"),  # JSON 11.9
    pytest.param(lambda pk: Decimal(f"{pk}.0"), id="json-point-zero"),  # JSON 11.0
    pytest.param(lambda pk: True, id="json-true"),
]


def _error(response, field: str) -> dict:
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    return error["details"][field]


@pytest.mark.parametrize("given", NOT_BODY_IDS)
def test_a_line_product_id_is_digits_or_an_integer(staff_client, staff_user, company, given):
    customer = CustomerFactory(owner=staff_user)
    product = product_create(name="Support", unit_price=Decimal("10.00"))
    body = {"customer": customer.pk, "items": [{"product": given(product.pk), "quantity": "1"}]}

    response = staff_client.post("/api/invoices/", body, format="json")

    assert "product" in _error(response, "items")["0"]
    assert not Invoice.objects.exists()


def test_a_line_product_id_as_text_or_integer_is_taken(staff_client, staff_user, company):
    customer = CustomerFactory(owner=staff_user)
    product = product_create(name="Support", unit_price=Decimal("10.00"))

    for given in (product.pk, str(product.pk)):
        body = {"customer": customer.pk, "items": [{"product": given, "quantity": "1"}]}
        response = staff_client.post("/api/invoices/", body, format="json")
        assert response.status_code == 201, response.content
        assert response.json()["items"][0]["description"] == "Support"


@pytest.mark.parametrize("given", NOT_BODY_IDS)
def test_a_schedule_customer_id_is_digits_or_an_integer(staff_client, staff_user, company, given):
    customer = CustomerFactory(owner=staff_user)
    body = {
        "customer": given(customer.pk),
        "frequency": "monthly",
        "start_date": "2026-01-31",
        "items": [{"description": "Retainer", "quantity": "1", "unit_price": "100"}],
    }

    response = staff_client.post("/api/recurring-invoices/", body, format="json")

    assert _error(response, "customer")
    assert not RecurringInvoice.objects.exists()


@pytest.mark.parametrize(
    ("path", "param"),
    [
        ("/api/invoices/", "customer"),
        ("/api/invoices/", "owner"),
        ("/api/invoices/", "recurring_invoice"),
        ("/api/customers/", "owner"),
        ("/api/recurring-invoices/", "customer"),
        ("/api/recurring-invoices/", "owner"),
    ],
)
@pytest.mark.parametrize("given", NOT_IDS)
def test_an_id_in_a_filter_is_digits(admin_client, admin_user, company, path, param, given):
    response = admin_client.get(path, {param: given(admin_user.pk)})

    assert _error(response, param)


def test_a_filter_id_in_digits_filters(admin_client, admin_user, staff_user, company):
    invoice = make_issued(owner=staff_user)
    make_issued(owner=admin_user)

    by_customer = admin_client.get("/api/invoices/", {"customer": str(invoice.customer_id)})
    unfiltered = admin_client.get("/api/invoices/", {"customer": ""})

    assert [row["id"] for row in by_customer.json()["results"]] == [invoice.pk]
    assert unfiltered.json()["count"] == 2
