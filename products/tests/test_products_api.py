"""The catalogue API: shared by the company, the line rules for tax, refusals in the
envelope, and deleting a product some line names refused."""

from __future__ import annotations

from decimal import Decimal

import pytest

from invoices.tests.factories import make_draft
from products.models import Product
from products.tests.factories import make_product

pytestmark = pytest.mark.django_db

URL = "/api/products/"


def test_staff_creates_a_product_and_every_user_reads_it(
    company, staff_client, other_client, admin_client
):
    response = staff_client.post(
        URL,
        {"name": "Consulting hour", "sku": "CONS-1", "unit_code": "HUR", "unit_price": "120.5"},
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["unit_price"] == "120.5000"
    assert body["tax_category"] == "S"
    assert body["tax_rate"] == "19.00"  # the company's default rate for S
    assert body["archived"] is False
    product = Product.objects.get()
    assert product.unit_price == Decimal("120.5")
    for client in (other_client, admin_client):  # shared: no owner, no 404 across users
        assert client.get(f"{URL}{product.pk}/").json()["sku"] == "CONS-1"


def test_a_zero_rated_category_defaults_to_rate_zero(company, staff_client):
    response = staff_client.post(
        URL, {"name": "Export", "unit_price": "10", "tax_category": "G"}, format="json"
    )

    assert response.status_code == 201
    assert response.json()["tax_rate"] == "0.00"


@pytest.mark.parametrize(
    "body,field",
    [
        ({"tax_category": "S", "tax_rate": "0"}, "tax_rate"),  # BR-S-05
        ({"tax_category": "Z", "tax_rate": "7"}, "tax_rate"),
        ({"tax_category": "X"}, "tax_category"),
        ({"unit_price": "-1"}, "unit_price"),
        ({"unit_price": "1.00001"}, "unit_price"),
        ({"unit_code": "hur"}, "unit_code"),
        ({"name": "  "}, "name"),
    ],
)
def test_invalid_products_are_400_on_the_field(company, staff_client, body, field):
    response = staff_client.post(URL, {"name": "Thing", "unit_price": "1", **body}, format="json")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert field in error["details"]
    assert Product.objects.count() == 0


def test_a_sku_is_unique_when_given(company, staff_client):
    make_product(sku="A-1")
    make_product(name="No sku one")
    make_product(name="No sku two")  # blank SKUs do not collide

    response = staff_client.post(URL, {"name": "Dup", "sku": "A-1", "unit_price": "1"})

    assert response.status_code == 400
    assert response.json()["error"]["details"]["sku"] == ["Another product has this SKU."]
    assert Product.objects.filter(sku="A-1").count() == 1


def test_search_filter_and_ordering(company, staff_client):
    make_product(name="Apple", sku="FR-1", unit_price=Decimal("3"))
    make_product(name="Banana", sku="FR-2", unit_price=Decimal("1"))
    make_product(name="Cherry", sku="XY-9", unit_price=Decimal("2"), archived=True)

    def names(query: str) -> list[str]:
        response = staff_client.get(f"{URL}?{query}")
        assert response.status_code == 200, response.json()
        return [row["name"] for row in response.json()["results"]]

    assert names("") == ["Apple", "Banana", "Cherry"]
    assert names("search=fr-") == ["Apple", "Banana"]  # the SKU
    assert names("search=cher") == ["Cherry"]  # the name
    assert names("archived=false") == ["Apple", "Banana"]
    assert names("archived=true") == ["Cherry"]
    assert names("ordering=-unit_price") == ["Apple", "Cherry", "Banana"]


@pytest.mark.parametrize("query", ["archived=yes", "ordering=secret", "tax_category=Q"])
def test_bad_list_parameters_are_400(company, staff_client, query):
    response = staff_client.get(f"{URL}?{query}")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"


@pytest.mark.parametrize("count", [2, 30])
def test_list_queries_do_not_grow_with_the_products(
    company, staff_client, count, django_assert_max_num_queries
):
    for n in range(count):
        make_product(name=f"P{n:02d}")

    with django_assert_max_num_queries(4):  # user, token state, count, page
        response = staff_client.get(f"{URL}?page_size=50")

    assert len(response.json()["results"]) == count


def test_create_and_update_query_counts(company, staff_client, django_assert_max_num_queries):
    # user, token state, savepoint pair, sku check, insert (+1 savepoint on PostgreSQL)
    with django_assert_max_num_queries(7):
        created = staff_client.post(URL, {"name": "A", "sku": "S-1", "unit_price": "1"})
    with django_assert_max_num_queries(8):  # + the product read, then locked
        changed = staff_client.patch(f"{URL}{created.json()['id']}/", {"unit_price": "2"})

    assert changed.json()["unit_price"] == "2.0000"


def test_a_new_category_without_a_rate_takes_its_default(company, staff_client):
    product = make_product(tax_category="S", tax_rate=Decimal("7"))

    response = staff_client.patch(f"{URL}{product.pk}/", {"tax_category": "E"}, format="json")

    assert response.status_code == 200
    assert response.json()["tax_rate"] == "0.00"
    product.refresh_from_db()
    assert (product.tax_category, product.tax_rate) == ("E", Decimal("0.00"))


def test_an_unused_product_is_deleted(company, staff_client):
    product = make_product()

    assert staff_client.delete(f"{URL}{product.pk}/").status_code == 204
    assert not Product.objects.exists()


def test_a_product_named_on_a_line_cannot_be_deleted_but_archived(
    company, staff_client, staff_user
):
    product = make_product()
    make_draft(owner=staff_user, items=[{"product": product.pk, "quantity": Decimal("1")}])

    refused = staff_client.delete(f"{URL}{product.pk}/")

    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "product_in_use"
    assert refused.json()["error"]["details"] == {"invoice_lines": 1}
    assert Product.objects.filter(pk=product.pk).exists()
    archived = staff_client.patch(f"{URL}{product.pk}/", {"archived": True}, format="json")
    assert archived.status_code == 200
    assert archived.json()["archived"] is True


def test_anonymous_cannot_read_or_write(company, api_client):
    product = make_product()

    assert api_client.get(URL).status_code == 401
    assert api_client.post(URL, {"name": "X", "unit_price": "1"}).status_code == 401
    assert api_client.delete(f"{URL}{product.pk}/").status_code == 401
    assert Product.objects.count() == 1


def test_an_unknown_id_is_404(company, staff_client):
    response = staff_client.get(f"{URL}999999/")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_delete_query_count(company, staff_client, django_assert_max_num_queries):
    product = make_product()

    # user, token state, lookup, lock, usage count, delete (+ savepoints)
    with django_assert_max_num_queries(9):
        assert staff_client.delete(f"{URL}{product.pk}/").status_code == 204
