"""Lookups for clients: currencies, tax categories and the next number of a series."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from invoices import services
from invoices.models import NumberSequence
from invoices.tests.factories import make_draft, make_issued

pytestmark = pytest.mark.django_db


def test_currencies_are_those_invoices_accept_with_their_minor_unit(staff_client, company):
    response = staff_client.get("/api/currencies/")

    assert response.status_code == 200
    rows = {row["code"]: row for row in response.json()}
    assert rows["EUR"] == {"code": "EUR", "name": "Euro", "minor_unit": 2}
    assert rows["JPY"]["minor_unit"] == 0
    assert rows["KWD"]["minor_unit"] == 3
    assert "CLF" not in rows  # 4 decimals: refused on invoices
    assert list(rows) == sorted(rows)


def test_every_listed_currency_is_accepted_on_a_draft(staff_client, staff_user, company):
    customer = make_draft(owner=staff_user).customer
    codes = [row["code"] for row in staff_client.get("/api/currencies/").json()]

    for code in ("EUR", "JPY", "KWD", codes[0], codes[-1]):
        response = staff_client.post(
            "/api/invoices/", {"customer": customer.pk, "currency": code}, format="json"
        )
        assert response.status_code == 201, (code, response.json())


def test_tax_categories_carry_their_rate_rule_and_exemption_default(staff_client, company):
    response = staff_client.get("/api/tax-categories/")

    assert response.status_code == 200
    rows = {row["code"]: row for row in response.json()}
    assert list(rows) == ["S", "Z", "E", "AE", "K", "G", "O"]
    assert rows["S"]["min_rate"] == "0.01"
    assert rows["S"]["max_rate"] == "100.00"
    assert rows["S"]["default_rate"] == "19.00"
    assert rows["S"]["exemption_default"] is None
    assert (rows["Z"]["min_rate"], rows["Z"]["max_rate"]) == ("0.00", "0.00")
    assert rows["E"]["exemption_required"] is True
    assert rows["E"]["exemption_default"] is None
    assert rows["AE"]["exemption_default"] == {"code": "VATEX-EU-AE", "reason": "Reverse charge"}
    assert rows["K"]["exemption_default"]["code"] == "VATEX-EU-IC"


def test_lookups_need_a_login(api_client, company):
    for url in ("/api/currencies/", "/api/tax-categories/", "/api/invoices/next-number/"):
        response = api_client.get(url)
        assert response.status_code == 401, url
        assert response.json()["error"]["code"] == "not_authenticated"


# --- next number --------------------------------------------------------------------------


def test_the_next_number_of_an_unused_series_is_its_first(staff_client, company):
    year = timezone.localdate().year

    response = staff_client.get("/api/invoices/next-number/")

    assert response.status_code == 200
    assert response.json() == {
        "series": "INV",
        "year": year,
        "sequence": 1,
        "number": f"INV-{year}-00001",
        "issue_date": timezone.localdate().isoformat(),
    }


def test_the_preview_is_what_the_next_issue_gets_and_reserves_nothing(
    staff_client, staff_user, company
):
    make_issued(owner=staff_user)
    make_issued(owner=staff_user)
    sequences = list(NumberSequence.objects.values_list("series", "year", "last_value"))

    first = staff_client.get("/api/invoices/next-number/?series=INV").json()
    again = staff_client.get("/api/invoices/next-number/?series=INV").json()

    assert first == again
    assert first["sequence"] == 3
    assert list(NumberSequence.objects.values_list("series", "year", "last_value")) == sequences
    issued = services.invoice_issue(invoice=make_draft(owner=staff_user))
    assert issued.number == first["number"]


def test_a_credit_note_series_and_last_year_counters(staff_client, staff_user, company):
    year = timezone.localdate().year
    NumberSequence.objects.create(series="CN", year=year - 1, last_value=41)

    response = staff_client.get("/api/invoices/next-number/?series=CN")

    assert response.json()["number"] == f"CN-{year}-00001"  # numbers restart each year


def test_a_series_only_a_draft_carries_is_known(staff_client, staff_user, company):
    make_draft(owner=staff_user, series="SHOP")

    response = staff_client.get("/api/invoices/next-number/?series=SHOP")

    assert response.status_code == 200
    assert response.json()["sequence"] == 1


@pytest.mark.parametrize("series", ["NOPE", "bad series", "x" * 21, "INV;--"])
def test_unknown_or_invalid_series_are_400(staff_client, company, series):
    response = staff_client.get("/api/invoices/next-number/", {"series": series})

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert "series" in error["details"]


def test_next_number_queries(staff_client, company, django_assert_max_num_queries):
    with django_assert_max_num_queries(5):
        response = staff_client.get("/api/invoices/next-number/?series=CN")

    assert response.status_code == 200
    assert dt.date.fromisoformat(response.json()["issue_date"]) == timezone.localdate()


@pytest.mark.parametrize("url", ["/api/currencies/", "/api/tax-categories/"])
def test_lookup_lists_read_no_table(staff_client, company, url, django_assert_max_num_queries):
    # the user and its token state; the company settings come from the shared cache
    with django_assert_max_num_queries(3):
        assert staff_client.get(url).status_code == 200
