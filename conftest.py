"""Fixtures shared by every app's tests."""

from __future__ import annotations

import contextlib
import os

import pytest
from django.core.cache import caches
from django.db import connection
from django_redis.cache import RedisCache
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import Role
from common.tests.factories import CompanySettingsFactory, UserFactory
from common.tests.properties import load_profile
from common.throttling import in_process_throttles_reset

load_profile()  # Hypothesis: `dev`, or `ci` under `make test` (common/tests/properties.py)

# The browser fixtures (`browser`, `browser_page`, `page`) serve every app's tests.
pytest_plugins = ["common.tests.browser"]

# What a test needs to reach the database (pytest-django's fixtures and their users).
DATABASE_FIXTURES = frozenset(
    {
        "db",
        "transactional_db",
        "django_db_reset_sequences",
        "django_db_serialized_rollback",
        "django_db_setup",
        "live_server",
        "_django_db_helper",
    }
)
# Set by `make test` for its PostgreSQL pass: what the SQLite pass already ran is left out.
SKIP_DB_INDEPENDENT = os.environ.get("SKIP_DB_INDEPENDENT_TESTS", "") not in ("", "0")


def _reaches_database(item: pytest.Item) -> bool:
    if item.get_closest_marker("django_db"):
        return True
    if DATABASE_FIXTURES.intersection(getattr(item, "fixturenames", ())):
        return True
    # A fixture of ours that opens the database itself (`django_db_blocker.unblock()`);
    # pytest-django's own autouse fixture for unittest classes asks for the blocker too.
    info = getattr(item, "_fixtureinfo", None)
    fixturedefs = [d for defs in info.name2fixturedefs.values() for d in defs] if info else []
    if any(
        "django_db_blocker" in d.argnames and not d.argname.startswith("_django")
        for d in fixturedefs
    ):
        return True
    return bool(getattr(getattr(item, "cls", None), "databases", None))  # a Django TestCase


def pytest_report_header(config: pytest.Config) -> str | None:
    # Under xdist the workers deselect, and the summary only counts fewer tests: say so.
    if SKIP_DB_INDEPENDENT:
        return "SKIP_DB_INDEPENDENT_TESTS: the db_independent tests are left out (deselected)"
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip the `postgres` tests on another database (`reason=` says why they need it).

    Mark `db_independent` what the database cannot change: a test that never reaches it
    (pytest-django blocks it), the browser tests (what they prove is the pages), and the
    ones marked so by hand (TypeScript client, official e-invoice proofs). The
    PostgreSQL-only tests are never marked."""
    independent = []
    for item in items:
        if postgres := item.get_closest_marker("postgres"):
            if connection.vendor != "postgresql":
                why = postgres.kwargs.get("reason", "needs PostgreSQL")
                item.add_marker(pytest.mark.skip(reason=f"{why} (set DATABASE_URL)"))
            continue
        marked = item.get_closest_marker("db_independent") or item.get_closest_marker("browser")
        if marked or not _reaches_database(item):
            item.add_marker(pytest.mark.db_independent)
            independent.append(item)
    if SKIP_DB_INDEPENDENT and independent:
        left_out = set(independent)
        config.hook.pytest_deselected(items=independent)
        items[:] = [item for item in items if item not in left_out]


@pytest.fixture(autouse=True)
def _clear_cache():
    """Throttle counters and cached rows must not leak between tests."""
    # A test may have stopped the cache server on purpose.
    with contextlib.suppress(Exception):
        _clear_own_keys()
    in_process_throttles_reset()
    yield


def _clear_own_keys() -> None:
    # On Redis, clear() empties the whole database, the other xdist workers' keys (a
    # throttle's history in the middle of its test) included: drop only this worker's.
    backend = caches["default"]  # `cache` is a proxy: isinstance needs the backend
    if not isinstance(backend, RedisCache):
        backend.clear()
        return
    client = backend.client.get_client(write=True)
    keys = list(client.scan_iter(match=f"{backend.key_prefix}:*", count=1000))
    if keys:
        client.delete(*keys)


@pytest.fixture
def company(db):
    return CompanySettingsFactory()


@pytest.fixture
def admin_user(db):
    return UserFactory(username="admin", role=Role.ADMIN)


@pytest.fixture
def staff_user(db):
    return UserFactory(username="staff", role=Role.STAFF)


@pytest.fixture
def other_staff(db):
    return UserFactory(username="other", role=Role.STAFF)


def _client_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def client_for():
    return _client_for


@pytest.fixture
def admin_client(admin_user) -> APIClient:
    return _client_for(admin_user)


@pytest.fixture
def staff_client(staff_user) -> APIClient:
    return _client_for(staff_user)


@pytest.fixture
def other_client(other_staff) -> APIClient:
    return _client_for(other_staff)


@pytest.fixture(autouse=True)
def _company_zone_read_anew():
    """The company's time zone is kept per process for a few seconds: each test reads
    it anew, so query counts do not depend on which test ran before."""
    from settings_app.calendar import company_timezone_forget

    company_timezone_forget()
    yield
