"""/api/settings/company/ (admins) and /api/settings/company/public/ (anyone, cached)."""

from __future__ import annotations

import io
import random
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from rest_framework.test import APIClient

from settings_app.models import CompanySettings

pytestmark = pytest.mark.django_db

URL = "/api/settings/company/"
PUBLIC = "/api/settings/company/public/"
PUBLIC_KEYS = {
    "legal_name",
    "trading_name",
    "street",
    "city",
    "postal_code",
    "country",
    "email",
    "website",
    "logo_url",
}
PRIVATE_KEYS = {
    "id",
    "created_at",
    "updated_at",
    "legal_name",
    "timezone",
    "contact_name",
    "contact_phone",
    "contact_email",
    "endpoint_id",
    "endpoint_scheme",
    "reminders_enabled",
    "reminder_levels",
    "late_interest",
    "email_texts",
    "trading_name",
    "street",
    "city",
    "postal_code",
    "country",
    "vat_id",
    "company_id",
    "email",
    "phone",
    "website",
    "iban",
    "bic",
    "logo",
    "default_currency",
    "default_payment_terms_days",
    "default_tax_rate",
    "default_tax_category",
    "invoice_number_format",
    "invoice_series",
    "credit_note_series",
    "invoice_footer",
    "default_language",
}


def _error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code
    return body["error"]


def _image(
    fmt: str = "PNG", size: tuple[int, int] = (8, 8), name: str = "logo.png", noise: bool = False
):
    buffer = io.BytesIO()
    image = Image.new("RGB", size, (200, 30, 30))
    if noise:  # incompressible pixels make a file of predictable size
        image = Image.frombytes("RGB", size, random.Random(0).randbytes(size[0] * size[1] * 3))
    image.save(buffer, format=fmt)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{fmt.lower()}")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


# --- access -------------------------------------------------------------------------


def test_admin_reads_all_settings(admin_client, company):
    response = admin_client.get(URL)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == PRIVATE_KEYS
    assert (body["legal_name"], body["iban"], body["vat_id"]) == (
        "Seller GmbH",
        "DE89370400440532013000",
        "DE123456789",
    )
    assert body["default_tax_rate"] == "19.00"
    assert body["invoice_number_format"] == "{series}-{year}-{seq:05d}"
    assert body["logo"] is None


def test_get_without_a_row_creates_the_defaults(admin_client):
    response = admin_client.get(URL)

    assert response.status_code == 200
    assert (response.json()["default_currency"], response.json()["default_payment_terms_days"]) == (
        "EUR",
        30,
    )
    assert CompanySettings.objects.count() == 1


@pytest.mark.parametrize("method", ["get", "put", "patch"])
def test_staff_gets_403(staff_client, company, method):
    response = getattr(staff_client, method)(URL, {"legal_name": "Hacked"}, format="json")

    _error(response, 403, "permission_denied")
    assert CompanySettings.objects.get().legal_name == "Seller GmbH"


@pytest.mark.parametrize("method", ["get", "put", "patch"])
def test_anonymous_gets_401(api_client, company, method):
    response = getattr(api_client, method)(URL, {"legal_name": "Hacked"}, format="json")

    _error(response, 401, "not_authenticated")
    assert CompanySettings.objects.get().legal_name == "Seller GmbH"


# --- updates and validation ------------------------------------------------------------


def test_admin_patches_settings(admin_client, company):
    response = admin_client.patch(
        URL,
        {
            "legal_name": "New Name GmbH",
            "default_tax_rate": "7.00",
            "default_payment_terms_days": 14,
        },
        format="json",
    )

    assert response.status_code == 200, response.content
    company.refresh_from_db()
    assert (company.legal_name, company.default_tax_rate, company.default_payment_terms_days) == (
        "New Name GmbH",
        Decimal("7.00"),
        14,
    )


