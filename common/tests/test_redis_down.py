"""Redis down: the API keeps serving.

Redis holds the cache (throttle counters, the cached public settings) and is Celery's
broker. When it is unreachable, throttling counts per process (fail closed) and logs a
warning, `/health/`
reports the cache as unavailable but answers 200, cached reads fall back to the
database, and work handed to Celery after a commit does not turn a committed write
into a 500.

The outage is a RedisCache (and a broker URL) on a local port nobody listens on:
connections are refused at once, as when the Redis server is stopped.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Iterator

import pytest
from django.core.cache import cache

from common.redis_guard import cache_breaker, cache_pool_kwargs
from core.celery import app as celery_app
from documents.models import InvoiceSending
from invoices.models import Invoice
from invoices.tests.factories import make_draft, make_issued

pytestmark = [
    pytest.mark.redis,
    pytest.mark.skipif(
        not os.environ.get("REDIS_URL"),
        reason="the deployment under test uses Redis: set REDIS_URL (e.g. redis://127.0.0.1:6379/12)",
    ),
]

PASSWORD_BODY = {"username": "staff", "password": "correct-horse-battery-staple"}


def _closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def redis_down(settings) -> Iterator[str]:
    url = f"redis://127.0.0.1:{_closed_port()}/0"
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": url,
            "OPTIONS": {
                "SOCKET_CONNECT_TIMEOUT": 1,
                "SOCKET_TIMEOUT": 1,
                "CONNECTION_POOL_KWARGS": cache_pool_kwargs(),
            },
        }
    }
    cache_breaker.close()
    yield url
    cache_breaker.close()


@pytest.fixture
def broker_down(redis_down) -> Iterator[None]:
    """Celery really publishing (not eager) to the dead Redis."""
    saved = celery_app.conf.task_always_eager, celery_app.conf.broker_url
    celery_app.conf.task_always_eager = False
    celery_app.conf.broker_url = redis_down
    try:
        yield
    finally:
        celery_app.conf.task_always_eager, celery_app.conf.broker_url = saved


@pytest.mark.django_db
def test_with_redis_up_the_cache_is_healthy(api_client, company):
    """The baseline: the real Redis of REDIS_URL answers, so the outage below is real."""
    cache.set("redis-down-baseline", "ok", 5)

    assert cache.get("redis-down-baseline") == "ok"
    assert api_client.get("/health/").json()["cache"] == "ok"


@pytest.mark.django_db
def test_the_api_keeps_serving_with_redis_down(
    redis_down, caplog, api_client, staff_client, staff_user, company
):
    invoice = make_issued(owner=staff_user)
    caplog.set_level(logging.WARNING)
    started = time.perf_counter()

    invoices = staff_client.get("/api/invoices/")
    login = api_client.post("/api/auth/login/", PASSWORD_BODY, format="json")
    health = api_client.get("/health/")
    public = api_client.get("/api/settings/company/public/")
    created = staff_client.post("/api/customers/", {"name": "Still Working Ltd"}, format="json")

    elapsed = time.perf_counter() - started
    assert invoices.status_code == 200, invoices.content
    assert [row["id"] for row in invoices.json()["results"]] == [invoice.pk]
    assert login.status_code == 200, login.content
    assert set(login.json()) == {"access", "refresh", "user"}
    assert health.status_code == 200
    assert health.json() == {"status": "ok", "database": "ok", "cache": "unavailable"}
    assert public.status_code == 200
    assert public.json()["legal_name"] == "Seller GmbH"
    assert created.status_code == 201, created.content
    # Degraded, not hanging: refused connections fail fast.
    assert elapsed < 5, f"{elapsed:.1f} s"
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    # A failure opened the breaker (common.redis_guard; perhaps already while the fixtures
    # were saved); the throttles then count per process instead of letting all through.
    assert cache_breaker.is_open()
    assert any("public settings" in message for message in warnings)


@pytest.mark.django_db
def test_public_settings_follow_an_update_made_while_redis_is_down(
    redis_down, api_client, admin_client, company
):
    assert admin_client.patch("/api/settings/company/", {"city": "Hamburg"}).status_code == 200

    public = api_client.get("/api/settings/company/public/")

    assert public.status_code == 200
    assert public.json()["city"] == "Hamburg"


@pytest.mark.django_db(transaction=True)
def test_issuing_with_the_broker_down_succeeds_and_the_pdf_falls_back(
    broker_down, staff_client, staff_user, company
):
    """The PDF task cannot be queued: the issue stands, the PDF renders on first request."""
    draft = make_draft(owner=staff_user)

    issued = staff_client.post(f"/api/invoices/{draft.pk}/issue/")
    pdf = staff_client.get(f"/api/invoices/{draft.pk}/pdf/")

    assert issued.status_code == 200, issued.content[:500]
    assert issued.json()["number"].endswith("-00001")
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    assert Invoice.objects.get(pk=draft.pk).pdf_file  # stored on that first request


@pytest.mark.django_db(transaction=True)
def test_sending_with_the_broker_down_is_recorded_not_lost(
    broker_down, staff_client, staff_user, company
):
    invoice = make_issued(owner=staff_user)

    response = staff_client.post(f"/api/invoices/{invoice.pk}/send/", {}, format="json")

    assert response.status_code == 202, response.content[:500]
    sending = InvoiceSending.objects.get()
    assert (sending.status, sending.attempts) == ("queued", 0)
    assert response.json()["id"] == sending.pk
