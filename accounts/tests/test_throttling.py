"""Throttles really throttle: 429 `throttled` once the configured rate is used up.

DRF reads rates when a throttle is instantiated (`rate` on the class wins over
`THROTTLE_RATES`), so patching `rate` gives each test a small, real limit.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from common.tests.factories import PASSWORD
from common.throttling import (
    LoginRateThrottle,
    ResilientAnonRateThrottle,
    ResilientUserRateThrottle,
)

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def _assert_throttled(response) -> None:
    assert response.status_code == 429, response.content
    error = response.json()["error"]
    assert error["code"] == "throttled"
    assert set(error["details"]) == {"retry_after_seconds"}
    assert 0 < error["details"]["retry_after_seconds"] <= 60
    assert 0 < int(response.headers["Retry-After"]) <= 60


def test_login_is_throttled_after_the_configured_rate(monkeypatch, api_client, staff_user):
    monkeypatch.setattr(LoginRateThrottle, "rate", "3/min", raising=False)
    wrong = {"username": "staff", "password": "guess"}

    statuses = [
        api_client.post("/api/auth/login/", wrong, format="json").status_code for _ in range(3)
    ]

    assert statuses == [401, 401, 401]
    # Even the right password waits now: brute force costs time.
    _assert_throttled(
        api_client.post(
            "/api/auth/login/", {"username": "staff", "password": PASSWORD}, format="json"
        )
    )


def test_login_rate_is_read_from_the_login_scope_of_the_settings(
    monkeypatch, api_client, staff_user
):
    # The configured rate, not a class attribute: what THROTTLE_RATE_LOGIN feeds.
    monkeypatch.setitem(LoginRateThrottle.THROTTLE_RATES, "login", "2/min")
    body = {"username": "staff", "password": PASSWORD}

    assert [
        api_client.post("/api/auth/login/", body, format="json").status_code for _ in range(2)
    ] == [
        200,
        200,
    ]
    _assert_throttled(api_client.post("/api/auth/login/", body, format="json"))
    # Refresh shares the login budget.
    _assert_throttled(api_client.post("/api/auth/refresh/", {"refresh": "x"}, format="json"))


def test_every_rate_comes_from_the_environment():
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DEBUG": "true",
        "THROTTLE_RATE_LOGIN": "7/min",
        "THROTTLE_RATE_ANON": "8/min",
        "THROTTLE_RATE_USER": "9/min",
    }
    code = (
        "from django.conf import settings; print(settings.REST_FRAMEWORK['DEFAULT_THROTTLE_RATES'])"
    )

    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    rates = ast.literal_eval(result.stdout.strip().splitlines()[-1])
    assert (rates["login"], rates["anon"], rates["user"]) == ("7/min", "8/min", "9/min")


def test_login_throttle_is_per_client_address(monkeypatch, staff_user):
    monkeypatch.setattr(LoginRateThrottle, "rate", "1/min", raising=False)
    first = APIClient(REMOTE_ADDR="192.0.2.1")
    second = APIClient(REMOTE_ADDR="192.0.2.2")
    body = {"username": "staff", "password": PASSWORD}

    assert first.post("/api/auth/login/", body, format="json").status_code == 200
    _assert_throttled(first.post("/api/auth/login/", body, format="json"))
    assert second.post("/api/auth/login/", body, format="json").status_code == 200


def test_authenticated_user_is_throttled_per_user(monkeypatch, staff_client, other_client):
    monkeypatch.setattr(ResilientUserRateThrottle, "rate", "2/min", raising=False)

    assert [staff_client.get("/api/auth/me/").status_code for _ in range(2)] == [200, 200]
    _assert_throttled(staff_client.get("/api/auth/me/"))
    # Another user has their own budget.
    assert other_client.get("/api/auth/me/").status_code == 200


def test_anonymous_is_throttled(monkeypatch, api_client, company):
    monkeypatch.setattr(ResilientAnonRateThrottle, "rate", "2/min", raising=False)

    url = "/api/settings/company/public/"
    assert [api_client.get(url).status_code for _ in range(2)] == [200, 200]
    _assert_throttled(api_client.get(url))


def test_throttle_fails_closed_in_a_cache_outage(monkeypatch, api_client, staff_user):
    """A cache outage neither takes login down nor lifts the limit: each process counts."""

    def broken(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(LoginRateThrottle, "rate", "2/min", raising=False)
    monkeypatch.setattr(
        LoginRateThrottle, "cache", type("Broken", (), {"get": broken, "set": broken})()
    )
    body = {"username": "staff", "password": PASSWORD}

    statuses = [
        api_client.post("/api/auth/login/", body, format="json").status_code for _ in range(2)
    ]

    assert statuses == [200, 200]
    _assert_throttled(api_client.post("/api/auth/login/", body, format="json"))
