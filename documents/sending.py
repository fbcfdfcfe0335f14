"""Sending invoices by e-mail, at most once: queued → sending → sent | queued | failed."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import re
import smtplib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from celery import current_app
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.core.mail.message import sanitize_address
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from common import metrics
from common.exceptions import BusinessException, ValidationException
from customers.models import Customer
from documents import errors
from documents.mail import build_invoice_email, default_subject
from documents.models import InvoiceSending, SendingPurpose, SendingStatus
from invoices.models import Invoice, InvoiceStatus

logger = logging.getLogger(__name__)
# The task (documents.tasks) calls this module, so it is queued by its name here.
SEND_TASK = "documents.tasks.invoice_send_email"


@transaction.atomic
def invoice_send(
    *,
    invoice: Invoice,
    by: User | None,
    to: Sequence[str] = (),
    cc: Sequence[str] = (),
    subject: str = "",
    message: str = "",
    attach_ubl: bool = False,
    pdf_format: str = "pdf",
) -> InvoiceSending:
    """Queue one e-mail of the invoice; the task sends it after commit, at most once."""
    if invoice.status == InvoiceStatus.DRAFT:
        raise errors.DocumentNotAvailable("Drafts cannot be sent; issue the invoice first.")
    _check_text(subject=subject, message=message)
    own = _customer_addresses(invoice)
    recipients = list(to) or ([invoice.buyer.get("email")] if invoice.buyer.get("email") else [])
    if not recipients:
        raise errors.NoRecipient(details={"to": ["The customer has no e-mail address."]})
    other = any(address.lower() not in own for address in [*recipients, *cc])
    if other and by is not None and not by.is_admin:
        _check_send_limit(by)
    sending = InvoiceSending.objects.create(
        invoice=invoice,
        sent_by=by,
        to=recipients,
        cc=list(cc),
        subject=subject or default_subject(invoice),
        message=message,
        attach_ubl=attach_ubl,
        pdf_format=pdf_format,
        other_recipients=other,
    )
    logger.info(
        "Sending %s of invoice %s queued by %s to %s (cc %s)%s",
        sending.pk,
        invoice.number,
        by.username if by is not None else "-",
        ", ".join(recipients),
        ", ".join(cc) or "-",
        " beyond the customer's addresses" if other else "",
    )
    # robust: with the broker (Redis) down the sending stays recorded as queued instead of
    # the request failing after its commit (and a retry queueing the e-mail twice).
    transaction.on_commit(lambda: _queue(sending.pk), robust=True)
    return sending


@transaction.atomic
def invoice_reminder_send(
    *, invoice: Invoice, level: int, to: str, fee_invoice: Invoice | None = None
) -> InvoiceSending:
    """Queue payment reminder `level` of an invoice (the reminders service decided it is
    due); sent after commit, at most once, like every sending. documents.mail renders it
    from `purpose`, `reminder_level` and `fee_invoice`; the subject is kept for the log."""
    sending = InvoiceSending.objects.create(
        invoice=invoice,
        sent_by=None,
        to=[to],
        subject=default_subject(invoice, reminder_level=level),
        purpose=SendingPurpose.REMINDER,
        reminder_level=level,
        fee_invoice=fee_invoice,
    )
    logger.info("Reminder %s of invoice %s queued to %s", level, invoice.number, to)
    transaction.on_commit(lambda: _queue(sending.pk), robust=True)
    return sending


# Line breaks would start new header lines in the subject; other control characters
# have no business in either text (the message keeps its line breaks and tabs).
_SUBJECT_FORBIDDEN = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_MESSAGE_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _check_text(*, subject: str, message: str) -> None:
    problems = {}
    if _SUBJECT_FORBIDDEN.search(subject or ""):
        problems["subject"] = ["The subject may not contain line breaks or control characters."]
    if _MESSAGE_FORBIDDEN.search(message or ""):
        problems["message"] = ["The message may not contain control characters."]
    if problems:
        raise ValidationException(next(iter(problems.values()))[0], details=problems)


def _customer_addresses(invoice: Invoice) -> set[str]:
    """The addresses an invoice may always go to: the buyer's on the invoice and the
    customer's current one."""
    addresses = {invoice.buyer.get("email") or ""}
    addresses.add(
        Customer.objects.filter(pk=invoice.customer_id).values_list("email", flat=True).first()
        or ""
    )
    return {address.lower() for address in addresses if address}


