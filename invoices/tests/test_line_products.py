"""Invoice lines that name a catalogue product: its values fill what the line leaves out
and are copied (API, admin, services); archived products stay off new lines."""

from __future__ import annotations

from decimal import Decimal

import pytest

from common.tests.factories import CustomerFactory
from invoices import services
from invoices.models import Invoice, InvoiceItem
from invoices.tests.admin_helpers import (
    ADD_URL,
    change_url,
    draft_form,
    logged_in,
    page_text,
)
from invoices.tests.factories import line, make_draft
from products import services as product_services
from products.tests.factories import make_product

pytestmark = pytest.mark.django_db

URL = "/api/invoices/"


@pytest.fixture
def customer(company, staff_user):
    return CustomerFactory(owner=staff_user)


@pytest.fixture
def product(company):
    return make_product(
        name="Consulting hour",
        description="Senior consultant, remote",
        unit_code="HUR",
        unit_price=Decimal("120.00"),
        tax_rate=Decimal("7.00"),
    )


def _post(client, customer, *items):
    return client.post(URL, {"customer": customer.pk, "items": list(items)}, format="json")


def test_a_line_naming_a_product_takes_its_values(staff_client, customer, product):
    response = _post(staff_client, customer, {"product": product.pk, "quantity": "2.5"})

    assert response.status_code == 201, response.json()
    item = response.json()["items"][0]
    assert item["product"] == product.pk
    assert item["description"] == "Senior consultant, remote"
    assert (item["unit_code"], item["unit_price"]) == ("HUR", "120.0000")
    assert (item["tax_category"], item["tax_rate"]) == ("S", "7.00")
    assert item["net_amount"] == "300.00"
    assert response.json()["tax_total"] == "21.00"
    assert response.json()["gross_total"] == "321.00"
    stored = InvoiceItem.objects.get()
    assert (stored.product_id, stored.unit_price) == (product.pk, Decimal("120.00"))


def test_fields_the_client_sends_win_over_the_product(staff_client, customer, product):
    response = _post(
        staff_client,
        customer,
        {"product": product.pk, "quantity": "1", "unit_price": "99.90", "description": "Rush"},
        {"product": product.pk, "quantity": "1", "tax_category": "Z"},
    )

    assert response.status_code == 201, response.json()
    first, second = response.json()["items"]
    assert (first["description"], first["unit_price"], first["tax_rate"]) == (
        "Rush",
        "99.9000",
        "7.00",
    )
    # Another category than the product's: that category's rate, not the product's.
    assert (second["tax_category"], second["tax_rate"]) == ("Z", "0.00")


def test_a_product_without_description_lends_its_name(staff_client, customer):
    product = make_product(name="Widget", description="")

    response = _post(staff_client, customer, {"product": product.pk, "quantity": "1"})

    assert response.json()["items"][0]["description"] == "Widget"


def test_lines_without_a_product_read_null(staff_client, customer):
    response = _post(
        staff_client, customer, {"description": "A", "quantity": "1", "unit_price": "1"}
    )

    assert response.json()["items"][0]["product"] is None


@pytest.mark.parametrize(
    "item,field,message",
    [
        ({"quantity": "1", "unit_price": "1"}, "description", "This field is required."),
        ({"quantity": "1", "description": "A"}, "unit_price", "This field is required."),
        ({"quantity": "1", "product": 999999}, "product", "No product with id 999999."),
        ({"quantity": "1", "product": "\u0661"}, "product", None),
        ({"quantity": "1", "product": 0}, "product", None),
    ],
)
def test_invalid_lines_are_400_on_the_field(staff_client, customer, item, field, message):
    response = _post(staff_client, customer, item)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    messages = error["details"]["items"]["0"][field]
    if message:
        assert messages == [message]
    assert Invoice.objects.count() == 0


def test_an_archived_product_cannot_be_named_on_a_new_line(staff_client, customer, product):
    product_services.product_update(product=product, archived=True)

    response = _post(staff_client, customer, {"product": product.pk, "quantity": "1"})

    assert response.status_code == 400
    assert response.json()["error"]["details"]["items"]["0"]["product"] == [
        "The product is archived and cannot be named on a new line."
    ]
    assert Invoice.objects.count() == 0


def test_a_draft_keeps_lines_of_a_product_archived_since(
    staff_client, staff_user, customer, product
):
    draft = make_draft(
        owner=staff_user, customer=customer, items=[{"product": product.pk, "quantity": 1}]
    )
    other = make_product(name="Other", sku="O-1")
    product_services.product_update(product=product, archived=True)
    product_services.product_update(product=other, archived=True)

    kept = staff_client.patch(
        f"{URL}{draft.pk}/", {"items": [{"product": product.pk, "quantity": "3"}]}, format="json"
    )
    added = staff_client.patch(
        f"{URL}{draft.pk}/",
        {
            "items": [
                {"product": product.pk, "quantity": "3"},
                {"product": other.pk, "quantity": "1"},
            ]
        },
        format="json",
    )

    assert kept.status_code == 200, kept.json()
    assert kept.json()["items"][0]["net_amount"] == "360.00"
    assert added.status_code == 400
    assert list(added.json()["error"]["details"]["items"]) == ["1"]


