"""The catalogue in the back office: written by products.services, refused alike."""

from __future__ import annotations

from decimal import Decimal

import pytest

from invoices.tests.admin_helpers import logged_in, page_text
from invoices.tests.factories import make_draft
from products.models import Product
from products.tests.factories import make_product

pytestmark = pytest.mark.django_db

ADD_URL = "/admin/products/product/add/"
CHANGELIST = "/admin/products/product/"


def _form(**fields):
    return {
        "name": "Widget",
        "description": "",
        "sku": "",
        "unit_code": "C62",
        "unit_price": "9.50",
        "tax_category": "S",
        "tax_rate": "",
        **fields,
    }


def test_staff_adds_a_product_with_the_default_rate(company, staff_user):
    response = logged_in(staff_user).post(ADD_URL, _form(sku="W-1"))

    assert response.status_code == 302, page_text(response)[:2000]
    product = Product.objects.get()
    assert (product.sku, product.unit_price, product.tax_rate) == (
        "W-1",
        Decimal("9.50"),
        Decimal("19.00"),
    )


@pytest.mark.parametrize(
    "fields,message",
    [
        ({"tax_category": "Z", "tax_rate": "7"}, "Tax category Z takes a rate of 0."),
        ({"unit_code": "abc"}, "Use a UN/ECE rec 20 code"),
    ],
)
def test_the_admin_refuses_what_the_api_refuses(company, staff_user, fields, message):
    response = logged_in(staff_user).post(ADD_URL, _form(**fields))

    assert response.status_code == 200
    assert message in page_text(response)
    assert not Product.objects.exists()


def test_a_duplicate_sku_is_refused_on_change(company, admin_user):
    make_product(sku="A-1")
    other = make_product(name="Other", sku="B-2")

    response = logged_in(admin_user).post(
        f"{CHANGELIST}{other.pk}/change/", _form(name="Other", sku="A-1")
    )

    assert response.status_code == 200
    other.refresh_from_db()
    assert other.sku == "B-2"


def test_deleting_a_used_product_is_refused_in_the_admin(company, staff_user, admin_user):
    product = make_product()
    make_draft(owner=staff_user, items=[{"product": product.pk, "quantity": Decimal("2")}])
    client = logged_in(admin_user)

    page = client.get(f"{CHANGELIST}{product.pk}/delete/")
    posted = client.post(f"{CHANGELIST}{product.pk}/delete/", {"post": "yes"})

    assert "protected" in page_text(page)
    assert posted.status_code in (200, 403)
    assert Product.objects.filter(pk=product.pk).exists()


def test_the_archive_action_hides_products_from_new_lines(company, staff_user):
    product = make_product()

    response = logged_in(staff_user).post(
        CHANGELIST, {"action": "archive_selected", "_selected_action": [product.pk]}
    )

    assert response.status_code == 302
    product.refresh_from_db()
    assert product.archived is True


def test_the_changelist_queries_do_not_grow(company, staff_user, django_assert_max_num_queries):
    for n in range(25):
        make_product(name=f"P{n}")
    client = logged_in(staff_user)

    with django_assert_max_num_queries(8):
        response = client.get(CHANGELIST)

    assert response.status_code == 200
    assert "P24" in page_text(response)
