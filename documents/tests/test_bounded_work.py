"""Bounded work per request, the public page's throttle, sending limits, the logo's bounds,
and the observability endpoints (issue 14)."""

from __future__ import annotations

import gzip
import io
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections
from PIL import Image
from rest_framework.test import APIClient

from common import sentry
from common.tests.factories import CustomerFactory, UserFactory
from common.throttling import PublicInvoiceRateThrottle
from documents import rendering
from documents.models import DocumentsBuild, InvoiceSending, StoredDocument
from documents.tasks import invoice_documents_redispatch, invoice_pdf_render
from invoices.models import Invoice
from invoices.tests.factories import line, make_draft, make_issued

pytestmark = pytest.mark.django_db


def _code(response) -> str:
    return response.json()["error"]["code"]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


# --- what a request may render ----------------------------------------------------------


def test_a_draft_over_the_preview_bound_is_refused_without_rendering(
    settings, staff_client, staff_user, company, monkeypatch
):
    settings.DOCUMENTS_INLINE_MAX_LINES = 3
    draft = make_draft(owner=staff_user, items=[line()] * 4)
    monkeypatch.setattr(rendering.services, "invoice_document_render", None)  # never called

    response = staff_client.get(f"/api/invoices/{draft.pk}/pdf/")

    assert response.status_code == 409
    assert response.json()["error"] == {
        "code": "preview_too_large",
        "message": "The draft is too large for a preview; issue it to get its PDF.",
        "details": {"max_lines": 3},
    }


def test_a_busy_host_answers_503_at_once(settings, staff_client, staff_user, company):
    draft = make_draft(owner=staff_user)

    with rendering.render_slot():  # another request is rendering
        response = staff_client.get(f"/api/invoices/{draft.pk}/pdf/")

    assert response.status_code == 503
    assert _code(response) == "busy"
    assert staff_client.get(f"/api/invoices/{draft.pk}/pdf/").status_code == 200


def test_a_large_issued_invoice_is_built_by_the_task_not_the_request(
    settings, staff_client, staff_user, company, monkeypatch
):
    settings.DOCUMENTS_INLINE_MAX_LINES = 1
    queued: list[int] = []
    monkeypatch.setattr(rendering, "current_app", _Broker(queued))
    invoice = make_issued(owner=staff_user, items=[line(), line()])

    pending = staff_client.get(f"/api/invoices/{invoice.pk}/pdf/")
    state = staff_client.get(f"/api/invoices/{invoice.pk}/documents/").json()

    assert pending.status_code == 409
    assert _code(pending) == "document_pending"
    assert queued == [invoice.pk]
    assert state["status"] == "pending" and state["stored"] == []
    # the worker's run
    invoice_pdf_render.apply(args=(invoice.pk,))
    assert staff_client.get(f"/api/invoices/{invoice.pk}/documents/").json()["status"] == "stored"
    assert staff_client.get(f"/api/invoices/{invoice.pk}/pdf/").content.startswith(b"%PDF")


class _Broker:
    """Stands in for Celery's app: records what is published (eager would run it here)."""

    def __init__(self, queued: list[int]) -> None:
        self.queued = queued
        self.conf = type("Conf", (), {"task_always_eager": False})()

    def signature(self, name: str, args: tuple) -> _Broker:
        self._args = args
        return self

    def delay(self) -> None:
        self.queued.extend(self._args)


def test_a_failing_build_is_retried_then_marked_failed_and_shown(
    settings, staff_client, staff_user, company, monkeypatch
):
    settings.DOCUMENTS_INLINE_MAX_LINES = 0
    settings.DOCUMENTS_TASK_MAX_ATTEMPTS = 2
    invoice = make_issued(owner=staff_user)

    def broken(**kwargs):
        raise RuntimeError("renderer crashed")

    monkeypatch.setattr(rendering.services, "stored_document_get_or_create", broken)

    assert rendering.documents_build_run(invoice_id=invoice.pk) == 60  # retry in 60 s
    assert rendering.documents_build_run(invoice_id=invoice.pk) is None  # the last one

    build = DocumentsBuild.objects.get(invoice=invoice)
    assert (build.status, build.attempts) == ("failed", 2)
    assert "renderer crashed" in build.error
    state = staff_client.get(f"/api/invoices/{invoice.pk}/documents/").json()
    assert state["status"] == "failed" and "renderer crashed" in state["error"]
    failed = staff_client.get(f"/api/invoices/{invoice.pk}/pdf/")
    assert (failed.status_code, _code(failed)) == (409, "document_failed")
    assert rendering.documents_build_run(invoice_id=invoice.pk) is None  # never again