def _check_send_limit(user: User) -> None:
    """Staff mail other addresses than the customer's at most SEND_LIMIT_PER_USER_DAY
    times a day (the user's row lock orders two requests at once)."""
    User.objects.select_for_update().filter(pk=user.pk).first()
    since = timezone.now() - dt.timedelta(days=1)
    used = InvoiceSending.objects.filter(
        sent_by=user, other_recipients=True, created_at__gte=since
    ).count()
    limit = settings.SEND_LIMIT_PER_USER_DAY
    if used >= limit:
        logger.warning("Sending refused: %s reached the daily limit of %s", user.username, limit)
        raise SendLimitReached(
            f"At most {limit} e-mails a day to addresses other than the customer's "
            "(SEND_LIMIT_PER_USER_DAY); an administrator can send it.",
            details={"limit": limit, "retry_after_seconds": 3600},
        )


class SendLimitReached(BusinessException):
    status_code = 429
    default_code = "send_limit_reached"


def _queue(sending_id: int) -> None:
    """The delivery task, by name (it is registered once documents.tasks is loaded)."""
    current_app.signature(SEND_TASK, args=(sending_id,)).delay()


# --- delivery: queued → sending → sent | queued (retry) | failed ----------------------
#
# Claim, then act: a worker may talk to the SMTP server only after one conditional UPDATE
# moved the sending from queued to sending and reported one row changed; every other
# worker (a beat re-dispatch, a delayed retry, an acks_late redelivery) finds nothing to
# claim and does nothing. The claim and each finish are single statements that commit on
# their own: none of these functions may run inside a caller's transaction, or the claim
# would not be visible to the other workers before the e-mail leaves.

MAX_SEND_ATTEMPTS = 6
# A sending still queued this long after its last change never reached a worker (the
# broker was down at commit time, or its task was lost): hand it to the queue again.
STALE_QUEUED_AFTER = dt.timedelta(minutes=10)
# A sending claimed this long ago and still `sending` lost its worker between the claim
# and the finishing UPDATE (one attempt takes seconds: EMAIL_TIMEOUT per SMTP step).
# Whether the server took the message is unknown, so it is never sent again by itself.
STUCK_SENDING_AFTER = dt.timedelta(minutes=30)


@dataclass(frozen=True)
class SendingAttempt:
    """What one call of `sending_deliver` did; `retry_in` (seconds) when to try again."""

    claimed: bool
    status: str | None = None
    retry_in: int | None = None


class _Undelivered(Exception):
    """The server did not take the message (refused it, or was never reached)."""

    def __init__(self, cause: BaseException, *, transient: bool) -> None:
        super().__init__(f"{type(cause).__name__}: {cause}")
        self.transient = transient


class _OutcomeUnknown(Exception):
    """The connection broke after the message data went out: it may have been taken."""


def _retry_countdown(attempt: int) -> int:
    return min(600, 30 * 2 ** (attempt - 1))  # 30 s, 60 s, ... 480 s


def sending_claim(*, sending_id: int) -> InvoiceSending | None:
    """queued → sending in one conditional UPDATE, counting the attempt.

    Answers the claimed sending when this caller won it, None when there was nothing to
    claim (already sending, sent or failed, or claimed by another worker just now).
    """
    now = timezone.now()
    won = InvoiceSending.objects.filter(pk=sending_id, status=SendingStatus.QUEUED).update(
        status=SendingStatus.SENDING, attempts=F("attempts") + 1, claimed_at=now, updated_at=now
    )
    if not won:
        return None
    # Nobody else changes the row while it is ours, but the sweep: this is our attempt.
    return InvoiceSending.objects.select_related("invoice").get(pk=sending_id)


