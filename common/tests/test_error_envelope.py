"""Every error is one envelope {"error": {"code", "message", "details"}}; bad input never 500s."""

from __future__ import annotations

import pytest
from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError
from django.http import Http404

from common.exceptions import (
    BusinessException,
    ValidationException,
)
from common.handlers import api_exception_handler
from common.tests.factories import CustomerFactory
from customers.models import Customer

pytestmark = pytest.mark.django_db

CUSTOMERS = "/api/customers/"


def assert_envelope(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert isinstance(body["error"]["details"], dict)
    return body["error"]


def _post_raw(client, path: str, body: str | bytes, content_type: str = "application/json"):
    return client.generic("POST", path, body, content_type=content_type)


# --- parsing ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        '{"name": "A",',
        "{'name': 'single quotes'}",
        '{"name": "A"} trailing',
        b"\xff\xfe\xfa not utf-8",
    ],
    ids=["truncated", "single-quotes", "trailing-garbage", "bad-encoding"],
)
def test_malformed_json_is_400_parse_error(staff_client, staff_user, body):
    error = assert_envelope(_post_raw(staff_client, CUSTOMERS, body), 400, "parse_error")

    assert error["details"] == {}
    assert Customer.all_objects.count() == 0


def test_empty_body_is_a_validation_error_on_required_fields(staff_client, staff_user):
    error = assert_envelope(_post_raw(staff_client, CUSTOMERS, ""), 400, "validation_error")

    assert list(error["details"]) == ["name"]


@pytest.mark.parametrize("opener", ["[", '{"a":'])
def test_deeply_nested_json_is_400_not_a_crash(staff_client, staff_user, opener):
    body = opener * 100_000

    assert_envelope(_post_raw(staff_client, CUSTOMERS, body), 400, "parse_error")


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_400(staff_client, staff_user, constant):
    body = f'{{"name": "N", "payment_terms_days": {constant}}}'

    assert_envelope(_post_raw(staff_client, CUSTOMERS, body), 400, "parse_error")
    assert Customer.all_objects.count() == 0


def test_integer_with_thousands_of_digits_is_400(staff_client, staff_user):
    body = '{"name": "Big", "payment_terms_days": ' + "9" * 5000 + "}"

    assert_envelope(_post_raw(staff_client, CUSTOMERS, body), 400, "parse_error")


def test_unsupported_media_type_is_415(staff_client, staff_user):
    response = _post_raw(staff_client, CUSTOMERS, "name=A", content_type="text/plain")

    assert_envelope(response, 415, "unsupported_media_type")


def test_json_list_instead_of_object_is_a_validation_error(staff_client, staff_user):
    error = assert_envelope(
        staff_client.post(CUSTOMERS, [1, 2], format="json"), 400, "validation_error"
    )

    assert list(error["details"]) == ["non_field_errors"]


# --- validation -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("payment_terms_days", "thirty"),
        ("payment_terms_days", [30]),
        ("payment_terms_days", 10**30),
        ("payment_terms_days", -1),
        ("payment_terms_days", 1.5),
        ("name", {"first": "A"}),
        ("name", ["A"]),
        ("name", "x" * 201),
        ("preferred_language", "klingon"),
    ],
    ids=[
        "str-for-int",
        "list-for-int",
        "huge-int",
        "negative",
        "fraction",
        "object-for-str",
        "list-for-str",
        "too-long",
        "unknown-choice",
    ],
)
def test_wrong_types_and_huge_numbers_are_400_with_the_field(
    staff_client, staff_user, field, value
):
    body = {"name": "Valid", "country": "DE", "currency": "EUR", field: value}

    error = assert_envelope(
        staff_client.post(CUSTOMERS, body, format="json"), 400, "validation_error"
    )

    assert list(error["details"]) == [field]
    assert error["message"].startswith(f"{field}: ")
    assert Customer.all_objects.count() == 0


def test_bad_dates_are_400_with_the_field(staff_client, staff_user, company):
    customer = CustomerFactory(owner=staff_user)
    item = {"description": "Work", "quantity": "1", "unit_price": "10.00", "tax_rate": "19.00"}

    for bad in ["2026-02-30", "yesterday", "2026-13-01", "99999-01-01"]:
        body = {"customer": customer.id, "issue_date": bad, "items": [item]}
        error = assert_envelope(
            staff_client.post("/api/invoices/", body, format="json"), 400, "validation_error"
        )
        assert "issue_date" in error["details"], bad