def test_the_beat_builds_what_the_after_issue_task_never_did(
    settings, staff_user, company, monkeypatch
):
    settings.DOCUMENTS_STORE_AFTER_ISSUE = True
    monkeypatch.setattr(invoice_pdf_render, "delay", lambda *a: None)  # the broker was down
    invoice = make_issued(owner=staff_user)
    earlier = invoice.issued_at - _minutes(10)
    Invoice.objects.filter(pk=invoice.pk).update(issued_at=earlier)
    monkeypatch.undo()
    settings.DOCUMENTS_STORE_AFTER_ISSUE = True

    assert invoice_documents_redispatch() == 0  # recorded now, due on the next sweep
    DocumentsBuild.objects.filter(invoice=invoice).update(updated_at=earlier)
    assert invoice_documents_redispatch() == 1  # eager: built in-process

    assert DocumentsBuild.objects.get(invoice=invoice).status == "stored"
    assert StoredDocument.objects.filter(invoice=invoice).count() == 4


def _minutes(n: int):
    import datetime as dt

    return dt.timedelta(minutes=n)


def test_celery_runs_with_time_limits_and_a_memory_cap(settings):
    from core.celery import app

    assert invoice_pdf_render.soft_time_limit == settings.DOCUMENTS_TASK_SOFT_TIME_LIMIT
    assert invoice_pdf_render.time_limit == settings.DOCUMENTS_TASK_TIME_LIMIT
    assert app.conf.task_soft_time_limit == 300 and app.conf.task_time_limit == 360
    assert app.conf.worker_max_memory_per_child == 1024 * 1024
    assert app.conf.task_publish_retry is False


# --- the public page ----------------------------------------------------------------------


def test_the_public_page_is_throttled_per_address_with_a_small_html_page(
    monkeypatch, staff_user, company
):
    monkeypatch.setattr(PublicInvoiceRateThrottle, "rate", "2/min", raising=False)
    invoice = make_issued(owner=staff_user)
    browser = APIClient(REMOTE_ADDR="203.0.113.7")
    base = f"/i/{invoice.public_token}/"

    assert browser.get(base).status_code == 200
    assert browser.get(f"{base}pdf/").status_code == 200
    refused = browser.get(f"{base}pdf/")

    assert refused.status_code == 429
    assert refused["Content-Type"].startswith("text/html")
    assert "Too many requests" in refused.content.decode()
    assert int(refused["Retry-After"]) > 0
    assert APIClient(REMOTE_ADDR="203.0.113.8").get(base).status_code == 200


def test_the_public_rate_comes_from_the_settings(settings):
    assert (
        PublicInvoiceRateThrottle().rate
        == settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["public_invoice"]
    )


