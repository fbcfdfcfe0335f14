"""A burst of issues and payments on PostgreSQL while Redis (cache, throttles, broker) is
stopped and started again: nothing lost, nothing twice, numbers gap-free, and every
answer a 2xx, a 409 or a 503."""

from __future__ import annotations

import shutil
import threading
import time
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.db import connections
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from common.redis_guard import broker_breaker, cache_breaker, cache_pool_kwargs
from common.tests.redis_servers import own_redis
from core.celery import app as celery_app
from invoices.models import Invoice, Payment
from invoices.tests.factories import make_draft

pytestmark = [
    pytest.mark.postgres(reason="a burst on PostgreSQL"),
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        shutil.which("redis-server") is None, reason="needs redis-server (.ci/run installs it)"
    ),
]
DRAFTS = 24
WORKERS = 4


def _client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


def test_a_burst_while_redis_stops_and_starts(settings, staff_user, company):
    drafts = [make_draft(owner=staff_user).pk for _ in range(DRAFTS)]
    token_client = _client(staff_user)
    answers: list[tuple[str, int]] = []
    lock = threading.Lock()

    with own_redis() as redis:
        settings.CACHES = {
            "default": {
                "BACKEND": "django_redis.cache.RedisCache",
                "LOCATION": redis.url,
                "OPTIONS": {
                    "SOCKET_CONNECT_TIMEOUT": django_settings.REDIS_SOCKET_TIMEOUT,
                    "SOCKET_TIMEOUT": django_settings.REDIS_SOCKET_TIMEOUT,
                    "CONNECTION_POOL_KWARGS": cache_pool_kwargs(),
                },
            }
        }
        settings.REDIS_BREAKER_SECONDS = 0.5
        saved = celery_app.conf.task_always_eager, celery_app.conf.broker_url
        celery_app.conf.task_always_eager = False
        celery_app.conf.broker_url = redis.url
        celery_app._pool = None
        celery_app.amqp._producer_pool = None
        queue = list(drafts)

        def work() -> None:
            client = APIClient()
            client.credentials(HTTP_AUTHORIZATION=token_client._credentials["HTTP_AUTHORIZATION"])
            try:
                while True:
                    with lock:
                        if not queue:
                            return
                        pk = queue.pop()
                    for _ in range(5):  # a client retries a 503
                        issued = client.post(f"/api/invoices/{pk}/issue/")
                        with lock:
                            answers.append(("issue", issued.status_code))
                        if issued.status_code != 503:
                            break
                        time.sleep(0.2)
                    if issued.status_code != 200:
                        continue
                    body = {"amount": issued.json()["gross_total"], "reference": f"pay-{pk}"}
                    for _ in range(5):
                        paid = client.post(f"/api/invoices/{pk}/payments/", body, format="json")
                        with lock:
                            answers.append(("pay", paid.status_code))
                        if paid.status_code != 503:
                            break
                        time.sleep(0.2)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=work) for _ in range(WORKERS)]
        try:
            for thread in threads:
                thread.start()
            time.sleep(0.3)
            redis.stop()  # mid-burst
            time.sleep(1.5)
            redis.start()
            for thread in threads:
                thread.join(timeout=120)
        finally:
            celery_app.conf.task_always_eager, celery_app.conf.broker_url = saved
            celery_app._pool = None
            celery_app.amqp._producer_pool = None
            cache_breaker.close()
            broker_breaker.close()

    assert not any(thread.is_alive() for thread in threads)
    statuses = {status for _, status in answers}
    assert statuses <= {200, 201, 409, 503}, answers
    issued_ok = sum(1 for kind, status in answers if kind == "issue" and status == 200)
    paid_ok = sum(1 for kind, status in answers if kind == "pay" and status == 201)
    issued = Invoice.objects.filter(number__isnull=False)
    # nothing lost: every 200 is an issued invoice, every 201 a payment; nothing twice
    assert issued.count() == issued_ok == DRAFTS
    assert Payment.objects.count() == paid_ok == DRAFTS
    assert Payment.objects.values("reference").distinct().count() == DRAFTS
    numbers = sorted(
        int(number.rsplit("-", 1)[1]) for number in issued.values_list("number", flat=True)
    )
    assert numbers == list(range(1, DRAFTS + 1))  # gap-free
    for invoice in issued:
        assert invoice.amount_due == Decimal("0")