@pytest.mark.parametrize("lines", [5, 100])
def test_many_lines_naming_products_cost_the_same_queries(
    staff_client, customer, lines, django_assert_max_num_queries
):
    products = [make_product(name=f"P{n}", sku=f"P-{n}") for n in range(10)]
    items = [{"product": products[n % 10].pk, "quantity": "1"} for n in range(lines)]

    # as the create of 100 plain lines (test_query_counts) + 1: the products, in one query
    with django_assert_max_num_queries(12):
        response = _post(staff_client, customer, *items)

    assert response.status_code == 201, response.json()
    assert response.json()["line_total"] == f"{120 * lines}.00"


def test_later_product_edits_change_nothing_on_a_draft(staff_client, staff_user, customer, product):
    draft = make_draft(
        owner=staff_user, customer=customer, items=[{"product": product.pk, "quantity": 1}]
    )
    product_services.product_update(
        product=product, unit_price=Decimal("999"), description="New text", unit_code="DAY"
    )

    response = staff_client.patch(f"{URL}{draft.pk}/", {"notes": "Thanks"}, format="json")

    item = response.json()["items"][0]
    assert (item["description"], item["unit_price"], item["unit_code"]) == (
        "Senior consultant, remote",
        "120.0000",
        "HUR",
    )
    assert response.json()["gross_total"] == "128.40"


def test_product_edits_after_issue_change_nothing_on_the_invoice_or_its_documents(
    staff_client, staff_user, customer, product
):
    # given an issued invoice whose line named the product, and its stored documents
    draft = make_draft(
        owner=staff_user, customer=customer, items=[{"product": product.pk, "quantity": 2}]
    )
    invoice = services.invoice_issue(invoice=draft)
    url = f"{URL}{invoice.pk}/"
    before = staff_client.get(url).json()
    documents = {fmt: staff_client.get(f"{url}{fmt}/").content for fmt in ("ubl", "pdf")}

    # when the product changes in every value a line copies, then is archived
    product_services.product_update(
        product=product,
        name="Renamed",
        description="Other text",
        unit_code="DAY",
        unit_price=Decimal("1.00"),
        tax_category="Z",
    )
    product_services.product_update(product=product, archived=True)

    # then the invoice and its documents read the same
    after = staff_client.get(url).json()
    assert after == before
    assert after["items"][0]["unit_price"] == "120.0000"
    assert after["gross_total"] == "256.80"
    for fmt, content in documents.items():
        assert staff_client.get(f"{url}{fmt}/").content == content, fmt
    assert b"Senior consultant, remote" in documents["ubl"]


# --- the admin ----------------------------------------------------------------------------


def _product_row(product, **fields):
    # A new line on which the user picked the product and left the rest as shown.
    return {"product": product.pk, "description": "", "unit_price": "", **fields}


def test_the_admin_fills_a_new_line_from_the_chosen_product(staff_user, customer, product):
    response = logged_in(staff_user).post(
        ADD_URL, draft_form(customer=customer, items=[_product_row(product, quantity="2")])
    )

    assert response.status_code == 302, page_text(response)[:3000]
    item = Invoice.objects.get().items.get()
    assert item.product_id == product.pk
    assert (item.description, item.unit_code, item.unit_price) == (
        "Senior consultant, remote",
        "HUR",
        Decimal("120.0000"),
    )
    assert item.tax_rate == Decimal("7.00")
    assert item.net_amount == Decimal("240.00")


def test_the_admin_keeps_values_the_user_typed(staff_user, customer, product):
    row = _product_row(product, description="Typed", unit_price="50")

    logged_in(staff_user).post(ADD_URL, draft_form(customer=customer, items=[row]))

    item = InvoiceItem.objects.get()
    assert (item.description, item.unit_price) == ("Typed", Decimal("50.0000"))


def test_the_admin_refuses_an_archived_product_on_a_new_line(staff_user, customer, product):
    product_services.product_update(product=product, archived=True)

    response = logged_in(staff_user).post(
        ADD_URL, draft_form(customer=customer, items=[_product_row(product)])
    )

    assert response.status_code == 200
    assert "Select a valid choice" in page_text(response)
    assert Invoice.objects.count() == 0


def test_the_admin_refuses_a_line_without_product_nor_price(staff_user, customer):
    row = {"description": "Work", "unit_price": ""}

    response = logged_in(staff_user).post(ADD_URL, draft_form(customer=customer, items=[row]))

    assert response.status_code == 200
    assert "This field is required." in page_text(response)
    assert Invoice.objects.count() == 0


@pytest.mark.parametrize("lines", [3, 30])
def test_the_admin_draft_page_reads_the_catalogue_once(
    staff_user, customer, lines, django_assert_max_num_queries
):
    products = [make_product(name=f"P{n}", sku=f"P-{n}") for n in range(5)]
    draft = make_draft(
        owner=staff_user,
        customer=customer,
        items=[{"product": products[n % 5].pk, "quantity": 1} for n in range(lines)] + [line()],
    )
    client = logged_in(staff_user)

    with django_assert_max_num_queries(17):  # the same for 3 lines and 30
        response = client.get(change_url(draft))

    assert response.status_code == 200
    assert "P4" in page_text(response)