# --- sending --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("subject", "Invoice\r\nBcc: victim@example.com"),
        ("subject", "Invoice\nX"),
        ("subject", "tab\there"),
        ("message", "bell \x07"),
        ("message", "nul \x00"),
    ],
)
def test_control_characters_in_subject_or_message_are_400(
    staff_client, staff_user, company, field, value
):
    invoice = make_issued(owner=staff_user)

    response = staff_client.post(f"/api/invoices/{invoice.pk}/send/", {field: value}, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["details"]
    assert InvoiceSending.objects.count() == 0


def test_a_message_keeps_its_line_breaks(staff_client, staff_user, company):
    invoice = make_issued(owner=staff_user)

    response = staff_client.post(
        f"/api/invoices/{invoice.pk}/send/", {"message": "Hello,\r\n\r\nregards"}, format="json"
    )

    assert response.status_code == 202, response.content


def test_staff_mail_other_addresses_only_within_the_daily_limit(
    settings, staff_client, staff_user, admin_client, company
):
    settings.SEND_LIMIT_PER_USER_DAY = 2
    invoice = make_issued(owner=staff_user)
    url = f"/api/invoices/{invoice.pk}/send/"
    other = {"to": ["someone@elsewhere.example"]}

    assert [staff_client.post(url, other, format="json").status_code for _ in range(2)] == [
        202,
        202,
    ]
    refused = staff_client.post(url, other, format="json")
    to_customer = staff_client.post(url, {}, format="json")
    by_admin = admin_client.post(url, other, format="json")

    assert refused.status_code == 429
    assert _code(refused) == "send_limit_reached"
    assert to_customer.status_code == 202  # the customer's own address: no limit
    assert by_admin.status_code == 202
    assert InvoiceSending.objects.filter(other_recipients=True).count() == 3


def test_a_sending_that_cannot_be_built_fails_once_with_its_reason(staff_user, company):
    from documents.sending import sending_deliver

    invoice = make_issued(owner=staff_user)
    sending = InvoiceSending.objects.create(
        invoice=invoice, to=["not an address"], subject="Invoice", sent_by=staff_user
    )

    assert sending_deliver(sending_id=sending.pk).status == "failed"
    sending.refresh_from_db()
    assert sending.status == "failed" and "could not be built" in sending.error
    assert sending_deliver(sending_id=sending.pk).claimed is False  # never again


# --- the logo -------------------------------------------------------------------------------


def _png(size: tuple[int, int]) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("1", size).save(buffer, format="PNG", optimize=True)
    return SimpleUploadedFile("logo.png", buffer.getvalue(), content_type="image/png")


def test_a_logo_over_the_pixel_limit_is_400_and_null_removes_it(admin_client, company, settings):
    settings.LOGO_MAX_PIXELS = 100 * 100
    url = "/api/settings/company/"

    huge = admin_client.patch(url, {"logo": _png((101, 100))}, format="multipart")
    fine = admin_client.patch(url, {"logo": _png((100, 100))}, format="multipart")
    removed = admin_client.patch(url, {"logo": None}, format="json")

    assert huge.status_code == 400
    assert "LOGO_MAX_PIXELS" in huge.json()["error"]["details"]["logo"][0]
    assert fine.status_code == 200 and fine.json()["logo"]
    assert removed.status_code == 200, removed.content
    assert removed.json()["logo"] is None
    company.refresh_from_db()
    assert not company.logo
    assert APIClient().get("/api/settings/company/public/").json()["logo_url"] is None


# --- observability --------------------------------------------------------------------------


def test_metrics_need_the_token_or_an_allowed_address(settings, staff_user, company):
    settings.METRICS_TOKEN = "scrape-secret-0123456789"
    settings.METRICS_ALLOWED_IPS = ["10.1.0.0/16"]
    make_issued(owner=staff_user)

    anonymous = APIClient().get("/metrics")
    wrong = APIClient().get("/metrics", HTTP_AUTHORIZATION="Bearer nope")
    scraped = APIClient().get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-secret-0123456789")
    allowed = APIClient(REMOTE_ADDR="10.1.2.3").get("/metrics")

    assert anonymous.status_code == wrong.status_code == 404
    assert scraped.status_code == allowed.status_code == 200
    text = scraped.content.decode()
    for name in (
        "django_http_requests_latency_seconds_by_view_method",
        "django_db_execute_total",
        "billing_invoices_issued_total",
        "billing_payments_recorded_total",
        "billing_sendings_failed_total",
        "billing_reminders_sent_total",
    ):
        assert name in text, name


class _Capture(BaseHTTPRequestHandler):
    received: list[bytes] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        encoding = self.headers.get("Content-Encoding", "")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "br":
            import brotli

            body = brotli.decompress(body)
        _Capture.received.append(body)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


def test_sentry_sends_to_the_configured_dsn_without_personal_data():
    import sentry_sdk

    server = HTTPServer(("127.0.0.1", 0), _Capture)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        sentry.sentry_init(
            dsn=f"http://publickey@127.0.0.1:{server.server_port}/1", environment="test"
        )
        event = {
            "message": "boom",
            "user": {"email": "jane@example.com", "ip_address": "192.0.2.1"},
            "request": {
                "url": "https://billing.example/api/x",
                "headers": {"Authorization": "Bearer secret", "Cookie": "s=1", "Accept": "*/*"},
                "query_string": "email=jane@example.com",
                "data": {"password": "hunter2"},
            },
        }
        sentry_sdk.capture_event(event)
        sentry_sdk.flush(timeout=5)
    finally:
        sentry_sdk.init(dsn=None)
        server.shutdown()

    assert _Capture.received, "nothing reached the local capture"
    sent = b"".join(_Capture.received)
    for secret in (b"secret", b"jane@example.com", b"hunter2", b"s=1", b"192.0.2.1"):
        assert secret not in sent, secret
    envelope_lines = [json.loads(part) for part in sent.split(b"\n") if part.startswith(b"{")]
    assert any(item.get("message") == "boom" for item in envelope_lines)


def test_another_owner_cannot_read_the_documents_state(other_client, staff_user, company):
    invoice = make_issued(owner=staff_user)

    assert other_client.get(f"/api/invoices/{invoice.pk}/documents/").status_code == 404
    assert CustomerFactory and UserFactory  # factories imported for the module's fixtures


@pytest.mark.django_db(transaction=True)
def test_four_maximal_previews_at_once_leave_health_answering(settings, staff_user, company):
    """One renders (the host's only slot), three answer 503 `busy` at once; /health/ is
    served meanwhile within a second (threads here, gunicorn workers in production)."""
    draft = make_draft(owner=staff_user, items=[line()] * settings.DOCUMENTS_INLINE_MAX_LINES)
    token = _token_for(staff_user)
    statuses: list[int] = []

    def preview() -> None:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        try:
            statuses.append(client.get(f"/api/invoices/{draft.pk}/pdf/").status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=preview) for _ in range(4)]
    for thread in threads:
        thread.start()
    health = []
    for _ in range(3):
        started = time.perf_counter()
        response = APIClient().get("/health/")
        health.append((response.status_code, time.perf_counter() - started))
        time.sleep(0.1)
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(statuses)[0] == 200 and set(statuses) <= {200, 503}
    assert all(status == 200 and seconds < 1.0 for status, seconds in health), health


def _token_for(user) -> str:
    from rest_framework_simplejwt.tokens import RefreshToken

    return str(RefreshToken.for_user(user).access_token)
