"""/health/: 200 when the database answers, 503 when it does not; cache trouble only degrades."""

from __future__ import annotations

import socket

import pytest
from django.core.cache.backends.redis import RedisCache
from django.db.backends.postgresql.base import DatabaseWrapper

from common import views

pytestmark = pytest.mark.django_db


def _closed_port() -> int:
    """A local port nobody listens on: connections to it are refused at once."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _unreachable_database() -> DatabaseWrapper:
    return DatabaseWrapper(
        {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": "billing_unreachable",
            "USER": "postgres",
            "PASSWORD": "",
            "HOST": "127.0.0.1",
            "PORT": str(_closed_port()),
            "OPTIONS": {"connect_timeout": 2},
            "CONN_MAX_AGE": 0,
            "CONN_HEALTH_CHECKS": False,
            "AUTOCOMMIT": True,
            "ATOMIC_REQUESTS": False,
            "TIME_ZONE": None,
            "TEST": {},
        },
        alias="unreachable",
    )


def test_health_ok(api_client):
    response = api_client.get("/health/")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_health_is_exempt_from_the_https_redirect(client, settings):
    """Load balancers probe over plain HTTP; everything else is redirected in production."""
    settings.SECURE_SSL_REDIRECT = True

    assert client.get("/health/").status_code == 200
    redirected = client.get("/api/customers/")
    assert redirected.status_code == 301
    assert redirected["Location"] == "https://testserver/api/customers/"


def test_health_503_when_the_database_is_unreachable(api_client, monkeypatch):
    database = _unreachable_database()
    monkeypatch.setattr(views, "connection", database)

    response = api_client.get("/health/")

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "unavailable", "cache": "ok"}
    database.close()


def test_health_200_but_cache_unavailable_when_the_cache_is_down(api_client, monkeypatch):
    dead_cache = RedisCache(
        f"redis://127.0.0.1:{_closed_port()}/0",
        {"OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}},
    )
    monkeypatch.setattr(views, "cache", dead_cache)

    response = api_client.get("/health/")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "unavailable"}


def test_health_only_answers_get(api_client):
    assert api_client.post("/health/").status_code == 405