def sending_finish(*, sending: InvoiceSending, status: str, error: str = "") -> bool:
    """sending → `status` (sent, queued for a retry, failed) for the attempt `sending` claimed.

    The attempt number fences the UPDATE: it changes the row only if it is still this
    attempt's. A message the server took is recorded as sent even when the sweep gave the
    attempt up meanwhile (that is the truth); anything else only from `sending`.
    Answers whether the row changed.
    """
    now = timezone.now()
    mine = InvoiceSending.objects.filter(pk=sending.pk, attempts=sending.attempts)
    if status == SendingStatus.SENT:
        changed = mine.filter(status__in=[SendingStatus.SENDING, SendingStatus.FAILED]).update(
            status=SendingStatus.SENT, sent_at=now, error="", updated_at=now
        )
    else:
        changed = mine.filter(status=SendingStatus.SENDING).update(
            status=status, error=error, updated_at=now
        )
    if changed and status == SendingStatus.FAILED:
        metrics.sendings_failed.inc()
    if not changed:
        logger.error(
            "Sending %s attempt %s: could not record %s (%s)",
            sending.pk,
            sending.attempts,
            status,
            error,
        )
    return bool(changed)


def sending_message(*, sending: InvoiceSending) -> EmailMessage:
    """The e-mail of a sending, checked down to its addresses and headers.

    Raises whatever makes it unbuildable (a missing or damaged stored document, an
    invalid address, a header with a line break): such a sending can never go out.
    """

    message = build_invoice_email(sending)
    encoding = message.encoding or settings.DEFAULT_CHARSET
    for address in message.recipients():
        try:
            validate_email(address)
        except ValidationError as exc:
            raise ValueError(f"invalid address {address!r}") from exc
    sanitize_address(message.from_email, encoding)
    message.message()  # headers: refuses line breaks (BadHeaderError)
    return message


def _smtp_deliver(message: EmailMessage) -> None:
    """Hand the message to the mail backend once; raises `_Undelivered` or `_OutcomeUnknown`.

    Only a failure before the message data went out, or the server's explicit refusal,
    proves that nothing was delivered. Errors on QUIT, after the server took the message,
    are not failures.
    """
    connection = get_connection(fail_silently=False)
    try:
        connection.open()
    except (smtplib.SMTPException, OSError) as exc:
        raise _Undelivered(exc, transient=True) from exc
    data_sent = _watch_data_phase(connection)
    try:
        sent = connection.send_messages([message])
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        raise _Undelivered(exc, transient=any(code < 500 for code in codes)) from exc
    except smtplib.SMTPResponseException as exc:  # the server answered: not taken
        raise _Undelivered(exc, transient=exc.smtp_code < 500) from exc
    except (smtplib.SMTPException, OSError) as exc:
        if data_sent():
            raise _OutcomeUnknown(f"{type(exc).__name__}: {exc}") from exc
        raise _Undelivered(exc, transient=True) from exc
    finally:
        with contextlib.suppress(Exception):
            connection.close()
    if not sent:
        raise _Undelivered(RuntimeError("the mail backend sent nothing"), transient=False)


def _watch_data_phase(connection: Any):
    """A function answering whether the SMTP DATA command was started on `connection`.

    Backends without an SMTP connection (console, locmem) report False.
    """
    started: list[bool] = []
    smtp = getattr(connection, "connection", None)
    if isinstance(smtp, smtplib.SMTP):
        data = smtp.data

        def watched_data(msg):
            started.append(True)
            return data(msg)

        smtp.data = watched_data
    return lambda: bool(started)


