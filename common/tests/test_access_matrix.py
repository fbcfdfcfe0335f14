"""Who may call what: every endpoint and method of the URL conf, for four callers.

The endpoints come from the URL conf itself (`get_resolver()`); `MATRIX` says, for each
(route name, method), what anonymous / the staff owner / another staff user / an admin
get. An endpoint without a row fails (`test_matrix_covers_...`), so a new endpoint
cannot ship without deciding who may use it; a row without an endpoint fails too.

Requests are valid (the owner succeeds), so a refusal can only come from access
control. Paths point at rows the staff owner owns. Each refusal must leave the data as
it was; another user's id must answer exactly like an id that does not exist.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import Role, User
from common.tests.factories import (
    PASSWORD,
    CompanySettingsFactory,
    CustomerFactory,
    UserFactory,
)
from customers.models import Customer
from documents.models import InvoiceSending
from invoices import services
from invoices.models import Invoice, Payment
from invoices.tests.factories import line, make_draft, make_issued
from products.models import Product
from products.tests.factories import make_product
from recurring import services as recurring_services
from recurring.models import RecurringInvoice
from recurring.tests.factories import make_schedule
from settings_app.models import CompanySettings

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "owner", "other", "admin")
MISSING_ID = 2**31 - 1
# Root-level routes outside /api/: the Django admin has its own login; the rest is public.
NON_API_ROUTES = {
    "health",
    "metrics",
    "admin-login",
    "public-invoice",
    "public-invoice-document",
    "public-invoice-not-found",  # any other /i/ path: the HTML "not found" page
}
HTTP_METHODS = ("get", "post", "put", "patch", "delete")


# --- the endpoints, from the URL conf ----------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Endpoint:
    name: str  # route name with namespace, as reverse() takes it
    route: str  # for humans: "api/invoices/<int:pk>/pdf/"
    methods: tuple[str, ...]
    kwargs: tuple[str, ...]  # path parameters


def _methods(callback: Any) -> tuple[str, ...]:
    actions = getattr(callback, "actions", None)  # DRF viewset: its router mapping
    if actions:
        # DRF adds "head" to the mapping on the first GET: HEAD mirrors GET, leave it out.
        return tuple(sorted(m.upper() for m in actions if m in HTTP_METHODS))
    view = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if view is None:
        return ()
    return tuple(
        sorted(m.upper() for m in HTTP_METHODS if m in view.http_method_names and hasattr(view, m))
    )


def _walk(patterns, prefix: str = "", namespace: str | None = None) -> Iterator[Endpoint]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            yield Endpoint(
                name=name,
                route=prefix + str(pattern.pattern),
                methods=_methods(pattern.callback),
                kwargs=tuple(pattern.pattern.regex.groupindex),
            )


def api_endpoints() -> list[Endpoint]:
    return [e for e in _walk(get_resolver().url_patterns) if e.route.startswith("api/")]


def non_api_route_names() -> set[str]:
    return {
        e.name
        for e in _walk(get_resolver().url_patterns)
        if not e.route.startswith("api/") and not e.name.startswith("admin:")
    }


# --- the matrix ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Row:
    anonymous: int
    owner: int
    other: int
    admin: int
    target: str | None = None  # which of the owner's rows `pk` points at
    body: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    listed: str | None = None  # a list: the owner's row must show only to owner and admin

    def expected(self, role: str) -> int:
        return getattr(self, role)


def _invoice_body(world: dict[str, Any]) -> dict[str, Any]:
    return {
        "customer": world["customer"].pk,
        "items": [{"description": "Work", "quantity": "2", "unit_price": "50.00"}],
    }


def _schedule_body(world: dict[str, Any]) -> dict[str, Any]:
    return {**_invoice_body(world), "frequency": "monthly", "start_date": "2099-01-31"}


def _refresh(world: dict[str, Any]) -> dict[str, Any]:
    return {"refresh": str(RefreshToken.for_user(world["owner"]))}


OWNER_ONLY = {"anonymous": 401, "other": 404}  # + the owner's and the admin's success
ADMIN_ONLY = {"anonymous": 401, "owner": 403, "other": 403}
PUBLIC = {"anonymous": 200, "owner": 200, "other": 200, "admin": 200}


def owned(status: int, **extra: Any) -> Row:
    return Row(**OWNER_ONLY, owner=status, admin=status, **extra)


def admin_only(status: int, **extra: Any) -> Row:
    return Row(**ADMIN_ONLY, admin=status, **extra)


def signed_in(status: int, **extra: Any) -> Row:
    return Row(anonymous=401, owner=status, other=status, admin=status, **extra)


def anyone(status: int, **extra: Any) -> Row:
    return Row(anonymous=status, owner=status, other=status, admin=status, **extra)


MATRIX: dict[tuple[str, str], Row] = {
    # sessions
    ("auth-login", "POST"): anyone(200, body=lambda w: {"username": "staff", "password": PASSWORD}),
    ("auth-refresh", "POST"): anyone(200, body=_refresh),
    ("auth-logout", "POST"): anyone(204, body=_refresh),
    ("auth-me", "GET"): signed_in(200),
    ("auth-me", "PATCH"): signed_in(200, body=lambda w: {"first_name": "Ada"}),
    ("auth-change-password", "POST"): signed_in(
        204, body=lambda w: {"old_password": PASSWORD, "new_password": "a-new-long-passphrase-77"}
    ),
    # users: admins only
    ("user-list", "GET"): admin_only(200),
    ("user-list", "POST"): admin_only(
        201,
        body=lambda w: {"username": "newbie", "password": "a-new-long-passphrase-77"},
    ),
    ("user-detail", "GET"): admin_only(200, target="user"),
    ("user-detail", "PUT"): admin_only(
        200, target="user", body=lambda w: {"username": "staff", "role": "staff"}
    ),
    ("user-detail", "PATCH"): admin_only(200, target="user", body=lambda w: {"first_name": "B"}),
    ("user-detail", "DELETE"): admin_only(204, target="user"),
    # customers: staff their own (another's is a 404), admins all
    ("customer-list", "GET"): signed_in(200, listed="customer"),
    ("customer-list", "POST"): signed_in(201, body=lambda w: {"name": "New GmbH"}),
    ("customer-detail", "GET"): owned(200, target="customer"),
    ("customer-detail", "PUT"): owned(200, target="customer", body=lambda w: {"name": "Renamed"}),
    ("customer-detail", "PATCH"): owned(200, target="customer", body=lambda w: {"city": "Lyon"}),
    ("customer-detail", "DELETE"): owned(204, target="customer"),
    # Looked up in the caller's scope first (404), then admins only (403).
    ("customer-restore", "POST"): Row(401, 403, 404, 200, target="deleted_customer"),
    # invoices
    ("invoice-list", "GET"): signed_in(200, listed="issued"),
    # Another's customer id is a 400 on `customer`, like an unknown id.
    ("invoice-list", "POST"): Row(401, 201, 400, 201, body=_invoice_body),
    ("invoice-detail", "GET"): owned(200, target="issued"),
    ("invoice-detail", "PUT"): owned(200, target="draft", body=_invoice_body),
    ("invoice-detail", "PATCH"): owned(200, target="draft", body=lambda w: {"notes": "Thanks"}),
    ("invoice-detail", "DELETE"): owned(204, target="draft"),
    ("invoice-issue", "POST"): owned(200, target="draft"),
    ("invoice-void", "POST"): owned(200, target="issued", body=lambda w: {"reason": "Typo"}),
    ("invoice-credit-note", "POST"): owned(201, target="issued"),
    ("invoice-payments", "GET"): owned(200, target="issued"),
    ("invoice-payments", "POST"): owned(201, target="issued", body=lambda w: {"amount": "10.00"}),
    # Removing a payment is an admin's correction: staff hear 403 whoever owns the invoice.
    ("invoice-delete-payment", "DELETE"): admin_only(200, target="paid"),
    # documents
    ("documents-api:invoice-pdf", "GET"): owned(200, target="issued"),
    ("documents-api:invoice-ubl", "GET"): owned(200, target="issued"),
    ("documents-api:invoice-facturx", "GET"): owned(200, target="issued"),
    ("documents-api:invoice-cii", "GET"): owned(200, target="issued"),
    ("documents-api:invoice-send", "POST"): owned(202, target="issued", body=lambda w: {}),
    ("documents-api:invoice-sendings", "GET"): owned(200, target="issued"),
    ("documents-api:invoice-documents", "GET"): owned(200, target="issued"),
    ("documents-api:invoice-revoke-link", "POST"): owned(200, target="issued"),
    # payment reminders of an invoice: owned like it
    ("reminders:invoice-reminders", "GET"): owned(200, target="issued"),
    # reports: every signed-in user, over their own invoices (admins: everyone's)
    ("report-aging", "GET"): signed_in(200),
    ("report-summary", "GET"): signed_in(200),
    # company settings: admins; the public subset: anyone
    ("company-settings", "GET"): admin_only(200),
    ("company-settings", "PUT"): admin_only(200, body=lambda w: {"legal_name": "New Name AG"}),
    ("company-settings", "PATCH"): admin_only(200, body=lambda w: {"city": "Bonn"}),
    ("company-settings-public", "GET"): anyone(200),
    # API documentation
    ("api-index", "GET"): anyone(200),
    ("schema", "GET"): anyone(200),
    ("swagger-ui", "GET"): anyone(200),
    ("redoc", "GET"): anyone(200),
    # recurring invoices: owned like invoices
    ("recurring-invoice-list", "GET"): signed_in(200, listed="schedule"),
    ("recurring-invoice-list", "POST"): Row(401, 201, 400, 201, body=_schedule_body),
    ("recurring-invoice-detail", "GET"): owned(200, target="schedule"),
    ("recurring-invoice-detail", "PUT"): owned(200, target="schedule", body=_schedule_body),
    ("recurring-invoice-detail", "PATCH"): owned(
        200, target="schedule", body=lambda w: {"notes": "Thanks"}
    ),
    ("recurring-invoice-detail", "DELETE"): owned(204, target="schedule"),
    ("recurring-invoice-pause", "POST"): owned(200, target="schedule"),
    ("recurring-invoice-resume", "POST"): owned(200, target="paused_schedule"),
    ("recurring-invoice-cancel", "POST"): owned(200, target="schedule"),
    ("recurring-invoice-preview", "GET"): owned(200, target="schedule"),
    # the catalogue: shared by the company, every signed-in user reads and writes it
    ("product-list", "GET"): signed_in(200),
    ("product-list", "POST"): signed_in(201, body=lambda w: {"name": "Widget", "unit_price": "9"}),
    ("product-detail", "GET"): signed_in(200, target="product"),
    ("product-detail", "PUT"): signed_in(
        200, target="product", body=lambda w: {"name": "Renamed", "unit_price": "1.00"}
    ),
    ("product-detail", "PATCH"): signed_in(200, target="product", body=lambda w: {"sku": "X-1"}),
    ("product-detail", "DELETE"): signed_in(204, target="product"),
    # lookups for the frontend: every signed-in user
    ("currency-list", "GET"): signed_in(200),
    ("tax-category-list", "GET"): signed_in(200),
    ("invoicing-settings", "GET"): signed_in(200),
    ("invoice-next-number", "GET"): signed_in(200),
    ("invoice-duplicate", "POST"): owned(201, target="issued"),
    # payments across invoices: staff those of their own invoices, admins all
    ("payment-list", "GET"): signed_in(200, listed="payment"),
}

ERROR_CODES = {
    400: "validation_error",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
}


# --- data ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> Iterator[dict[str, Any]]:
    """The rows every request points at, built once per module (hundreds of tests) in a
    transaction rolled back at its end. Each test runs in a savepoint inside it (the `db`
    fixture's own transaction), so what a request writes is gone before the next."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield _world()
        transaction.set_rollback(True)


def _world() -> dict[str, Any]:
    CompanySettingsFactory()
    staff_user = UserFactory(username="staff", role=Role.STAFF)
    other_staff = UserFactory(username="other", role=Role.STAFF)
    admin_user = UserFactory(username="admin", role=Role.ADMIN)
    customer = CustomerFactory(owner=staff_user, email="buyer@example.com")
    deleted_customer = CustomerFactory(owner=staff_user)
    deleted_customer.delete()
    paid = make_issued(owner=staff_user, customer=customer, issue_date=dt.date(2026, 1, 10))
    payment = services.payment_record(invoice=paid, amount=Decimal("20.00"))
    return {
        "owner": staff_user,
        "other": other_staff,
        "admin": admin_user,
        "customer": customer,
        "deleted_customer": deleted_customer,
        "draft": make_draft(owner=staff_user, customer=customer, items=[line()]),
        "issued": make_issued(owner=staff_user, customer=customer, issue_date=dt.date(2026, 2, 1)),
        "paid": paid,
        "payment": payment,
        "user": staff_user,
        "product": make_product(),
        "schedule": make_schedule(
            owner=staff_user, customer=customer, start_date=dt.date(2099, 1, 31)
        ),
        "paused_schedule": recurring_services.recurring_invoice_pause(
            schedule=make_schedule(
                owner=staff_user, customer=customer, start_date=dt.date(2099, 1, 31)
            )
        ),
    }


def _client(world: dict[str, Any], role: str) -> APIClient:
    client = APIClient()
    if role != "anonymous":
        token = RefreshToken.for_user(world[role]).access_token
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def _path_kwargs(endpoint: Endpoint, row: Row, world: dict[str, Any], *, missing: bool = False):
    kwargs: dict[str, Any] = {}
    for name in endpoint.kwargs:
        if missing:
            kwargs[name] = MISSING_ID
        elif name == "payment_id":
            kwargs[name] = world["payment"].pk
        else:
            assert row.target, f"{endpoint.name}: the row needs a target for <{name}>"
            kwargs[name] = world[row.target].pk
    return kwargs


def _fingerprint() -> dict[str, Any]:
    """Everything a request could change, to prove a refusal changed nothing."""
    return {
        "customers": sorted(
            Customer.all_objects.values_list("id", "name", "city", "deleted_at", "owner_id")
        ),
        "invoices": sorted(
            Invoice.objects.values_list("id", "status", "notes", "paid_total", "public_token")
        ),
        "payments": sorted(Payment.objects.values_list("id", "amount")),
        "users": sorted(
            User.objects.values_list("id", "username", "first_name", "is_active", "password")
        ),
        "settings": list(CompanySettings.objects.values_list("legal_name", "city")),
        "sendings": InvoiceSending.objects.count(),
        "recurring": sorted(
            RecurringInvoice.objects.values_list("id", "status", "notes", "updated_at")
        ),
        "products": sorted(Product.objects.values_list("id", "name", "sku", "updated_at")),
    }


def _call(client: APIClient, method: str, url: str, body: dict[str, Any] | None):
    return getattr(client, method.lower())(url, body, format="json")


# --- the tests ----------------------------------------------------------------------------


def test_matrix_covers_every_api_endpoint_and_method():
    routes = {(e.name, m) for e in api_endpoints() for m in e.methods}

    missing = sorted(routes - set(MATRIX))
    stale = sorted(set(MATRIX) - routes)

    assert missing == [], f"add these (route, method) to MATRIX: {missing}"
    assert stale == [], f"MATRIX rows for routes that no longer exist: {stale}"


def test_every_api_endpoint_has_methods():
    """A view whose methods cannot be read would escape the matrix."""
    assert [e.name for e in api_endpoints() if not e.methods] == []


def test_routes_outside_the_api_are_known():
    assert non_api_route_names() == NON_API_ROUTES


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    "endpoint,method",
    [(e, m) for e in api_endpoints() for m in e.methods],
    ids=lambda value: value.name if isinstance(value, Endpoint) else value,
)
def test_access(endpoint: Endpoint, method: str, role: str, world):
    row = MATRIX.get((endpoint.name, method))
    assert row is not None, f"no MATRIX row for ({endpoint.name!r}, {method!r}): add one"
    url = reverse(endpoint.name, kwargs=_path_kwargs(endpoint, row, world))
    body = row.body(world) if row.body else None
    before = _fingerprint()

    response = _call(_client(world, role), method, url, body)

    expected = row.expected(role)
    assert response.status_code == expected, (
        f"{role} {method} {url}: {response.status_code} {response.content[:300]!r}"
    )
    if expected >= 400:
        error = response.json()["error"]
        assert error["code"] == ERROR_CODES[expected], error
        assert _fingerprint() == before, "a refused request changed data"
    if expected == 404:
        # Another's id answers exactly like an id that does not exist: ids don't leak.
        missing_url = reverse(
            endpoint.name, kwargs=_path_kwargs(endpoint, row, world, missing=True)
        )
        missing = _call(_client(world, role), method, missing_url, body)
        assert (missing.status_code, missing.json()) == (404, response.json())
    if row.listed and expected == 200:
        ids = [item["id"] for item in response.json()["results"]]
        assert (world[row.listed].pk in ids) == (role in ("owner", "admin")), ids


def test_public_pages_need_no_login(world, api_client):
    token = world["issued"].public_token

    assert api_client.get("/health/").status_code == 200
    assert api_client.get(f"/i/{token}/").status_code == 200
    assert api_client.get(f"/i/{token}/ubl/").status_code == 200
    # A made-up token finds nothing: the page for people, not the API's envelope.
    unknown = api_client.get(f"/i/{'x' * 43}/")
    assert unknown.status_code == 404
    assert unknown["Content-Type"].startswith("text/html")
    assert b"Invoice not found" in unknown.content
