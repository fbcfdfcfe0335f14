"""Ownership (invariant 7): staff see only their own customers; another's id is a 404."""

from __future__ import annotations

import pytest

from common.tests.factories import CustomerFactory
from customers.models import Customer

pytestmark = pytest.mark.django_db

URL = "/api/customers/"
FULL = {
    "name": "Hijacked",
    "country": "DE",
    "currency": "EUR",
    "payment_terms_days": 10,
}


@pytest.fixture
def a_customer(staff_user):
    return CustomerFactory(owner=staff_user, name="A's customer", city="Paris")


def _not_found(response) -> None:
    assert response.status_code == 404, response.content
    assert response.json() == {
        "error": {"code": "not_found", "message": "Not found.", "details": {}}
    }


@pytest.mark.parametrize(
    ("method", "suffix", "data"),
    [
        ("get", "", None),
        ("put", "", FULL),
        ("patch", "", {"name": "Hijacked"}),
        ("delete", "", None),
        ("post", "restore/", None),
    ],
    ids=["retrieve", "update", "partial_update", "delete", "restore"],
)
def test_staff_b_gets_404_on_staff_a_customer(other_client, a_customer, method, suffix, data):
    response = getattr(other_client, method)(f"{URL}{a_customer.id}/{suffix}", data, format="json")

    _not_found(response)
    row = Customer.all_objects.get(pk=a_customer.pk)
    assert (row.name, row.city, row.deleted_at) == ("A's customer", "Paris", None)


def test_staff_b_gets_404_on_restore_of_a_deleted_customer_of_staff_a(other_client, a_customer):
    a_customer.delete()

    _not_found(other_client.post(f"{URL}{a_customer.id}/restore/"))
    assert Customer.objects.filter(pk=a_customer.pk).count() == 0


def test_answer_is_the_same_for_another_s_id_and_a_missing_id(other_client, a_customer):
    """Ids don't leak: an existing foreign id and a free id look alike."""
    foreign = other_client.get(f"{URL}{a_customer.id}/")
    missing = other_client.get(f"{URL}{a_customer.id + 1000}/")

    assert (foreign.status_code, foreign.json()) == (missing.status_code, missing.json())


def test_staff_cannot_restore_even_their_own_customer(staff_client, a_customer):
    a_customer.delete()

    response = staff_client.post(f"{URL}{a_customer.id}/restore/")

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert Customer.objects.filter(pk=a_customer.pk).count() == 0


@pytest.fixture
def two_books(staff_user, other_staff, admin_user):
    CustomerFactory.create_batch(3, owner=staff_user)
    CustomerFactory.create_batch(2, owner=other_staff)
    CustomerFactory(owner=admin_user)
    deleted = CustomerFactory(owner=staff_user)
    deleted.delete()


def test_list_counts_per_user(
    two_books, staff_client, other_client, admin_client, staff_user, other_staff
):
    mine = staff_client.get(URL).json()
    theirs = other_client.get(URL).json()
    everything = admin_client.get(URL).json()

    assert mine["count"] == 3
    assert {row["owner"] for row in mine["results"]} == {staff_user.id}
    assert theirs["count"] == 2
    assert {row["owner"] for row in theirs["results"]} == {other_staff.id}
    assert everything["count"] == 6


def test_admin_filters_by_owner(two_books, admin_client, staff_user, other_staff):
    assert admin_client.get(URL, {"owner": staff_user.id}).json()["count"] == 3
    assert admin_client.get(URL, {"owner": other_staff.id}).json()["count"] == 2


def test_staff_cannot_widen_the_list_with_the_owner_filter(two_books, staff_client, other_staff):
    response = staff_client.get(URL, {"owner": other_staff.id})

    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_search_never_crosses_owners(staff_user, other_staff, staff_client):
    CustomerFactory(owner=other_staff, name="Secret Competitor")

    assert staff_client.get(URL, {"search": "Secret"}).json()["count"] == 0


def test_admin_reaches_and_changes_any_customer(admin_client, a_customer):
    response = admin_client.patch(f"{URL}{a_customer.id}/", {"city": "Lyon"}, format="json")

    assert response.status_code == 200
    a_customer.refresh_from_db()
    assert (a_customer.city, a_customer.owner.username) == ("Lyon", "staff")


def test_admin_created_customer_belongs_to_the_admin(admin_client, admin_user, company):
    response = admin_client.post(URL, {"name": "Admin's own"}, format="json")

    assert response.status_code == 201
    assert response.json()["owner"] == admin_user.id


def test_anonymous_gets_401_everywhere(api_client, a_customer):
    for response in (
        api_client.get(URL),
        api_client.get(f"{URL}{a_customer.id}/"),
        api_client.post(URL, FULL, format="json"),
        api_client.delete(f"{URL}{a_customer.id}/"),
    ):
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "not_authenticated"
    assert Customer.objects.filter(pk=a_customer.pk).count() == 1