def test_admin_puts_settings(admin_client, company):
    body = admin_client.get(URL).json()
    for key in ("id", "created_at", "updated_at", "logo"):
        body.pop(key)
    body.update(legal_name="Put GmbH", invoice_number_format="{year}/{series}/{seq:04d}")

    response = admin_client.put(URL, body, format="json")

    assert response.status_code == 200, response.content
    company.refresh_from_db()
    assert (company.legal_name, company.format_number(series="INV", year=2026, seq=7)) == (
        "Put GmbH",
        "2026/INV/0007",
    )


def test_codes_are_normalised(admin_client, company):
    response = admin_client.patch(
        URL,
        {
            "iban": "gb33 bukb 2020 1555 5555 55",
            "bic": "bukb gb22",
            "country": "at",
            "default_currency": "chf",
            "vat_id": "atu 13585627",
        },
        format="json",
    )

    assert response.status_code == 200, response.content
    company.refresh_from_db()
    assert (
        company.iban,
        company.bic,
        company.country,
        company.default_currency,
        company.vat_id,
    ) == (
        "GB33BUKB20201555555555",
        "BUKBGB22",
        "AT",
        "CHF",
        "ATU13585627",
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("iban", "DE00 1234 5678 9012 3456 78"),
        ("iban", "DE89370400440532013001"),  # checksum off by one
        ("iban", "not an iban"),
        ("bic", "XYZ"),
        ("bic", "COBADEFFXXXX"),
        ("country", "XX"),
        ("country", ""),
        ("default_currency", "ABC"),
        ("default_currency", "EURO"),
        ("vat_id", "123456789"),
        ("invoice_number_format", "{series}-{year}"),
        ("invoice_number_format", "{series}-{month}-{seq}"),
        ("invoice_number_format", "{seq:q}"),
        ("invoice_number_format", "{seq"),
        ("default_tax_rate", "100.01"),
        ("default_tax_rate", "-1"),
        ("default_tax_category", "X"),
        ("default_payment_terms_days", 400),
        ("email", "nope"),
        ("website", "not a url"),
        ("default_language", "xx"),
    ],
)
def test_invalid_values_are_400_with_the_field(admin_client, company, field, value):
    response = admin_client.patch(URL, {field: value}, format="json")

    error = _error(response, 400, "validation_error")
    assert list(error["details"]) == [field]
    fresh = CompanySettings.objects.get()
    assert (fresh.iban, fresh.country, fresh.invoice_number_format) == (
        "DE89370400440532013000",
        "DE",
        "{series}-{year}-{seq:05d}",
    )


# --- logo -----------------------------------------------------------------------------


def test_logo_upload_accepts_a_png(admin_client, company, tmp_path):
    response = admin_client.patch(URL, {"logo": _image()}, format="multipart")

    assert response.status_code == 200, response.content
    company.refresh_from_db()
    assert company.logo.name.startswith("logos/")
    assert (tmp_path / company.logo.name).read_bytes().startswith(b"\x89PNG")
    assert response.json()["logo"].endswith(company.logo.name)
    assert APIClient().get(PUBLIC).json()["logo_url"] == f"/media/{company.logo.name}"


def test_logo_upload_accepts_a_jpeg(admin_client, company):
    response = admin_client.patch(
        URL, {"logo": _image("JPEG", name="logo.jpg")}, format="multipart"
    )

    assert response.status_code == 200, response.content


@pytest.mark.parametrize(
    "upload",
    [
        SimpleUploadedFile("logo.png", b"this is not an image", content_type="image/png"),
        SimpleUploadedFile(
            "logo.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>", content_type="image/svg+xml"
        ),
        SimpleUploadedFile("logo.png", b"", content_type="image/png"),
    ],
    ids=["text", "svg", "empty"],
)
def test_logo_upload_refuses_non_images(admin_client, company, upload):
    response = admin_client.patch(URL, {"logo": upload}, format="multipart")

    assert list(_error(response, 400, "validation_error")["details"]) == ["logo"]
    company.refresh_from_db()
    assert not company.logo


