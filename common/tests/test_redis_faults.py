"""Redis faults degrade, never hang or open: a real Redis of our own that is stopped, and a
hung one (accepts, never answers), as the cache, the throttles' store and the broker.

Reads answer within a second (one short timeout, then the circuit breaker skips Redis),
login throttling falls back to a per-process limit, issue and send answer at once with
their work recorded in the database, and nothing is done twice.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator

import pytest
from celery.app.task import Task as CeleryTask
from django.conf import settings as django_settings

from common.redis_guard import broker_breaker, cache_breaker, cache_pool_kwargs
from common.tests.factories import PASSWORD
from common.tests.redis_servers import hung_redis, own_redis
from common.throttling import LoginRateThrottle
from core.celery import app as celery_app
from documents import sending as sending_services
from documents.models import InvoiceSending
from invoices.models import Invoice
from invoices.tests.factories import make_draft, make_issued

pytestmark = [
    pytest.mark.redis,
    pytest.mark.skipif(
        shutil.which("redis-server") is None, reason="needs redis-server (.ci/run installs it)"
    ),
]
LOGIN = "/api/auth/login/"


def _use_redis(settings, url: str) -> None:
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": url,
            "OPTIONS": {
                "SOCKET_CONNECT_TIMEOUT": django_settings.REDIS_SOCKET_TIMEOUT,
                "SOCKET_TIMEOUT": django_settings.REDIS_SOCKET_TIMEOUT,
                "CONNECTION_POOL_KWARGS": cache_pool_kwargs(),
            },
        }
    }
    cache_breaker.close()


@pytest.fixture(autouse=True)
def _breakers_closed() -> Iterator[None]:
    cache_breaker.close()
    broker_breaker.close()
    yield
    cache_breaker.close()
    broker_breaker.close()


def _broker(url: str | None) -> None:
    """Celery publishing for real to `url` (None: back to the test settings)."""
    celery_app.conf.task_always_eager = url is None and django_settings.CELERY_TASK_ALWAYS_EAGER
    celery_app.conf.broker_url = url or django_settings.CELERY_BROKER_URL
    # the pools were built for the previous URL
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture(params=["stopped", "hung"])
def redis_fault(request, settings) -> Iterator[str]:
    if request.param == "hung":
        with hung_redis() as server:
            _use_redis(settings, server.url)
            yield server.url
    else:
        with own_redis() as server:
            _use_redis(settings, server.url)
            server.stop()
            yield server.url


@pytest.fixture
def broker_fault(redis_fault) -> Iterator[str]:
    _broker(redis_fault)
    try:
        yield redis_fault
    finally:
        _broker(None)


def _timed(call):
    started = time.perf_counter()
    response = call()
    return response, time.perf_counter() - started


@pytest.mark.django_db
def test_reads_answer_within_a_second(redis_fault, staff_client, staff_user, api_client, company):
    invoice = make_issued(owner=staff_user)

    answers = [
        _timed(lambda: staff_client.get("/api/invoices/")),
        _timed(lambda: staff_client.get(f"/api/invoices/{invoice.pk}/")),
        _timed(lambda: staff_client.get("/api/customers/")),
        _timed(lambda: api_client.get("/api/settings/company/public/")),
        _timed(lambda: api_client.get("/health/")),
    ]

    for response, seconds in answers:
        assert response.status_code == 200, response.content[:300]
        assert seconds < 1.0, f"{response.wsgi_request.path}: {seconds:.2f} s"
    assert cache_breaker.is_open()
    assert answers[-1][0].json()["cache"] == "unavailable"


@pytest.mark.django_db
def test_the_breaker_skips_redis_after_a_failure(redis_fault, staff_client, staff_user):
    staff_client.get("/api/auth/me/")  # the one call that waits for the timeout
    assert cache_breaker.is_open()

    seconds = [_timed(lambda: staff_client.get("/api/auth/me/"))[1] for _ in range(5)]

    assert max(seconds) < 0.2, seconds


@pytest.mark.django_db
def test_login_throttling_fails_closed(redis_fault, monkeypatch, api_client, staff_user):
    monkeypatch.setattr(LoginRateThrottle, "rate", "3/min", raising=False)
    wrong = {"username": "staff", "password": "guess"}

    statuses = [api_client.post(LOGIN, wrong, format="json").status_code for _ in range(3)]
    right = api_client.post(LOGIN, {"username": "staff", "password": PASSWORD}, format="json")
    refresh = api_client.post("/api/auth/refresh/", {"refresh": "x"}, format="json")

    assert statuses == [401, 401, 401]
    assert right.status_code == 429, right.content
    assert right.json()["error"]["code"] == "throttled"
    assert refresh.status_code == 429


@pytest.mark.django_db(transaction=True)
def test_issue_with_the_broker_faulty_answers_at_once_and_once(
    broker_fault, staff_client, staff_user, company
):
    draft = make_draft(owner=staff_user)

    issued, seconds = _timed(lambda: staff_client.post(f"/api/invoices/{draft.pk}/issue/"))
    again = staff_client.post(f"/api/invoices/{draft.pk}/issue/")

    assert issued.status_code == 200, issued.content[:300]
    assert seconds < 2.5, f"{seconds:.2f} s"
    assert again.status_code == 409  # issued once: the retry changes nothing
    assert Invoice.objects.filter(number__isnull=False).count() == 1


@pytest.mark.django_db(transaction=True)
def test_send_with_the_broker_faulty_is_recorded_once_for_the_beat(
    broker_fault, staff_client, staff_user, company, monkeypatch
):
    invoice = make_issued(owner=staff_user)
    publishes = []  # the attempts that reached the broker (past the breaker)
    publish = CeleryTask.apply_async  # what common.broker.GuardedTask calls past the breaker

    def counted(self, *args, **kwargs):
        publishes.append(self.name)
        return publish(self, *args, **kwargs)

    monkeypatch.setattr(CeleryTask, "apply_async", counted)

    response, seconds = _timed(
        lambda: staff_client.post(f"/api/invoices/{invoice.pk}/send/", {}, format="json")
    )
    assert broker_breaker.is_open()
    second, second_seconds = _timed(
        lambda: staff_client.post(f"/api/invoices/{invoice.pk}/send/", {}, format="json")
    )

    assert response.status_code == 202, response.content[:300]
    assert seconds < 2.5, f"{seconds:.2f} s"
    assert second.status_code == 202
    # The breaker was open: the second send never waited on the broker (its timeout is
    # BROKER_SOCKET_TIMEOUT, 1 s), whatever the machine's load adds to the request.
    assert len(publishes) == 1, publishes
    assert second_seconds < django_settings.BROKER_SOCKET_TIMEOUT, f"{second_seconds:.2f} s"
    rows = list(InvoiceSending.objects.values_list("status", "attempts"))
    assert rows == [("queued", 0), ("queued", 0)]
    # The beat hands them to the queue again once they are stale, each once.
    stale_after = sending_services.STALE_QUEUED_AFTER
    monkeypatch.setattr(sending_services, "STALE_QUEUED_AFTER", sending_services.dt.timedelta(0))
    assert sorted(sending_services.sendings_redispatch()) == sorted(
        InvoiceSending.objects.values_list("pk", flat=True)
    )
    monkeypatch.setattr(sending_services, "STALE_QUEUED_AFTER", stale_after)
    assert sending_services.sendings_redispatch() == []  # touched: not again at once
