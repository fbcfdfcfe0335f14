"""Hostile input gets a clear 4xx in the error envelope, never a 500, and writes nothing.

Run on PostgreSQL too (DATABASE_URL): it refuses NUL in text and numbers beyond a
column's precision, where SQLite stores whatever it is given.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from django.conf import settings
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from accounts.models import User
from common.parsers import CONTROL_CHARACTERS_MESSAGE
from common.tests.factories import CustomerFactory
from customers.models import Customer
from documents.models import InvoiceSending
from invoices.models import Invoice, InvoiceAllowanceCharge, InvoiceItem, NumberSequence, Payment
from invoices.services._lines import MAX_STORABLE_AMOUNT
from invoices.tests.factories import make_issued
from settings_app.models import CompanySettings

pytestmark = pytest.mark.django_db

INVOICES = "/api/invoices/"
CUSTOMERS = "/api/customers/"
HUGE_IDS = ["99999999999999999999", str(2**63), str(2**64)]


@pytest.fixture
def customer(company, staff_user) -> Customer:
    return CustomerFactory(owner=staff_user, name="Acme SARL")


def _counts() -> dict[str, int]:
    return {
        "customers": Customer.all_objects.count(),
        "invoices": Invoice.objects.count(),
        "items": InvoiceItem.objects.count(),
        "allowances": InvoiceAllowanceCharge.objects.count(),
        "payments": Payment.objects.count(),
        "sequences": NumberSequence.objects.count(),
        "users": User.objects.count(),
        "sendings": InvoiceSending.objects.count(),
    }


def _refused(response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert set(error) == {"code", "message", "details"}
    assert error["code"] == code, error
    assert error["message"]
    return error


def _item(**fields: Any) -> dict[str, Any]:
    return {"description": "Work", "quantity": "1", "unit_price": "10.00", **fields}


def _post_json(client, url: str, body: Any):
    return client.post(url, json.dumps(body), content_type="application/json")


def _assert_line_field_refused(client, customer, field: str, value: str) -> None:
    """A draft whose one line has `value` in `field`: a 400 naming the line's field,
    and no row written."""
    before = _counts()

    response = _post_json(
        client, INVOICES, {"customer": customer.pk, "items": [_item(**{field: value})]}
    )

    error = _refused(response, 400, "validation_error")
    assert field in error["details"]["items"]["0"], error
    assert _counts() == before


# --- size -------------------------------------------------------------------------------


def test_json_body_over_the_upload_limit_is_413(staff_client, customer):
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    body = json.dumps({"customer": customer.pk, "notes": "x" * limit, "items": [_item()]})
    assert len(body) > limit
    before = _counts()

    response = staff_client.post(INVOICES, body, content_type="application/json")

    _refused(response, 413, "payload_too_large")
    assert _counts() == before


@pytest.mark.parametrize("encoding", ["multipart", "urlencoded"])
def test_form_body_over_the_upload_limit_is_413(admin_client, company, encoding):
    """The settings endpoint also takes forms (for the logo): same limit, same answer."""
    big = "y" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    if encoding == "multipart":
        body, content_type = encode_multipart(BOUNDARY, {"legal_name": big}), MULTIPART_CONTENT
    else:
        body, content_type = f"legal_name={big}", "application/x-www-form-urlencoded"

    response = admin_client.patch("/api/settings/company/", body, content_type=content_type)

    _refused(response, 413, "payload_too_large")
    assert CompanySettings.load().legal_name == "Seller GmbH"


@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_deeply_nested_json_is_400(staff_client, customer, depth):
    before = _counts()

    response = staff_client.post(
        INVOICES, "[" * depth + "]" * depth, content_type="application/json"
    )

    _refused(response, 400, "parse_error")
    assert _counts() == before


def test_nested_structure_where_text_is_expected_is_400(staff_client, customer):
    nested: Any = "deep"
    for _ in range(50):
        nested = {"a": [nested]}
    before = _counts()

    response = _post_json(
        staff_client, INVOICES, {"customer": customer.pk, "notes": nested, "items": [_item()]}
    )

    error = _refused(response, 400, "validation_error")
    assert "notes" in error["details"]
    assert _counts() == before


def test_the_maximum_draft_is_accepted_with_exact_totals(staff_client, customer, settings):
    """INVOICE_MAX_LINES (2,000) lines: the most a PDF is built for within the limits."""
    count = settings.INVOICE_MAX_LINES
    items = [_item(quantity="1.5", unit_price="3.3333", tax_rate="19.00")] * count

    started = time.perf_counter()
    response = _post_json(staff_client, INVOICES, {"customer": customer.pk, "items": items})
    elapsed = time.perf_counter() - started

    assert response.status_code == 201, response.content[:500]
    assert elapsed < 10, f"{count} items took {elapsed:.1f} s"
    invoice = response.json()
    # Each line: 1.5 x 3.3333 = 4.99995 -> 5.00 (rounded once per line, BR-CO-10).
    assert len(invoice["items"]) == count
    assert invoice["line_total"] == "10000.00"
    assert invoice["tax_total"] == "1900.00"
    assert invoice["gross_total"] == "11900.00"
    assert InvoiceItem.objects.filter(invoice_id=invoice["id"]).count() == count


@pytest.mark.parametrize("extra", [1, 8_001])
def test_more_lines_than_the_maximum_are_refused_whole_naming_the_limit(
    staff_client, customer, settings, extra
):
    before = _counts()
    items = [_item()] * (settings.INVOICE_MAX_LINES + extra)

    response = _post_json(staff_client, INVOICES, {"customer": customer.pk, "items": items})

    error = _refused(response, 400, "validation_error")
    assert error["details"]["items"] == ["At most 2000 lines per invoice (INVOICE_MAX_LINES)."]
    assert _counts() == before


def test_a_draft_body_over_the_invoice_byte_limit_is_400_naming_it(
    staff_client, customer, settings
):
    settings.INVOICE_MAX_BYTES = 10_000
    body = {"customer": customer.pk, "notes": "x" * 20_000, "items": [_item()]}

    response = _post_json(staff_client, INVOICES, body)

    error = _refused(response, 400, "validation_error")
    assert "INVOICE_MAX_BYTES" in error["message"]


# --- numbers ----------------------------------------------------------------------------

THIRTY_DIGITS = "1" + "0" * 29


@pytest.mark.parametrize(
    "field,value",
    [
        ("quantity", THIRTY_DIGITS),
        ("quantity", f"{THIRTY_DIGITS}.5"),
        ("quantity", "0." + "0" * 29 + "1"),
        ("quantity", "1e30"),
        ("unit_price", THIRTY_DIGITS),
        ("price_base_quantity", THIRTY_DIGITS),
        ("discount_amount", THIRTY_DIGITS),
        ("tax_rate", THIRTY_DIGITS),
    ],
)
def test_thirty_digit_numbers_are_400(staff_client, customer, field, value):
    _assert_line_field_refused(staff_client, customer, field, value)


def test_thirty_digit_json_number_literals_are_400(staff_client, customer):
    body = f'{{"customer": {customer.pk}, "items": [{{"description": "x", "quantity": {THIRTY_DIGITS}, "unit_price": 1e30}}]}}'
    before = _counts()

    response = staff_client.post(INVOICES, body, content_type="application/json")

    error = _refused(response, 400, "validation_error")
    assert set(error["details"]["items"]["0"]) == {"quantity", "unit_price"}
    assert _counts() == before


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_json_numbers_are_400(staff_client, customer, literal):
    body = f'{{"customer": {customer.pk}, "items": [{{"description": "x", "quantity": {literal}, "unit_price": 1}}]}}'

    _refused(staff_client.post(INVOICES, body, content_type="application/json"), 400, "parse_error")


def test_amounts_too_large_to_store_are_400_and_the_list_still_works(staff_client, customer):
    """Each number fits its column; their product does not. PostgreSQL would refuse the
    row and SQLite would store it unreadable: the service refuses it first."""
    biggest = "999999999999999.9999"
    before = _counts()

    response = _post_json(
        staff_client,
        INVOICES,
        {"customer": customer.pk, "items": [_item(quantity=biggest, unit_price=biggest)]},
    )

    error = _refused(response, 400, "validation_error")
    assert "items" in error["details"]
    assert _counts() == before
    assert staff_client.get(INVOICES).status_code == 200


def test_just_storable_amount_is_accepted(staff_client, customer):
    price = str(MAX_STORABLE_AMOUNT / 1000 - 1)  # gross = net x 1.19 stays below the limit

    response = _post_json(
        staff_client,
        INVOICES,
        {"customer": customer.pk, "items": [_item(unit_price=price, tax_rate="19.00")]},
    )

    assert response.status_code == 201, response.content[:500]
    assert staff_client.get(f"{INVOICES}{response.json()['id']}/").status_code == 200


@pytest.mark.parametrize(
    "field,value",
    [
        ("unit_price", "-0.01"),
        ("unit_price", "-100"),
        ("quantity", "-1"),
        ("quantity", "0"),
        ("price_base_quantity", "0"),
        ("price_base_quantity", "-1"),
        ("discount_amount", "-5.00"),
        ("charge_amount", "-5.00"),
        ("tax_rate", "-19.00"),
        ("tax_rate", "100.01"),
    ],
)
def test_negative_or_zero_numbers_where_not_allowed_are_400(staff_client, customer, field, value):
    _assert_line_field_refused(staff_client, customer, field, value)


def test_negative_document_allowance_is_400(staff_client, customer):
    body = {
        "customer": customer.pk,
        "items": [_item()],
        "allowances_charges": [{"amount": "-10.00", "reason": "Sneaky", "tax_rate": "19.00"}],
    }
    before = _counts()

    error = _refused(_post_json(staff_client, INVOICES, body), 400, "validation_error")

    assert "amount" in error["details"]["allowances_charges"]["0"]
    assert _counts() == before


@pytest.mark.parametrize("amount", ["-10.00", "0", "0.001", THIRTY_DIGITS])
def test_bad_payment_amounts_are_400(staff_client, staff_user, customer, amount):
    invoice = make_issued(owner=staff_user, customer=customer)
    before = _counts()

    response = _post_json(staff_client, f"{INVOICES}{invoice.pk}/payments/", {"amount": amount})

    error = _refused(response, 400, "validation_error")
    assert "amount" in error["details"]
    assert _counts() == before
    invoice.refresh_from_db()
    assert invoice.paid_total == 0


# --- text -------------------------------------------------------------------------------

UNICODE_NAMES = [
    "\u202eevil.exe\u202c",  # right-to-left override
    "شركة الأمل",  # Arabic (right to left)
    "עברית בע״מ",  # Hebrew
    "Zürich Ångström Łódź",
    "株式会社テスト",
    "Café 🧾💶",
    "e\u0301\u0301\u0301",  # stacked combining marks
    "zero\u200bwidth\u200djoiner",
    "tab\tand\nnewline",
]


@pytest.mark.parametrize("name", UNICODE_NAMES)
def test_unicode_names_round_trip_into_the_e_invoice(staff_client, customer, name):
    response = staff_client.patch(f"{CUSTOMERS}{customer.pk}/", {"name": name}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["name"] == name
    draft = _post_json(
        staff_client, INVOICES, {"customer": customer.pk, "items": [_item(description=name)]}
    ).json()

    issued = staff_client.post(f"{INVOICES}{draft['id']}/issue/")
    ubl = staff_client.get(f"{INVOICES}{draft['id']}/ubl/")

    assert issued.status_code == 200, issued.content
    assert issued.json()["buyer"]["name"] == name
    assert issued.json()["items"][0]["description"] == name
    assert ubl.status_code == 200, ubl.content[:500]


CONTROL_CHARACTERS = ["\x00", "\x01", "\x08", "\x0b", "\x1b[31m", "\ufffe", "\uffff"]


@pytest.mark.parametrize("char", CONTROL_CHARACTERS, ids=repr)
def test_control_characters_in_a_customer_name_are_400(staff_client, customer, char):
    before = _counts()

    created = _post_json(staff_client, CUSTOMERS, {"name": f"Evil{char}Corp"})
    changed = _post_json(staff_client, CUSTOMERS, {"name": "ok", "city": f"Pa{char}ris"})
    patched = staff_client.patch(
        f"{CUSTOMERS}{customer.pk}/",
        json.dumps({"name": f"A{char}"}),
        content_type="application/json",
    )

    assert "name" in _refused(created, 400, "validation_error")["details"]
    assert "city" in _refused(changed, 400, "validation_error")["details"]
    assert "name" in _refused(patched, 400, "validation_error")["details"]
    assert _counts() == before
    customer.refresh_from_db()
    assert customer.name == "Acme SARL"


@pytest.mark.parametrize("char", CONTROL_CHARACTERS, ids=repr)
def test_control_characters_in_an_item_description_are_400(staff_client, customer, char):
    items = [_item(), _item(description=f"Line{char}two")]
    before = _counts()

    response = _post_json(staff_client, INVOICES, {"customer": customer.pk, "items": items})

    error = _refused(response, 400, "validation_error")
    assert error["details"] == {"items": {"1": {"description": [CONTROL_CHARACTERS_MESSAGE]}}}
    assert _counts() == before


def test_nul_in_query_strings_and_paths_is_a_4xx(staff_client, api_client, customer):
    for url in [
        f"{CUSTOMERS}?search=a%00b",
        f"{CUSTOMERS}?country=%00",
        f"{INVOICES}?currency=EU%00",
        f"{CUSTOMERS}1%00/",
    ]:
        response = staff_client.get(url)
        assert 400 <= response.status_code < 500, (url, response.status_code)
    # The customer's public page looks the token up without login; a person opens it, so
    # a bad link answers the HTML "not found" page (documents.views._not_found).
    for url in [f"/i/{'a' * 30}%00/", f"/i/{'a' * 30}%00/pdf/"]:
        response = api_client.get(url)
        assert response.status_code == 404, url
        assert response["Content-Type"].startswith("text/html")


# --- content types ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type,body,status,code",
    [
        ("application/xml", "<customer><name>x</name></customer>", 415, "unsupported_media_type"),
        ("text/plain", '{"name": "x"}', 415, "unsupported_media_type"),
        ("application/x-www-form-urlencoded", "name=x", 415, "unsupported_media_type"),
        ("multipart/form-data; boundary=xyz", "--xyz--", 415, "unsupported_media_type"),
        ("application/json", "name=x", 400, "parse_error"),
        ("application/json", "", 400, "validation_error"),
        ("application/json", '"just a string"', 400, "validation_error"),
        ("application/json", "[1, 2, 3]", 400, "validation_error"),
        ("application/json", b"\xff\xfe\x00{", 400, "parse_error"),
        ("application/json; charset=bz2_codec", '{"name": "x"}', 400, "parse_error"),
        ("application/json; charset=utf-16", '{"name": "x"}', 400, "parse_error"),
    ],
)
def test_wrong_content_types_and_encodings_are_4xx(
    staff_client, company, content_type, body, status, code
):
    before = _counts()

    response = staff_client.post(CUSTOMERS, body, content_type=content_type)

    _refused(response, status, code)
    assert _counts() == before


# --- ids --------------------------------------------------------------------------------


@pytest.mark.parametrize("huge", HUGE_IDS)
@pytest.mark.parametrize(
    "method,template",
    [
        ("get", "/api/customers/{}/"),
        ("patch", "/api/customers/{}/"),
        ("delete", "/api/customers/{}/"),
        ("get", "/api/invoices/{}/"),
        ("put", "/api/invoices/{}/"),
        ("post", "/api/invoices/{}/issue/"),
        ("get", "/api/invoices/{}/payments/"),
        ("get", "/api/invoices/{}/pdf/"),
        ("post", "/api/invoices/{}/send/"),
        ("get", "/api/users/{}/"),
        ("delete", "/api/invoices/1/payments/{}/"),
    ],
)
def test_ids_beyond_bigint_are_404(admin_client, company, method, template, huge):
    before = _counts()

    response = getattr(admin_client, method)(template.format(huge), {}, format="json")

    _refused(response, 404, "not_found")
    assert _counts() == before


@pytest.mark.parametrize("param", ["owner", "customer"])
@pytest.mark.parametrize("value", [*HUGE_IDS, "-7.9e+279", "1.5", "0"])
def test_ids_beyond_bigint_in_filters_are_400(admin_client, company, param, value):
    response = admin_client.get(INVOICES, {param: value})

    error = _refused(response, 400, "validation_error")
    assert param in error["details"]
