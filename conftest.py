"""Fixtures shared by every app's tests."""

from __future__ import annotations

import contextlib

import pytest
from django.core.cache import caches
from django_redis.cache import RedisCache
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import Role
from common.tests.factories import CompanySettingsFactory, UserFactory
from common.throttling import in_process_throttles_reset


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
