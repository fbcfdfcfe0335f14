"""A sending goes out at most once, whoever runs it and however often (real SMTP server).

The state machine (documents.services): queued → sending by one conditional UPDATE (the
claim), then sent, queued again for a retry, or failed. Every test counts the messages
the server received and checks the sending's final status, attempts and error.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.files.storage import default_storage
from django.db import connection
from django.utils import timezone

from documents import errors, services
from documents import sending as sending_machine
from documents.models import InvoiceSending, StoredDocument
from documents.sending import SendingAttempt
from documents.tasks import invoice_send_email, invoice_sendings_redispatch
from documents.tests.test_sending import RecordingHandler, running_smtp_server
from invoices.tests.factories import make_issued

pytestmark = [pytest.mark.django_db, pytest.mark.smtp]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path  # the stored documents of this test only


@pytest.fixture
def smtp_server(settings) -> Iterator[RecordingHandler]:
    with running_smtp_server(settings) as handler:
        yield handler


@pytest.fixture
def invoice(company, staff_user):
    return make_issued(owner=staff_user)


def _queued(invoice, **fields) -> InvoiceSending:
    fields.setdefault("to", ["ap@buyer.example"])
    fields.setdefault("subject", "Invoice")
    return InvoiceSending.objects.create(invoice=invoice, **fields)


def _state(sending: InvoiceSending) -> tuple[str, int, str]:
    sending.refresh_from_db()
    return sending.status, sending.attempts, sending.error


def _backdate(sending: InvoiceSending, minutes: int) -> None:
    """As if the sending had been last changed (and claimed, if it was) `minutes` ago."""
    then = timezone.now() - dt.timedelta(minutes=minutes)
    rows = InvoiceSending.objects.filter(pk=sending.pk)
    rows.update(updated_at=then)
    rows.filter(claimed_at__isnull=False).update(claimed_at=then)


def _crash_after_smtp(monkeypatch) -> None:
    """The worker dies after the server took the message, before the finishing UPDATE."""
    finish = sending_machine.sending_finish

    def crash(*, sending, status, error=""):
        if status == "sent":
            raise RuntimeError("worker killed")
        return finish(sending=sending, status=status, error=error)

    monkeypatch.setattr(sending_machine, "sending_finish", crash)


# --- racing workers --------------------------------------------------------------------


@pytest.mark.postgres(reason="real concurrency needs PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_workers_racing_for_one_sending_send_it_once(smtp_server, invoice, monkeypatch):
    # given: a stale queued sending, its task delivered to several workers at once while
    # beat runs re-dispatch it on others
    services.invoice_document_render(invoice=invoice, fmt="pdf")  # the race is the claim's
    sending = _queued(invoice)
    _backdate(sending, minutes=11)
    claim = sending_machine.sending_claim
    won: list[bool] = []

    def recorded_claim(*, sending_id: int):
        claimed = claim(sending_id=sending_id)
        won.append(claimed is not None)
        return claimed

    monkeypatch.setattr(sending_machine, "sending_claim", recorded_claim)
    barrier = threading.Barrier(8)

    def worker(n: int) -> None:
        try:
            barrier.wait()
            if n % 2:
                invoice_sendings_redispatch()
            else:
                invoice_send_email.apply(args=[sending.pk])
        finally:
            connection.close()

    # when
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(worker, range(8)))

    # then
    assert won.count(True) == 1
    assert len(smtp_server.messages) == 1
    assert _state(sending) == ("sent", 1, "")
    assert invoice_sendings_redispatch() == 0
    assert len(smtp_server.messages) == 1


def test_a_second_claim_of_the_same_sending_loses(smtp_server, invoice):
    sending = _queued(invoice)

    first = sending_machine.sending_claim(sending_id=sending.pk)
    second = sending_machine.sending_claim(sending_id=sending.pk)
    late = sending_machine.sending_deliver(sending_id=sending.pk)  # a whole worker, too late

    assert first is not None
    assert (second, late) == (None, SendingAttempt(claimed=False))
    assert len(smtp_server.messages) == 0
    assert _state(sending) == ("sending", 1, "")

    assert sending_machine.sending_transmit(sending=first) == SendingAttempt(
        claimed=True, status="sent"
    )
    assert sending_machine.sending_claim(sending_id=sending.pk) is None
    assert len(smtp_server.messages) == 1
    assert _state(sending) == ("sent", 1, "")


def test_a_redelivered_task_sends_once(smtp_server, invoice):
    sending = _queued(invoice)

    invoice_send_email.apply(args=[sending.pk])
    invoice_send_email.apply(args=[sending.pk])  # acks_late: the broker hands it out again

    assert len(smtp_server.messages) == 1
    assert _state(sending) == ("sent", 1, "")


def test_a_task_redelivered_while_its_first_worker_is_sending_does_nothing(smtp_server, invoice):
    sending = _queued(invoice)
    sending_machine.sending_claim(sending_id=sending.pk)  # the first worker, in the middle

    invoice_send_email.apply(args=[sending.pk])

    assert len(smtp_server.messages) == 0
    assert _state(sending) == ("sending", 1, "")


def test_a_redispatch_racing_a_delayed_retry_sends_once(smtp_server, invoice):
    # given: the first attempt failed (451); its retry is late, beyond the stale cut-off
    smtp_server.fail_first = 1
    sending = _queued(invoice)
    first = sending_machine.sending_deliver(sending_id=sending.pk)
    assert first == SendingAttempt(claimed=True, status="queued", retry_in=30)
    assert _state(sending) == ("queued", 1, "SMTPDataError: (451, b'Try again later')")
    _backdate(sending, minutes=11)

    # when: beat re-dispatches it, then the delayed retry arrives
    assert invoice_sendings_redispatch() == 1
    invoice_send_email.apply(args=[sending.pk])

    # then
    assert len(smtp_server.messages) == 1
    assert _state(sending) == ("sent", 2, "")


# --- a worker dying mid-attempt ---------------------------------------------------------


def test_a_crash_after_the_server_took_the_message_is_never_sent_again(
    smtp_server, invoice, monkeypatch
):
    # given: the worker dies between the server's 250 and the finishing UPDATE
    sending = _queued(invoice)
    _crash_after_smtp(monkeypatch)
    with pytest.raises(RuntimeError, match="worker killed"):
        invoice_send_email.apply(args=[sending.pk])
    monkeypatch.undo()
    assert len(smtp_server.messages) == 1
    assert _state(sending) == ("sending", 1, "")

    # when: the broker redelivers the unacknowledged task, and beat runs later on
    invoice_send_email.apply(args=[sending.pk])
    _backdate(sending, minutes=20)
    redispatched = invoice_sendings_redispatch()

    # then
    assert redispatched == 0
    assert len(smtp_server.messages) == 1
    assert _state(sending) == ("sending", 1, "")


def test_a_sending_stuck_past_the_timeout_is_failed_for_a_person_to_decide(
    smtp_server, invoice, staff_client, monkeypatch
):
    sending = _queued(invoice)
    _crash_after_smtp(monkeypatch)
    with pytest.raises(RuntimeError, match="worker killed"):
        invoice_send_email.apply(args=[sending.pk])
    monkeypatch.undo()

    _backdate(sending, minutes=29)
    assert invoice_sendings_redispatch() == 0
    assert _state(sending) == ("sending", 1, "")

    _backdate(sending, minutes=31)
    assert invoice_sendings_redispatch() == 0
    status, attempts, error = _state(sending)
    assert (status, attempts) == ("failed", 1)
    assert error.startswith("Attempt 1 stopped after it was started at ")
    assert error.endswith(
        ": it may have been delivered. Not sent again automatically; check before sending it again."
    )

    invoice_send_email.apply(args=[sending.pk])
    _backdate(sending, minutes=60)
    assert invoice_sendings_redispatch() == 0
    assert len(smtp_server.messages) == 1
    assert _state(sending) == ("failed", 1, error)
    shown = staff_client.get(f"/api/invoices/{invoice.pk}/sendings/").json()
    assert [(s["id"], s["status"], s["attempts"], s["error"]) for s in shown] == [
        (sending.pk, "failed", 1, error)
    ]


def test_an_attempt_given_up_by_the_sweep_still_records_what_the_server_took(smtp_server, invoice):
    sending = _queued(invoice)
    slow = sending_machine.sending_claim(sending_id=sending.pk)
    _backdate(sending, minutes=31)
    invoice_sendings_redispatch()
    assert _state(sending)[:2] == ("failed", 1)

    assert sending_machine.sending_transmit(sending=slow) == SendingAttempt(
        claimed=True, status="sent"
    )

    assert len(smtp_server.messages) == 1
    assert _state(sending) == ("sent", 1, "")


def test_a_finish_for_an_earlier_attempt_changes_nothing(smtp_server, invoice):
    sending = _queued(invoice)
    first = sending_machine.sending_claim(sending_id=sending.pk)
    sending_machine.sending_finish(sending=first, status="queued", error="SMTPDataError: 451")
    sending_machine.sending_claim(sending_id=sending.pk)

    assert sending_machine.sending_finish(sending=first, status="failed", error="late") is False

    assert len(smtp_server.messages) == 0
    assert _state(sending) == ("sending", 2, "SMTPDataError: 451")


# --- what the server says -----------------------------------------------------------------


def test_transient_refusals_end_failed_after_the_last_attempt(smtp_server, invoice):
    smtp_server.fail_first = 99
    sending = _queued(invoice)

    invoice_send_email.apply(args=[sending.pk])
    invoice_send_email.apply(args=[sending.pk])

    assert len(smtp_server.messages) == 0
    assert _state(sending) == (
        "failed",
        sending_machine.MAX_SEND_ATTEMPTS,
        "SMTPDataError: (451, b'Try again later')",
    )


def test_the_attempt_count_on_the_row_decides_the_last_attempt(smtp_server, invoice):
    # Five attempts were made by other task chains (re-dispatches): this one is the last.
    smtp_server.fail_first = 99
    sending = _queued(invoice, attempts=5, error="SMTPDataError: (451, b'Try again later')")

    attempt = sending_machine.sending_deliver(sending_id=sending.pk)

    assert attempt == SendingAttempt(claimed=True, status="failed")
    assert len(smtp_server.messages) == 0
    assert _state(sending) == ("failed", 6, "SMTPDataError: (451, b'Try again later')")


def test_a_permanent_refusal_is_not_retried(smtp_server, invoice):
    smtp_server.fail_first = 99
    smtp_server.refusal = "554 Message rejected"
    sending = _queued(invoice)

    invoice_send_email.apply(args=[sending.pk])

    assert len(smtp_server.messages) == 0
    assert _state(sending) == ("failed", 1, "SMTPDataError: (554, b'Message rejected')")


def test_an_unknown_outcome_is_not_retried(smtp_server, invoice, settings):
    # The server keeps the message but its 250 never arrives in time: it may be delivered.
    settings.EMAIL_TIMEOUT = 0.5
    smtp_server.silent_after_accept = 1.5
    sending = _queued(invoice)

    invoice_send_email.apply(args=[sending.pk])

    assert len(smtp_server.messages) == 1
    status, attempts, error = _state(sending)
    assert (status, attempts) == ("failed", 1)
    assert error.startswith(
        "The connection to the mail server broke after the message was handed over "
        "(SMTPServerDisconnected: "
    )
    assert error.endswith("it may have been delivered. Check before sending it again.")


def test_an_unreachable_server_is_retried(smtp_server, invoice, settings):
    port = settings.EMAIL_PORT
    settings.EMAIL_PORT = 1  # nothing listens there
    sending = _queued(invoice)

    attempt = sending_machine.sending_deliver(sending_id=sending.pk)
    settings.EMAIL_PORT = port
    invoice_send_email.apply(args=[sending.pk])

    assert attempt == SendingAttempt(claimed=True, status="queued", retry_in=30)
    assert len(smtp_server.messages) == 1
    assert _state(sending) == ("sent", 2, "")


# --- messages that cannot be built ---------------------------------------------------------


def test_a_missing_stored_document_fails_the_sending_without_retries(smtp_server, invoice):
    services.invoice_document_render(invoice=invoice, fmt="pdf")
    default_storage.delete(StoredDocument.objects.get(invoice=invoice, format="pdf").file.name)
    sending = _queued(invoice)

    invoice_send_email.apply(args=[sending.pk])
    _backdate(sending, minutes=60)
    assert invoice_sendings_redispatch() == 0

    assert len(smtp_server.messages) == 0
    assert _state(sending) == (
        "failed",
        1,
        "The message could not be built: StoredDocumentCorrupt: "
        f"{errors.StoredDocumentCorrupt.default_message}",
    )


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"to": ["nope"]}, "ValueError: invalid address 'nope'"),
        ({"cc": ["boss@"]}, "ValueError: invalid address 'boss@'"),
        (
            {"subject": "Invoice\nBcc: all@elsewhere.example"},
            "BadHeaderError: Header values can't contain newlines "
            "(got 'Invoice\\nBcc: all@elsewhere.example' for header 'Subject')",
        ),
    ],
)
def test_a_bad_address_or_header_fails_the_sending_without_retries(
    smtp_server, invoice, fields, reason
):
    sending = _queued(invoice, **fields)

    invoice_send_email.apply(args=[sending.pk])
    invoice_send_email.apply(args=[sending.pk])

    assert len(smtp_server.messages) == 0
    assert _state(sending) == ("failed", 1, f"The message could not be built: {reason}")
