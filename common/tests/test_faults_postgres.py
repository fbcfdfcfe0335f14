"""PostgreSQL dies mid-request: the request fails cleanly, nothing is half-written, and
the next request works.

The backend serving the request is killed with `pg_terminate_backend` from a second
connection, between two statements of one service transaction. Requests go through
Django's real WSGI handler (not the test client, which keeps broken connections open
between requests): its `request_started` / `request_finished` signals are what drop a
dead connection and let the next request reconnect, as under gunicorn.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.test.client import RequestFactory
from rest_framework_simplejwt.tokens import RefreshToken

from common.tests.factories import CustomerFactory
from invoices.models import Invoice, InvoiceItem, NumberSequence, Payment
from invoices.services import drafts, issuing, payments
from invoices.tests.factories import make_draft, make_issued

pytestmark = [
    pytest.mark.postgres(reason="terminates a PostgreSQL backend (pg_terminate_backend)"),
    pytest.mark.django_db(transaction=True),
]


class Answer:
    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status, self.headers, self.body = status, headers, body

    def json(self) -> Any:
        return json.loads(self.body)


def _token(user) -> str:
    # Made before any fault: RefreshToken.for_user writes its OutstandingToken row.
    return str(RefreshToken.for_user(user).access_token)


def _wsgi(method: str, path: str, *, token: str, body: Any = None) -> Answer:
    """One request through Django's WSGI handler, as a WSGI server would make it."""
    extra = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    data = json.dumps(body) if body is not None else ""
    environ = (
        RequestFactory()
        .generic(method, path, data, content_type="application/json", **extra)
        .environ
    )
    started: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info=None) -> None:
        started["status"], started["headers"] = int(status.split()[0]), dict(headers)

    response = WSGIHandler()(environ, start_response)
    try:
        content = b"".join(response)
    finally:
        response.close()  # request_finished: the server's end of the request
    return Answer(started["status"], started["headers"], content)


def _terminate_backend(pid: int) -> None:
    """Kill a backend from another connection and wait until it is gone."""
    killer = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        with killer.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
            for _ in range(250):
                cursor.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid])
                if cursor.fetchone() is None:
                    return
                time.sleep(0.02)
        raise AssertionError(f"backend {pid} survived pg_terminate_backend")
    finally:
        killer.close()


def _backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _dies_before(monkeypatch, module: Any, name: str) -> list[int]:
    """Patch `<module>.<name>` so the request's backend dies just before it runs."""
    original: Callable[..., Any] = getattr(module, name)
    killed: list[int] = []

    def dying(*args: Any, **kwargs: Any) -> Any:
        pid = _backend_pid()  # inside the request's open transaction
        _terminate_backend(pid)
        killed.append(pid)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, dying)
    return killed


def _assert_failed_cleanly(answer: Answer) -> None:
    assert answer.status == 503, answer.body[:500]
    assert answer.headers["Content-Type"].startswith("application/json")
    assert answer.json() == {
        "error": {
            "code": "database_unavailable",
            "message": "The database is unavailable; try again shortly.",
            "details": {},
        }
    }
    assert b"Traceback" not in answer.body
    assert int(answer.headers["Retry-After"]) > 0


@pytest.fixture(autouse=True)
def _fresh_connection_after():
    yield
    connection.close()  # whatever state the kill left it in, teardown reconnects


def test_backend_killed_while_writing_a_draft(monkeypatch, company, staff_user):
    token = _token(staff_user)
    customer = CustomerFactory(owner=staff_user)
    body = {
        "customer": customer.pk,
        "items": [{"description": "Work", "quantity": "2", "unit_price": "50"}],
    }
    killed = _dies_before(
        monkeypatch, drafts, "_write_lines"
    )  # the invoice row is already inserted

    answer = _wsgi("POST", "/api/invoices/", token=token, body=body)

    assert killed, "the backend was never killed: the fault did not happen"
    _assert_failed_cleanly(answer)
    monkeypatch.undo()
    assert Invoice.objects.count() == 0
    assert InvoiceItem.objects.count() == 0
    # The next request gets a new connection and works.
    again = _wsgi("POST", "/api/invoices/", token=token, body=body)
    assert again.status == 201, again.body[:500]
    assert again.json()["gross_total"] == "119.00"
    assert InvoiceItem.objects.count() == 1


def test_backend_killed_while_issuing_consumes_no_number(monkeypatch, company, staff_user):
    token = _token(staff_user)
    draft = make_draft(owner=staff_user)
    killed = _dies_before(monkeypatch, issuing, "_after_issue")  # number drawn, invoice saved

    answer = _wsgi("POST", f"/api/invoices/{draft.pk}/issue/", token=token)

    assert killed
    _assert_failed_cleanly(answer)
    monkeypatch.undo()
    draft.refresh_from_db()
    assert (draft.status, draft.number) == ("draft", None)
    assert NumberSequence.objects.filter(last_value__gt=0).count() == 0
    # Gap-free: the retry gets the number the failed attempt had drawn.
    again = _wsgi("POST", f"/api/invoices/{draft.pk}/issue/", token=token)
    assert again.status == 200, again.body[:500]
    assert again.json()["number"].endswith("-00001")


def test_backend_killed_while_recording_a_payment(monkeypatch, company, staff_user):
    token = _token(staff_user)
    invoice = make_issued(owner=staff_user)  # 119.00 due
    killed = _dies_before(monkeypatch, payments, "settlement_refresh")  # payment inserted

    answer = _wsgi(
        "POST", f"/api/invoices/{invoice.pk}/payments/", token=token, body={"amount": "50.00"}
    )

    assert killed
    _assert_failed_cleanly(answer)
    monkeypatch.undo()
    assert Payment.objects.count() == 0
    invoice.refresh_from_db()
    assert (invoice.status, str(invoice.paid_total)) == ("issued", "0.0000")
    again = _wsgi(
        "POST", f"/api/invoices/{invoice.pk}/payments/", token=token, body={"amount": "50.00"}
    )
    assert again.status == 201, again.body[:500]
    invoice.refresh_from_db()
    assert (invoice.status, str(invoice.amount_due)) == ("partially_paid", "69.0000")


def test_idle_connection_killed_between_requests_is_replaced(company, staff_user):
    """A failover or restart between requests: the health check (CONN_HEALTH_CHECKS)
    notices the dead persistent connection and the request never sees it."""
    token = _token(staff_user)
    assert _wsgi("GET", "/api/invoices/", token=token).status == 200
    pid = _backend_pid()

    _terminate_backend(pid)
    answer = _wsgi("GET", "/api/invoices/", token=token)

    assert answer.status == 200, answer.body[:500]
    assert _backend_pid() != pid
