"""Schemathesis over the whole OpenAPI schema, as staff and as admin.

Every operation of drf-spectacular's schema is fuzzed in-process (WSGI, no server) with
valid and invalid data. Checks: no 5xx, every documented response matches its schema,
and every error answers the envelope of ARCHITECTURE.md.

The WSGI handler closes "obsolete" connections around each request (`request_started` /
`request_finished`), which inside the test's transaction would close it: the tests
disconnect that handler, as Django's test client does, and run in the plain `db`
transaction (a rollback, not a flush of every table per test: seconds on PostgreSQL).
What a request leaves to `on_commit` (eager Celery tasks) runs right after it.

Integer path ids are pointed at real rows (a customer, a draft, an issued invoice with a
payment), so the fuzzer gets past the lookup and into the serializers and services; ids
beyond 32 bits are kept as generated, so overflowing ids are fuzzed too.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from decimal import Decimal
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from rest_framework_simplejwt.tokens import RefreshToken
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from accounts.models import Role
from common.tests.factories import CompanySettingsFactory, CustomerFactory, UserFactory
from invoices import services
from invoices.tests.factories import make_draft, make_issued

pytestmark = pytest.mark.django_db

# Bounded for CI (about 40 s for both roles on SQLite). A deeper run, e.g. before a release:
# SCHEMATHESIS_MAX_EXAMPLES=300 SCHEMATHESIS_COVERAGE=1 (the coverage phase adds boundary
# values and unexpected methods, several hundred cases per write operation).
MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "15"))
COVERAGE = os.environ.get("SCHEMATHESIS_COVERAGE", "0") == "1"
LARGE_ID = 2**31


def _openapi() -> dict[str, Any]:
    """The schema `/api/schema/` serves, as JSON-compatible data."""
    document = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(document))


schema = schemathesis.openapi.from_dict(
    _openapi(),
    config=schemathesis.Config.from_dict({"phases": {"coverage": {"enabled": COVERAGE}}}),
)
schema.app = get_wsgi_application()


@schemathesis.check
def error_envelope(ctx, response, case) -> bool | None:
    """4xx and 5xx answer `{"error": {"code", "message", "details"}}` (ARCHITECTURE.md)."""
    if response.status_code < 400:
        return None
    content_type = response.headers.get("content-type", [""])[0]
    assert content_type.startswith("application/json"), f"error answered as {content_type!r}"
    body = json.loads(response.content)
    assert set(body) == {"error"}, body
    error = body["error"]
    assert set(error) == {"code", "message", "details"}, error
    assert isinstance(error["code"], str) and error["code"], error
    assert isinstance(error["message"], str) and error["message"], error
    assert isinstance(error["details"], dict), error
    return True


CHECKS = [not_a_server_error, response_schema_conformance, error_envelope]


def _token(user) -> str:
    return str(RefreshToken.for_user(user).access_token)


@pytest.fixture
def world() -> dict[str, Any]:
    """Company settings, a staff user's customer, draft, and issued invoice with a payment."""
    CompanySettingsFactory()
    staff = UserFactory(username="staff", role=Role.STAFF)
    admin = UserFactory(username="admin", role=Role.ADMIN)
    victim = UserFactory(username="victim", role=Role.STAFF)
    customer = CustomerFactory(owner=staff)
    draft = make_draft(owner=staff, customer=customer)
    issued = make_issued(owner=staff, customer=customer, issue_date=dt.date(2026, 1, 15))
    payment = services.payment_record(invoice=issued, by=staff, amount=Decimal("10.00"))
    return {
        "staff": staff,
        "admin": admin,
        "victim": victim,
        "customer": customer.pk,
        "draft": draft.pk,
        "issued": issued.pk,
        "payment": payment.pk,
    }


# Operations that change a draft take the draft; every other invoice path the issued one.
_DRAFT_OPERATIONS = {
    ("PUT", "/api/invoices/{id}/"),
    ("PATCH", "/api/invoices/{id}/"),
    ("DELETE", "/api/invoices/{id}/"),
    ("POST", "/api/invoices/{id}/issue/"),
}


def _small_int(value: Any) -> bool:
    """An id as the path carries it ("42"), small enough to stand for a real row."""
    text = str(value)
    return text.lstrip("-").isdigit() and abs(int(text)) < LARGE_ID


def _point_ids_at_rows(case, world: dict[str, Any], role: str) -> None:
    parameters = case.path_parameters or {}
    path, method = case.operation.path, case.method.upper()
    for name, value in list(parameters.items()):
        if not _small_int(value):
            continue  # invalid or overflowing ids stay as generated
        if name == "payment_id":
            parameters[name] = world["payment"]
        elif path.startswith("/api/customers/"):
            parameters[name] = world["customer"]
        elif path.startswith("/api/users/"):
            # Admins would deactivate themselves and stop the run: give them a victim.
            parameters[name] = world["victim" if role == "admin" else "staff"].pk
        elif path.startswith("/api/invoices/"):
            draft = (method, path) in _DRAFT_OPERATIONS
            parameters[name] = world["draft" if draft else "issued"]


@pytest.fixture
def after_commit(django_capture_on_commit_callbacks):
    """Requests in the test's transaction; `with after_commit():` runs their on_commit."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    try:
        yield lambda: django_capture_on_commit_callbacks(execute=True)
    finally:
        for signal in (request_started, request_finished):
            signal.connect(close_old_connections)


def _run(case, world: dict[str, Any], role: str, after_commit) -> None:
    _point_ids_at_rows(case, world, role)
    headers = {"Authorization": f"Bearer {_token(world[role])}"}
    with after_commit():
        case.call_and_validate(headers=headers, checks=CHECKS)


FUZZ_SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@schema.parametrize()
@FUZZ_SETTINGS
def test_api_as_staff(case, world, after_commit):
    _run(case, world, "staff", after_commit)


@schema.parametrize()
@FUZZ_SETTINGS
def test_api_as_admin(case, world, after_commit):
    _run(case, world, "admin", after_commit)
