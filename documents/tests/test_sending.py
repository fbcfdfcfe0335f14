"""E-mail delivery against a real SMTP server (aiosmtpd on 127.0.0.1)."""

from __future__ import annotations

import asyncio
import contextlib
import email
import socket
from collections.abc import Iterator
from email import policy

import pytest
from aiosmtpd.controller import Controller

from documents.models import InvoiceSending
from invoices.tests.factories import make_draft, make_issued

pytestmark = [pytest.mark.django_db, pytest.mark.smtp]


class RecordingHandler:
    """Keeps every message it accepts.

    Refuses the first `fail_first` DATA commands with `refusal` (a 451 unless told);
    with `silent_after_accept` seconds it keeps the message, then says nothing that long
    (the client times out not knowing the message was taken).
    """

    def __init__(self, fail_first: int = 0) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes = []
        self.fail_first = fail_first
        self.refusal = "451 Try again later"
        self.silent_after_accept = 0.0

    async def handle_DATA(self, server, session, envelope):
        if self.fail_first > 0:
            self.fail_first -= 1
            return self.refusal
        self.envelopes.append(envelope)
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        if self.silent_after_accept:
            await asyncio.sleep(self.silent_after_accept)
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def running_smtp_server(settings) -> Iterator[RecordingHandler]:
    """An SMTP server on 127.0.0.1 that the mail settings point to, while the block runs."""
    handler = RecordingHandler()
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    try:
        yield handler
    finally:
        controller.stop()


@pytest.fixture
def smtp_server(settings):
    with running_smtp_server(settings) as handler:
        yield handler


def _attachments(message) -> dict[str, bytes]:
    """The files attached (not the inline images the HTML part shows)."""
    return {
        part.get_filename(): part.get_payload(decode=True)
        for part in message.iter_attachments()
        if part.get_content_disposition() == "attachment"
    }


def test_send_delivers_pdf_and_ubl_byte_for_byte(
    smtp_server, staff_client, company, staff_user, django_capture_on_commit_callbacks
):
    invoice = make_issued(owner=staff_user)
    pdf = staff_client.get(f"/api/invoices/{invoice.id}/pdf/").content
    ubl = staff_client.get(f"/api/invoices/{invoice.id}/ubl/").content

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            f"/api/invoices/{invoice.id}/send/",
            {"cc": ["boss@buyer.example"], "message": "Thank you!", "attach_ubl": True},
            format="json",
        )

    assert response.status_code == 202
    assert len(smtp_server.messages) == 1
    message = smtp_server.messages[0]
    assert message["To"] == invoice.customer.email
    assert message["Cc"] == "boss@buyer.example"
    assert message["Subject"] == f"Invoice {invoice.number} from Seller GmbH"
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert "Thank you!" in body
    assert f"/i/{invoice.public_token}/" in body
    assert _attachments(message) == {
        f"{invoice.number}.pdf": pdf,
        f"{invoice.number}.xml": ubl,
    }
    assert sorted(smtp_server.envelopes[0].rcpt_tos) == sorted(
        [invoice.customer.email, "boss@buyer.example"]
    )
    sending = InvoiceSending.objects.get()
    assert (sending.status, sending.attempts, sending.error, sending.sent_by_id) == (
        "sent",
        1,
        "",
        staff_user.id,
    )
    assert sending.sent_at is not None


def test_send_in_customers_language_with_facturx(
    smtp_server, staff_client, company, staff_user, django_capture_on_commit_callbacks
):
    from common.tests.factories import CustomerFactory

    customer = CustomerFactory(owner=staff_user, preferred_language="de")
    invoice = make_issued(owner=staff_user, customer=customer)

    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(
            f"/api/invoices/{invoice.id}/send/", {"pdf_format": "facturx"}, format="json"
        )

    assert len(smtp_server.messages) == 1
    assert InvoiceSending.objects.get().status == "sent"
    message = smtp_server.messages[0]
    assert message["Subject"] == f"Rechnung {invoice.number} von Seller GmbH"
    files = _attachments(message)
    assert list(files) == [f"{invoice.number}-facturx.pdf"]
    from facturx import get_xml_from_pdf

    filename, xml = get_xml_from_pdf(files[f"{invoice.number}-facturx.pdf"], check_xsd=False)
    assert filename == "factur-x.xml"
    assert invoice.number.encode() in xml


def test_smtp_failure_is_retried_and_sent_once(
    smtp_server, staff_client, company, staff_user, django_capture_on_commit_callbacks
):
    smtp_server.fail_first = 2
    invoice = make_issued(owner=staff_user)

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(f"/api/invoices/{invoice.id}/send/", {}, format="json")

    assert response.status_code == 202
    assert len(smtp_server.messages) == 1
    sending = InvoiceSending.objects.get()
    assert (sending.status, sending.attempts, sending.error) == ("sent", 3, "")


def test_a_sent_sending_is_never_sent_again(
    smtp_server, staff_client, company, staff_user, django_capture_on_commit_callbacks
):
    from documents.tasks import invoice_send_email

    invoice = make_issued(owner=staff_user)
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(f"/api/invoices/{invoice.id}/send/", {}, format="json")

    invoice_send_email.delay(InvoiceSending.objects.get().pk)  # a duplicate delivery

    assert len(smtp_server.messages) == 1
    sending = InvoiceSending.objects.get()
    assert (sending.status, sending.attempts, sending.error) == ("sent", 1, "")


def test_send_refusals(staff_client, company, staff_user):
    from common.tests.factories import CustomerFactory

    draft = make_draft(owner=staff_user)
    response = staff_client.post(f"/api/invoices/{draft.id}/send/", {}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "document_not_available"

    no_mail = make_issued(owner=staff_user, customer=CustomerFactory(owner=staff_user, email=""))
    response = staff_client.post(f"/api/invoices/{no_mail.id}/send/", {}, format="json")
    assert response.status_code == 400
    assert "to" in response.json()["error"]["details"]

    bad = staff_client.post(f"/api/invoices/{no_mail.id}/send/", {"to": ["nope"]}, format="json")
    assert bad.status_code == 400
    assert InvoiceSending.objects.count() == 0


def test_stale_queued_sendings_are_dispatched_again(smtp_server, company, staff_user):
    """A sending queued while the broker was down goes out on the next beat run."""
    import datetime as dt

    from django.utils import timezone

    from documents.tasks import invoice_sendings_redispatch

    invoice = make_issued(owner=staff_user)
    stale = InvoiceSending.objects.create(
        invoice=invoice, to=["ap@buyer.example"], subject="Invoice"
    )
    fresh = InvoiceSending.objects.create(
        invoice=invoice, to=["other@buyer.example"], subject="Invoice"
    )
    InvoiceSending.objects.filter(pk=stale.pk).update(
        updated_at=timezone.now() - dt.timedelta(minutes=11)
    )

    assert invoice_sendings_redispatch() == 1

    assert [m["To"] for m in smtp_server.messages] == ["ap@buyer.example"]
    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert (stale.status, stale.attempts, stale.error) == ("sent", 1, "")
    assert (fresh.status, fresh.attempts) == ("queued", 0)
    assert invoice_sendings_redispatch() == 0
    assert len(smtp_server.messages) == 1
