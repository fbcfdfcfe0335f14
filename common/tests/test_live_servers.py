"""Issue 14 against the real servers: gunicorn with deploy/gunicorn.conf.py (2 sync
workers) and a Celery worker (prefork), on PostgreSQL.

- Four maximal draft previews at once leave `/health/` answering within a second.
- A documents build runs on the worker under its soft and hard time limits, is retried
  with backoff, is marked failed after its last attempt (seen in the API), and the
  worker's child is replaced once over its memory cap.
- With PROMETHEUS_MULTIPROC_DIR, one scrape counts every worker's issues, also those of
  workers that have exited meanwhile.
"""

from __future__ import annotations

import json
import os
import re
import signal
import threading
import time

import pytest
from celery import Celery
from django.conf import settings
from rest_framework_simplejwt.tokens import RefreshToken

from common.tests.live import app_env, celery_worker, get, gunicorn, request
from common.tests.redis_servers import OwnRedis
from invoices.tests.factories import line, make_draft, make_issued

pytestmark = [
    pytest.mark.postgres(reason="the servers run as subprocesses on the test database"),
    pytest.mark.django_db(transaction=True),
]


def _auth(user) -> dict[str, str]:
    return {"Authorization": f"Bearer {RefreshToken.for_user(user).access_token}"}


def test_four_maximal_previews_leave_health_answering_within_a_second(
    tmp_path, company, staff_user
):
    # given: a draft at the preview bound, long descriptions on every line
    limit = settings.DOCUMENTS_INLINE_MAX_LINES
    draft = make_draft(owner=staff_user, items=[line("Service " + "x" * 300)] * limit)
    headers = _auth(staff_user)
    answers: list[tuple[int, dict, bytes, float]] = []

    with gunicorn(app_env(tmp_path, GUNICORN_WORKERS="2"), tmp_path / "gunicorn.log") as server:

        def preview() -> None:
            answers.append(get(server.port, f"/api/invoices/{draft.pk}/pdf/", headers))

        _warm(server.port, headers)

        # when: four previews at once, /health/ asked every 0.1 s until they are done
        threads = [threading.Thread(target=preview) for _ in range(4)]
        for thread in threads:
            thread.start()
        health = []
        while any(thread.is_alive() for thread in threads):
            status, _, _, seconds = get(server.port, "/health/", timeout=10)
            health.append((status, round(seconds, 3)))
            time.sleep(0.1)
        for thread in threads:
            thread.join()

    # then: one rendered, the others were told at once that the host is busy
    statuses = sorted(answer[0] for answer in answers)
    assert statuses[0] == 200 and set(statuses) <= {200, 503}, statuses
    for status, _, body, _ in answers:
        if status == 200:
            assert body.startswith(b"%PDF")
        else:
            assert json.loads(body)["error"]["code"] == "busy"
    assert len(health) >= 3, health  # the previews really ran while /health/ was asked
    assert all(status == 200 and seconds < 1.0 for status, seconds in health), health


def _warm(port: int, headers: dict[str, str]) -> None:
    """Both workers serve a few authenticated requests first (connections, lazy imports),
    as a running server has: a first request's one-off costs are not what is measured."""
    for _ in range(3):
        threads = [
            threading.Thread(target=get, args=(port, "/api/auth/me/", headers)) for _ in range(4)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()


def test_a_real_worker_limits_retries_and_fails_a_documents_build(
    tmp_path, company, staff_user, staff_client
):
    # given: an issued invoice above the inline bound (only the worker builds it), whose
    # documents cannot be stored (MEDIA_ROOT under a file)
    invoice = make_issued(
        owner=staff_user, items=[line()] * (settings.DOCUMENTS_INLINE_MAX_LINES + 1)
    )
    (tmp_path / "a-file").write_text("")
    broker = OwnRedis()
    broker.start()
    env = app_env(
        tmp_path,
        MEDIA_ROOT=str(tmp_path / "a-file" / "media"),
        CELERY_BROKER_URL=broker.url,
        DOCUMENTS_TASK_SOFT_TIME_LIMIT="7",
        DOCUMENTS_TASK_TIME_LIMIT="11",
        DOCUMENTS_TASK_MAX_ATTEMPTS="2",
        DOCUMENTS_TASK_RETRY_SECONDS="1",
        CELERY_WORKER_MAX_MEMORY_PER_CHILD="1",  # KiB: every task leaves the child over it
    )
    # Not the current app: tests after this one publish through the project's (current_app).
    client = Celery(broker=broker.url, set_as_current=False)
    try:
        with celery_worker(env, tmp_path / "worker.log") as worker:
            limits = client.control.inspect(timeout=10).registered("soft_time_limit", "time_limit")
            # when: the after-issue task reaches the worker
            client.send_task("documents.tasks.invoice_pdf_render", args=[invoice.pk])
            state = {}
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline:
                state = staff_client.get(f"/api/invoices/{invoice.pk}/documents/").json()
                if state["status"] == "failed":
                    break
                time.sleep(0.5)
            log = worker.log()
    finally:
        broker.close()

    # then: the worker runs the build under its limits, retried once after 1 s, then
    # failed for good with the reason, shown by the API; the child was replaced
    registered = [task for tasks in (limits or {}).values() for task in tasks]
    assert "documents.tasks.invoice_pdf_render [soft_time_limit=7 time_limit=11]" in registered
    assert state["status"] == "failed", (state, log[-3000:])
    assert state["attempts"] == 2 and state["stored"] == []
    assert "pdf:" in state["error"] and "Error" in state["error"]
    refused = staff_client.get(f"/api/invoices/{invoice.pk}/pdf/")
    assert (refused.status_code, refused.json()["error"]["code"]) == (409, "document_failed")
    assert re.search(r"Retry in 1(\.0)?s", log), log[-3000:]  # the backoff's first step
    # the memory cap replaced the child after the first attempt: the retry ran in another
    children = set(re.findall(r"/(ForkPoolWorker-\d+)\] Task documents\.tasks", log))
    assert len(children) == 2, log[-3000:]


def _issued_total(port: int) -> float:
    status, _, body, _ = get(port, "/metrics", {"Authorization": "Bearer scrape-0123456789"})
    assert status == 200
    match = re.search(rb'^billing_invoices_issued_total\{kind="invoice"\} (\S+)$', body, re.M)
    return float(match.group(1)) if match else 0.0


def test_one_scrape_counts_the_issues_of_every_worker(tmp_path, company, staff_user):
    drafts = [make_draft(owner=staff_user) for _ in range(6)]
    headers = {**_auth(staff_user), "Content-Type": "application/json"}
    env = app_env(
        tmp_path,
        GUNICORN_WORKERS="2",
        METRICS_TOKEN="scrape-0123456789",
        PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "prometheus"),
    )

    with gunicorn(env, tmp_path / "gunicorn.log") as server:
        for draft in drafts[:3]:
            path = f"/api/invoices/{draft.pk}/issue/"
            assert request(server.port, "POST", path, headers, b"{}")[0] == 200
        first_workers = server.children()
        # every worker that issued is replaced (TERM: gunicorn forks new ones)
        for pid in first_workers:
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            alive = server.children()
            if len(alive) == 2 and not set(alive) & set(first_workers):
                break
            time.sleep(0.2)
        for draft in drafts[3:]:
            path = f"/api/invoices/{draft.pk}/issue/"
            assert request(server.port, "POST", path, headers, b"{}")[0] == 200

        scrapes = [_issued_total(server.port) for _ in range(4)]

    assert scrapes == [6.0] * 4, scrapes
