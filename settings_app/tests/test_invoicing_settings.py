"""`GET /api/settings/invoicing/`: the defaults of new drafts, for every signed-in user."""

from __future__ import annotations

from decimal import Decimal

import pytest

from settings_app.models import CompanySettings

pytestmark = pytest.mark.django_db

URL = "/api/settings/invoicing/"


def test_staff_read_the_invoicing_defaults(company, staff_client):
    company.default_tax_rate = Decimal("7.7")
    company.default_payment_terms_days = 14
    company.credit_note_series = "GS"
    company.save()

    response = staff_client.get(URL)

    assert response.status_code == 200
    assert response.json() == {
        "default_currency": "EUR",
        "default_tax_category": "S",
        "default_tax_rate": "7.70",
        "default_payment_terms_days": 14,
        "invoice_series": "INV",
        "credit_note_series": "GS",
        "invoice_number_format": "{series}-{year}-{seq:05d}",
        "default_language": company.default_language,
        "timezone": "Europe/Berlin",
    }


def test_no_seller_data_leaks(company, staff_client):
    body = staff_client.get(URL).json()

    assert not {"iban", "bic", "vat_id", "legal_name", "email_texts"} & set(body)


def test_admins_read_it_too_anonymous_not(company, admin_client, api_client):
    assert admin_client.get(URL).status_code == 200
    refused = api_client.get(URL)
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "not_authenticated"


def test_it_is_read_only(company, staff_client, admin_client):
    for client in (staff_client, admin_client):
        response = client.patch(URL, {"default_tax_rate": "1"}, format="json")
        assert response.status_code == 405
        assert response.json()["error"]["code"] == "method_not_allowed"
    assert CompanySettings.load().default_tax_rate == Decimal("19.00")


def test_query_count(company, staff_client, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        assert staff_client.get(URL).status_code == 200