def sending_deliver(*, sending_id: int) -> SendingAttempt:
    """One delivery attempt of a sending if this caller can claim it; else nothing."""
    sending = sending_claim(sending_id=sending_id)
    if sending is None:
        return SendingAttempt(claimed=False)
    return sending_transmit(sending=sending)


def sending_transmit(*, sending: InvoiceSending) -> SendingAttempt:
    """Build the message of a claimed sending, hand it to the SMTP server, finish it.

    Sent; queued again with the error for a transient failure (`retry_in` says when);
    failed after the last attempt, on a permanent refusal, when the message cannot be
    built, or when the outcome is unknown (the connection broke after the data went out:
    a second copy is worse than a person checking, see docs/ARCHITECTURE.md).
    """
    sending_id = sending.pk
    try:
        message = sending_message(sending=sending)
    except Exception as exc:
        logger.exception("Sending %s cannot be built", sending_id)
        error = f"The message could not be built: {type(exc).__name__}: {exc}"
        return _finished(sending, SendingStatus.FAILED, error)
    try:
        _smtp_deliver(message)
    except _Undelivered as exc:
        logger.warning("Sending %s attempt %s failed: %s", sending_id, sending.attempts, exc)
        if exc.transient and sending.attempts < MAX_SEND_ATTEMPTS:
            sending_finish(sending=sending, status=SendingStatus.QUEUED, error=str(exc))
            return SendingAttempt(
                claimed=True,
                status=SendingStatus.QUEUED,
                retry_in=_retry_countdown(sending.attempts),
            )
        return _finished(sending, SendingStatus.FAILED, str(exc))
    except _OutcomeUnknown as exc:
        logger.error("Sending %s: delivery outcome unknown: %s", sending_id, exc)
        error = (
            f"The connection to the mail server broke after the message was handed over "
            f"({exc}); it may have been delivered. Check before sending it again."
        )
        return _finished(sending, SendingStatus.FAILED, error)
    return _finished(sending, SendingStatus.SENT)


def _finished(sending: InvoiceSending, status: str, error: str = "") -> SendingAttempt:
    sending_finish(sending=sending, status=status, error=error)
    return SendingAttempt(claimed=True, status=status)


def sendings_redispatch() -> list[int]:
    """The beat's sweep: which queued sendings to hand to the queue again.

    Stale queued sendings are touched (one conditional UPDATE each, so two sweeps at once
    take each only once) and answered for dispatch; a duplicate task is harmless, since
    only one worker can claim. Sendings stuck in `sending` are never dispatched again:
    they are marked failed with an explanation, for a person to decide.
    """
    now = timezone.now()
    stuck = InvoiceSending.objects.filter(
        status=SendingStatus.SENDING, claimed_at__lt=now - STUCK_SENDING_AFTER
    )
    for sending in stuck.only("pk", "attempts", "claimed_at"):
        given_up = InvoiceSending.objects.filter(
            pk=sending.pk, status=SendingStatus.SENDING, attempts=sending.attempts
        ).update(
            status=SendingStatus.FAILED,
            updated_at=now,
            error=(
                f"Attempt {sending.attempts} stopped after it was started at "
                f"{sending.claimed_at:%Y-%m-%d %H:%M:%S %Z}: it may have been delivered. "
                "Not sent again automatically; check before sending it again."
            ),
        )
        if given_up:
            logger.error("Sending %s was stuck in sending; marked failed", sending.pk)
    dispatch = []
    stale_ids = InvoiceSending.objects.filter(
        status=SendingStatus.QUEUED, updated_at__lt=now - STALE_QUEUED_AFTER
    ).values_list("pk", flat=True)
    for sending_id in list(stale_ids):
        if InvoiceSending.objects.filter(
            pk=sending_id, status=SendingStatus.QUEUED, updated_at__lt=now - STALE_QUEUED_AFTER
        ).update(updated_at=now):
            dispatch.append(sending_id)
    return dispatch