# --- routing --------------------------------------------------------------------------


def test_unknown_id_is_404_not_found(staff_client, staff_user):
    assert_envelope(staff_client.get(f"{CUSTOMERS}999999/"), 404, "not_found")
    assert_envelope(
        staff_client.patch(f"{CUSTOMERS}999999/", {"name": "x"}, format="json"), 404, "not_found"
    )
    assert_envelope(staff_client.delete(f"{CUSTOMERS}999999/"), 404, "not_found")


@pytest.mark.parametrize("pk", ["abc", "99999999999999999999999999", "-1", "1e5"])
def test_malformed_or_out_of_range_ids_are_404(staff_client, staff_user, pk):
    assert_envelope(staff_client.get(f"{CUSTOMERS}{pk}/"), 404, "not_found")


@pytest.mark.parametrize("path", ["/api/nope/", "/api/customers/1/nope/"])
def test_unknown_url_under_api_is_404_envelope(staff_client, staff_user, path):
    assert_envelope(staff_client.get(path), 404, "not_found")


def test_unknown_url_without_auth_is_404_envelope(api_client, db):
    assert_envelope(api_client.get("/api/does-not-exist/"), 404, "not_found")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("put", "/api/auth/login/"),
        ("get", "/api/auth/logout/"),
        ("delete", "/api/auth/me/"),
        ("delete", "/api/settings/company/"),
        ("post", "/api/settings/company/public/"),
    ],
)
def test_wrong_method_is_405(admin_client, admin_user, method, path):
    response = getattr(admin_client, method)(path, {}, format="json")

    assert_envelope(response, 405, "method_not_allowed")


def test_unauthenticated_is_401_envelope(api_client, db):
    assert_envelope(api_client.get(CUSTOMERS), 401, "not_authenticated")


def test_malformed_authorization_header_is_401(api_client, db):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer a b c")

    assert_envelope(api_client.get(CUSTOMERS), 401, "bad_authorization_header")


# --- the handler itself ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("exc", "status", "code"),
    [
        (BusinessException(), 409, "business_rule_violated"),
        (BusinessException("Busy.", code="customer_busy"), 409, "customer_busy"),
        (ValidationException(details={"x": ["bad"]}), 400, "validation_error"),
        (BusinessException(status_code=422, code="custom"), 422, "custom"),
        (Http404(), 404, "not_found"),
        (DjangoPermissionDenied(), 403, "permission_denied"),
        (DjangoValidationError({"email": ["Bad."]}), 400, "validation_error"),
        (DjangoValidationError("Bad."), 400, "validation_error"),
        (DataError("value too long"), 400, "validation_error"),
        (IntegrityError("duplicate key"), 409, "conflict"),
        (RuntimeError("boom"), 500, "server_error"),
    ],
)
def test_handler_maps_every_exception_to_the_envelope(exc, status, code):
    response = api_exception_handler(exc, {"view": None})

    assert response.status_code == status
    assert set(response.data) == {"error"}
    assert set(response.data["error"]) == {"code", "message", "details"}
    assert response.data["error"]["code"] == code
    assert response.data["error"]["message"]


def test_handler_keeps_business_details_and_field_errors():
    business = api_exception_handler(
        BusinessException("Nope.", code="customer_locked", details={"id": 3}), {"view": None}
    )
    django_field = api_exception_handler(DjangoValidationError({"email": ["Bad."]}), {"view": None})
    django_plain = api_exception_handler(DjangoValidationError("Bad."), {"view": None})

    assert business.data == {
        "error": {"code": "customer_locked", "message": "Nope.", "details": {"id": 3}}
    }
    assert django_field.data["error"]["details"] == {"email": ["Bad."]}
    assert django_field.data["error"]["message"] == "email: Bad."
    assert django_plain.data["error"]["details"] == {"non_field_errors": ["Bad."]}


def test_a_missing_row_the_code_did_not_expect_is_a_server_error_not_a_404():
    """A DoesNotExist that escapes a view is a bug to see, not an answer to hide."""

    answer = api_exception_handler(ObjectDoesNotExist(), {"view": None})
    assert (answer.status_code, answer.data["error"]["code"]) == (500, "server_error")
    assert api_exception_handler(Http404(), {"view": None}).status_code == 404
