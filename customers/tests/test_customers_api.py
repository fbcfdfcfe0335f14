"""/api/customers/: CRUD, validation, defaults, search, filters, ordering, soft delete, queries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from common.tests.factories import CompanySettingsFactory, CustomerFactory
from customers.models import Customer
from settings_app.models import CompanySettings

pytestmark = pytest.mark.django_db

URL = "/api/customers/"
CUSTOMER_KEYS = {
    "id",
    "einvoice_profile",
    "endpoint_id",
    "endpoint_scheme",
    "buyer_reference",
    "reminders_enabled",
    "is_consumer",
    "owner",
    "name",
    "email",
    "phone",
    "tax_id",
    "company_id",
    "street",
    "city",
    "postal_code",
    "country",
    "currency",
    "payment_terms_days",
    "preferred_language",
    "notes",
    "invoice_count",
    "total_invoiced",
    "total_paid",
    "balance_due",
    "last_invoice_date",
    "is_deleted",
    "created_at",
    "updated_at",
}
VALID = {
    "name": "Acme SARL",
    "email": "billing@acme.example",
    "tax_id": "FR40303265045",
    "street": "1 rue de la Paix",
    "city": "Paris",
    "postal_code": "75002",
    "country": "FR",
    "currency": "EUR",
    "payment_terms_days": 45,
}


def _error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code
    return body["error"]


def _names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["name"] for row in response.json()["results"]]


# --- create, defaults, validation -----------------------------------------------------


def test_create_answers_the_customer_owned_by_the_caller(staff_client, staff_user, company):
    response = staff_client.post(URL, VALID, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == CUSTOMER_KEYS
    assert body["owner"] == staff_user.id
    assert {key: body[key] for key in VALID} == VALID
    assert body["invoice_count"] == 0
    assert (body["total_invoiced"], body["total_paid"], body["balance_due"]) == (
        "0.00",
        "0.00",
        "0.00",
    )
    assert body["last_invoice_date"] is None
    assert body["is_deleted"] is False
    customer = Customer.objects.get(pk=body["id"])
    assert (customer.owner_id, customer.payment_terms_days) == (staff_user.id, 45)


def test_owner_and_statistics_cannot_be_written(staff_client, staff_user, other_staff, company):
    body = {**VALID, "owner": other_staff.id, "balance_due": "1000.00", "invoice_count": 7}

    response = staff_client.post(URL, body, format="json")

    assert response.status_code == 201
    customer = Customer.objects.get(pk=response.json()["id"])
    assert customer.owner_id == staff_user.id
    assert (customer.balance_due, customer.invoice_count) == (Decimal("0"), 0)


def test_currency_and_payment_terms_default_from_company_settings(staff_client, staff_user):
    CompanySettingsFactory(default_currency="CHF", default_payment_terms_days=14)

    response = staff_client.post(URL, {"name": "Defaults AG"}, format="json")

    assert response.status_code == 201, response.content
    assert (response.json()["currency"], response.json()["payment_terms_days"]) == ("CHF", 14)
    blank = staff_client.post(
        URL, {"name": "Blank", "currency": "", "payment_terms_days": None}, format="json"
    )
    assert (blank.json()["currency"], blank.json()["payment_terms_days"]) == ("CHF", 14)


def test_defaults_without_a_settings_row_come_from_the_model(staff_client, staff_user):
    response = staff_client.post(URL, {"name": "First ever"}, format="json")

    assert response.status_code == 201
    assert (response.json()["currency"], response.json()["payment_terms_days"]) == ("EUR", 30)
    assert CompanySettings.objects.count() == 1


def test_explicit_currency_and_terms_win_over_defaults(staff_client, staff_user):
    CompanySettingsFactory(default_currency="CHF", default_payment_terms_days=14)

    response = staff_client.post(
        URL, {"name": "Yen", "currency": "JPY", "payment_terms_days": 0}, format="json"
    )

    assert (response.json()["currency"], response.json()["payment_terms_days"]) == ("JPY", 0)
    assert response.json()["balance_due"] == "0"  # JPY has no minor unit


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("country", "XX"),
        ("country", "FRA"),
        ("country", "1"),
        ("currency", "XYZ"),
        ("currency", "EURO"),
        ("currency", "E1"),
        ("tax_id", "12345"),
        ("tax_id", "DE"),
        ("tax_id", "DE12345678901234567"),
        ("tax_id", "DE-123/456"),
        ("email", "not-an-email"),
        ("email", "a@b"),
        ("payment_terms_days", 366),
        ("name", ""),
    ],
)
def test_invalid_fields_are_400_with_the_field(staff_client, staff_user, company, field, value):
    response = staff_client.post(URL, {**VALID, field: value}, format="json")

    error = _error(response, 400, "validation_error")
    assert list(error["details"]) == [field]
    assert Customer.all_objects.count() == 0


def test_lower_case_and_spaced_codes_are_normalised(staff_client, staff_user, company):
    body = {**VALID, "country": "fr", "currency": "usd", "tax_id": "fr 403 032 650 45"}

    response = staff_client.post(URL, body, format="json")

    assert response.status_code == 201, response.content
    assert (response.json()["country"], response.json()["currency"], response.json()["tax_id"]) == (
        "FR",
        "USD",
        "FR40303265045",
    )
    customer = Customer.objects.get(pk=response.json()["id"])
    assert (customer.country, customer.currency, customer.tax_id) == ("FR", "USD", "FR40303265045")


def test_greek_vat_prefix_el_is_accepted(staff_client, staff_user, company):
    response = staff_client.post(
        URL, {**VALID, "country": "GR", "tax_id": "EL094014201"}, format="json"
    )

    assert response.status_code == 201, response.content


def test_only_name_is_required(staff_client, staff_user, company):
    error = _error(
        staff_client.post(URL, {"email": "x@example.com"}, format="json"), 400, "validation_error"
    )

    assert list(error["details"]) == ["name"]


# --- retrieve, update ----------------------------------------------------------------


def test_reminder_opt_out_and_consumer_flag_are_written_and_read(staff_client, company):
    created = staff_client.post(URL, {**VALID, "reminders_enabled": False}, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["reminders_enabled"] is False
    assert created.json()["is_consumer"] is False  # a business unless said otherwise
    pk = created.json()["id"]
    patched = staff_client.patch(f"{URL}{pk}/", {"is_consumer": True}, format="json")
    assert patched.status_code == 200
    row = Customer.objects.get(pk=pk)
    assert (row.reminders_enabled, row.is_consumer) == (False, True)
    refused = staff_client.patch(f"{URL}{pk}/", {"reminders_enabled": "maybe"}, format="json")
    assert refused.status_code == 400
    assert "reminders_enabled" in refused.json()["error"]["details"]


def test_retrieve_update_and_partial_update(staff_client, staff_user, company):
    customer = CustomerFactory(owner=staff_user, name="Old name")
    url = f"{URL}{customer.id}/"

    assert staff_client.get(url).json()["name"] == "Old name"
    put = staff_client.put(url, {**VALID, "name": "New name", "country": "de"}, format="json")
    assert put.status_code == 200, put.content
    assert (put.json()["name"], put.json()["country"]) == ("New name", "DE")
    patch = staff_client.patch(url, {"city": "Lyon"}, format="json")
    assert patch.status_code == 200
    customer.refresh_from_db()
    assert (customer.name, customer.city, customer.country) == ("New name", "Lyon", "DE")


def test_update_with_invalid_data_changes_nothing(staff_client, staff_user, company):
    customer = CustomerFactory(owner=staff_user, name="Kept", country="FR")

    response = staff_client.patch(
        f"{URL}{customer.id}/", {"name": "Changed", "country": "XX"}, format="json"
    )

    assert list(_error(response, 400, "validation_error")["details"]) == ["country"]
    customer.refresh_from_db()
    assert (customer.name, customer.country) == ("Kept", "FR")


def test_statistics_are_read_only_on_update(staff_client, staff_user, company):
    customer = CustomerFactory(owner=staff_user)

    response = staff_client.patch(
        f"{URL}{customer.id}/", {"balance_due": "99.00", "invoice_count": 3}, format="json"
    )

    assert response.status_code == 200
    customer.refresh_from_db()
    assert (customer.balance_due, customer.invoice_count) == (Decimal("0"), 0)


def test_statistics_follow_issued_invoices(staff_client, staff_user, company, issued_invoice):
    customer = CustomerFactory(owner=staff_user)
    issued_invoice(customer, gross="119.00", issue_date=dt.date(2026, 3, 1))
    issued_invoice(customer, gross="238.00", paid="38.00", issue_date=dt.date(2026, 4, 2))

    body = staff_client.get(f"{URL}{customer.id}/").json()

    assert body["invoice_count"] == 2
    assert (body["total_invoiced"], body["total_paid"], body["balance_due"]) == (
        "357.00",
        "38.00",
        "319.00",
    )
    assert body["last_invoice_date"] == "2026-04-02"


# --- list: pagination, search, filters, ordering ------------------------------------


@pytest.fixture
def catalogue(staff_user):
    """Four customers with distinct names, codes, balances and creation times."""
    rows = [
        ("Beta GmbH", "beta@buyer.example", "DE811907980", "DE", "EUR", "0", 3),
        ("Alpha SARL", "alpha@buyer.example", "FR40303265045", "FR", "EUR", "150.00", 1),
        ("Delta Ltd", "hello@delta.example", "", "US", "USD", "20.00", 4),
        ("Gamma KK", "keiri@gamma.example", "", "JP", "JPY", "5000", 2),
    ]
    start = timezone.now() - dt.timedelta(days=10)
    customers = {}
    for name, email, tax_id, country, currency, balance, day in rows:
        customer = CustomerFactory(
            owner=staff_user,
            name=name,
            email=email,
            tax_id=tax_id,
            country=country,
            currency=currency,
        )
        Customer.all_objects.filter(pk=customer.pk).update(
            balance_due=Decimal(balance), created_at=start + dt.timedelta(days=day)
        )
        customers[name] = customer
    return customers


def test_list_is_paginated_with_count_next_previous(staff_client, catalogue):
    first = staff_client.get(URL, {"page_size": 3})
    second = staff_client.get(URL, {"page_size": 3, "page": 2})

    assert set(first.json()) == {"count", "next", "previous", "results"}
    assert first.json()["count"] == 4
    assert first.json()["previous"] is None
    assert first.json()["next"].endswith("?page=2&page_size=3")
    assert _names(first) == ["Alpha SARL", "Beta GmbH", "Delta Ltd"]
    assert _names(second) == ["Gamma KK"]
    assert second.json()["next"] is None
    _error(staff_client.get(URL, {"page": 3, "page_size": 3}), 404, "not_found")


def test_page_size_is_capped_at_100(staff_client, staff_user):
    Customer.objects.bulk_create(
        [
            Customer(owner=staff_user, name=f"C{i:03d}", currency="EUR", payment_terms_days=30)
            for i in range(101)
        ]
    )

    body = staff_client.get(URL, {"page_size": 1000}).json()

    assert body["count"] == 101
    assert len(body["results"]) == 100


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("gmbh", ["Beta GmbH"]),
        ("alpha@buyer", ["Alpha SARL"]),
        ("buyer.example", ["Alpha SARL", "Beta GmbH"]),
        ("DE8119", ["Beta GmbH"]),
        ("FR403", ["Alpha SARL"]),
        ("nothing-matches", []),
    ],
)
def test_search_on_name_email_and_tax_id(staff_client, catalogue, term, expected):
    response = staff_client.get(URL, {"search": term})

    assert _names(response) == expected
    assert response.json()["count"] == len(expected)


def test_search_does_not_look_at_other_fields(staff_client, catalogue):
    # "Paris" is every catalogue customer's city: not a search field.
    assert _names(staff_client.get(URL, {"search": "Paris"})) == []


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"country": "DE"}, ["Beta GmbH"]),
        ({"country": "JP"}, ["Gamma KK"]),
        ({"currency": "EUR"}, ["Alpha SARL", "Beta GmbH"]),
        ({"currency": "USD"}, ["Delta Ltd"]),
        ({"has_balance": "true"}, ["Alpha SARL", "Delta Ltd", "Gamma KK"]),
        ({"has_balance": "false"}, ["Beta GmbH"]),
        ({"currency": "EUR", "has_balance": "true"}, ["Alpha SARL"]),
        ({"country": "IT"}, []),
    ],
)
def test_filters(staff_client, catalogue, params, expected):
    assert _names(staff_client.get(URL, params)) == expected


def test_invalid_filter_value_is_400(staff_client, catalogue):
    error = _error(staff_client.get(URL, {"has_balance": "maybe"}), 400, "validation_error")

    assert list(error["details"]) == ["has_balance"]


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("name", ["Alpha SARL", "Beta GmbH", "Delta Ltd", "Gamma KK"]),
        ("-name", ["Gamma KK", "Delta Ltd", "Beta GmbH", "Alpha SARL"]),
        ("created_at", ["Alpha SARL", "Gamma KK", "Beta GmbH", "Delta Ltd"]),
        ("-created_at", ["Delta Ltd", "Beta GmbH", "Gamma KK", "Alpha SARL"]),
        ("balance_due", ["Beta GmbH", "Delta Ltd", "Alpha SARL", "Gamma KK"]),
        ("-balance_due", ["Gamma KK", "Alpha SARL", "Delta Ltd", "Beta GmbH"]),
        ("-balance_due,name", ["Gamma KK", "Alpha SARL", "Delta Ltd", "Beta GmbH"]),
    ],
)
def test_ordering(staff_client, catalogue, ordering, expected):
    assert _names(staff_client.get(URL, {"ordering": ordering})) == expected


def test_ordering_on_unlisted_field_is_400_naming_the_allowed_ones(staff_client, catalogue):
    # Clients cannot sort on arbitrary columns, and are told so (never a silent default).
    response = staff_client.get(URL, {"ordering": "-tax_id"})

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert error["details"] == {
        "ordering": ["Unknown ordering field(s): -tax_id; allowed: balance_due, created_at, name."]
    }


@pytest.mark.parametrize("page_size", [5, 50])
def test_list_query_count_is_constant_in_page_size(
    staff_client, staff_user, django_assert_num_queries, page_size
):
    CustomerFactory.create_batch(page_size, owner=staff_user)

    # user (JWT) + COUNT + one SELECT of the page: nothing per row.
    with django_assert_num_queries(3):
        response = staff_client.get(URL, {"page_size": page_size})

    assert len(response.json()["results"]) == page_size


def test_admin_list_query_count_is_constant(
    admin_client, admin_user, staff_user, django_assert_num_queries
):
    CustomerFactory.create_batch(30, owner=staff_user)

    with django_assert_num_queries(3):
        response = admin_client.get(
            URL, {"page_size": 30, "search": "Customer", "ordering": "-balance_due"}
        )

    assert response.json()["count"] == 30


# --- soft delete and restore --------------------------------------------------------


def test_soft_delete_and_restore_round_trip(
    staff_client, admin_client, staff_user, admin_user, company
):
    customer = CustomerFactory(owner=staff_user, name="Gone Soon")
    keep = CustomerFactory(owner=staff_user, name="Stays")
    detail = f"{URL}{customer.id}/"

    # given a soft delete by its owner
    assert staff_client.delete(detail).status_code == 204

    # then it disappears from lists and lookups, for the owner and for admins
    assert _names(staff_client.get(URL)) == ["Stays"]
    assert _names(admin_client.get(URL)) == ["Stays"]
    _error(staff_client.get(detail), 404, "not_found")
    _error(admin_client.get(detail), 404, "not_found")
    _error(staff_client.patch(detail, {"name": "x"}, format="json"), 404, "not_found")
    _error(staff_client.delete(detail), 404, "not_found")
    # but the row stays
    row = Customer.all_objects.get(pk=customer.pk)
    assert row.deleted_at is not None
    assert Customer.objects.filter(pk=customer.pk).count() == 0

    # the owner (staff) cannot restore it
    assert staff_client.post(f"{detail}restore/").status_code in {403, 404}
    assert Customer.objects.filter(pk=customer.pk).count() == 0

    # when an admin restores it
    restored = admin_client.post(f"{detail}restore/")

    # then it is back everywhere
    assert restored.status_code == 200, restored.content
    assert restored.json()["id"] == customer.id
    assert restored.json()["is_deleted"] is False
    assert _names(staff_client.get(URL)) == ["Gone Soon", "Stays"]
    assert staff_client.get(detail).status_code == 200
    assert Customer.objects.get(pk=customer.pk).deleted_at is None
    assert Customer.objects.get(pk=keep.pk).deleted_at is None


def test_deleting_a_customer_with_issued_invoices_keeps_them(
    staff_client, admin_client, staff_user, admin_user, company, issued_invoice
):
    from invoices.models import Invoice

    customer = CustomerFactory(owner=staff_user)
    invoice = issued_invoice(customer, gross="119.00")

    assert staff_client.delete(f"{URL}{customer.id}/").status_code == 204

    invoice = Invoice.objects.get(pk=invoice.pk)
    assert invoice.customer_id == customer.id
    assert invoice.customer.is_deleted is True  # the base manager still reaches it
    assert Invoice.objects.filter(customer_id=customer.id).count() == 1
    restored = admin_client.post(f"{URL}{customer.id}/restore/").json()
    assert (restored["invoice_count"], restored["balance_due"]) == (1, "119.00")


def test_a_hard_delete_is_impossible_through_the_api(admin_client, admin_user, staff_user):
    customer = CustomerFactory(owner=staff_user)
    detail = f"{URL}{customer.id}/"

    assert admin_client.delete(detail, {"hard": True}, format="json").status_code == 204
    assert admin_client.delete(f"{detail}?hard=true").status_code == 404
    admin_client.post(f"{detail}restore/")
    assert admin_client.delete(f"{detail}?force=1&permanent=1").status_code == 204

    assert Customer.all_objects.filter(pk=customer.pk).count() == 1


def test_restore_of_unknown_customer_is_404(admin_client, admin_user):
    _error(admin_client.post(f"{URL}999999/restore/"), 404, "not_found")