def test_logo_upload_refuses_image_formats_outside_the_list(admin_client, company):
    response = admin_client.patch(URL, {"logo": _image("BMP", name="logo.bmp")}, format="multipart")

    assert list(_error(response, 400, "validation_error")["details"]) == ["logo"]


def test_logo_upload_refuses_an_oversize_file(admin_client, company, settings):
    settings.LOGO_MAX_BYTES = 10 * 1024
    big = _image(size=(100, 100), noise=True)
    assert big.size > settings.LOGO_MAX_BYTES

    response = admin_client.patch(URL, {"logo": big}, format="multipart")

    error = _error(response, 400, "validation_error")
    assert list(error["details"]) == ["logo"]
    assert "10 KiB" in error["details"]["logo"][0]
    company.refresh_from_db()
    assert not company.logo


# --- the public subset --------------------------------------------------------------


def test_public_shows_exactly_the_public_keys(api_client, company):
    response = api_client.get(PUBLIC)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == PUBLIC_KEYS
    assert all(value is None or isinstance(value, str) for value in body.values())
    assert body == {
        "legal_name": "Seller GmbH",
        "trading_name": "Seller",
        "street": "Hauptstraße 1",
        "city": "Berlin",
        "postal_code": "10115",
        "country": "DE",
        "email": "billing@seller.example",
        "website": None,
        "logo_url": None,
    }
    for secret in ("DE89370400440532013000", "COBADEFFXXX", "DE123456789", "HRB 1234"):
        assert secret not in response.content.decode()


def test_public_ignores_credentials_and_works_without_a_row(client_for, staff_user):
    response = client_for(staff_user).get(PUBLIC)

    assert response.status_code == 200
    assert set(response.json()) == PUBLIC_KEYS
    assert response.json()["legal_name"] == "My Company"


def test_public_is_cached(api_client, company, django_assert_num_queries):
    assert api_client.get(PUBLIC).json()["legal_name"] == "Seller GmbH"
    # A write that bypasses save() (and its signal) is not seen: the answer is cached.
    CompanySettings.objects.update(legal_name="Behind The Cache")

    with django_assert_num_queries(0):
        response = api_client.get(PUBLIC)

    assert response.json()["legal_name"] == "Seller GmbH"


def test_public_cache_is_invalidated_on_save_through_the_api(
    api_client, admin_client, company, django_capture_on_commit_callbacks
):
    assert api_client.get(PUBLIC).json()["legal_name"] == "Seller GmbH"

    with django_capture_on_commit_callbacks(execute=True):
        assert (
            admin_client.patch(URL, {"legal_name": "Renamed AG"}, format="json").status_code == 200
        )

    assert api_client.get(PUBLIC).json()["legal_name"] == "Renamed AG"


def test_public_cache_is_invalidated_on_any_save(
    api_client, company, django_capture_on_commit_callbacks
):
    assert api_client.get(PUBLIC).json()["city"] == "Berlin"

    with django_capture_on_commit_callbacks(execute=True):
        company.city = "Potsdam"
        company.save()

    assert api_client.get(PUBLIC).json()["city"] == "Potsdam"


def test_timezone_is_validated_and_moves_the_company_day(admin_client, company):
    from settings_app.calendar import company_today

    refused = admin_client.patch(URL, {"timezone": "Mars/Olympus"}, format="json")
    assert refused.status_code == 400
    assert "timezone" in refused.json()["error"]["details"]
    assert CompanySettings.objects.get().timezone == "Europe/Berlin"

    # UTC+14 and UTC-12 are always on different calendar days.
    admin_client.patch(URL, {"timezone": "Pacific/Kiritimati"}, format="json")
    ahead = company_today()
    admin_client.patch(URL, {"timezone": "Etc/GMT+12"}, format="json")
    behind = company_today()
    assert (ahead - behind).days == 1
