"""The throttle's window kept in Redis: DRF's rules, one round trip, bounded keys."""

from __future__ import annotations

import os
import time

import pytest
from django.core.cache import caches

from common.throttling import ResilientUserRateThrottle

pytestmark = [
    pytest.mark.redis,
    pytest.mark.django_db,
    pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs Redis: set REDIS_URL"),
]
ME = "/api/auth/me/"


def _window(user) -> tuple[int, int]:
    backend = caches["default"]
    key = backend.make_and_validate_key(f"throttle_user_{user.pk}")
    client = backend.client.get_client(write=True)
    return client.zcard(key), client.ttl(key)


def test_refused_requests_do_not_count_and_the_key_expires(monkeypatch, staff_client, staff_user):
    monkeypatch.setattr(ResilientUserRateThrottle, "rate", "2/min", raising=False)

    statuses = [staff_client.get(ME).status_code for _ in range(4)]

    assert statuses == [200, 200, 429, 429]
    size, ttl = _window(staff_user)
    assert size == 2
    assert 0 < ttl <= 61


def test_the_window_slides(monkeypatch, staff_client, staff_user):
    monkeypatch.setattr(ResilientUserRateThrottle, "rate", "2/s", raising=False)
    assert [staff_client.get(ME).status_code for _ in range(3)] == [200, 200, 429]

    time.sleep(1.05)

    assert staff_client.get(ME).status_code == 200
    assert _window(staff_user)[0] == 1
