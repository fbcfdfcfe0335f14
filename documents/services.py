"""Documents of invoices: render, store, validate, send."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import logging
import smtplib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage, get_connection
from django.core.mail.message import sanitize_address
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from documents import errors
from documents.adapters import invoice_document
from documents.data import InvoiceDocument
from documents.einvoice.cii import build_cii
from documents.einvoice.ubl import build_ubl
from documents.einvoice.validation import EInvoiceInvalid, errors_only, validate_cii, validate_ubl
from documents.models import InvoiceSending, SendingStatus, StoredDocument
from documents.renderers import RENDERERS, RenderedDocument, document_stem
from invoices.models import Invoice, InvoiceStatus

logger = logging.getLogger(__name__)


def _violations_details(violations) -> dict[str, Any]:
    return {
        "rules": sorted({v.rule_id for v in violations}),
        "violations": [{"rule": v.rule_id, "message": v.message} for v in violations[:20]],
    }


# The documents an issued invoice has, their media types and download names.
FORMATS = ("pdf", "ubl", "cii", "facturx")
MIMETYPES = {
    "pdf": "application/pdf",
    "ubl": "application/xml",
    "cii": "application/xml",
    "facturx": "application/pdf",
}
_SUFFIXES = {"pdf": ".pdf", "ubl": ".xml", "cii": "-cii.xml", "facturx": "-facturx.pdf"}


def document_filename(number: str | None, fmt: str) -> str:
    """``INV-2026-00042.pdf``, ``.xml`` (UBL), ``-cii.xml``, ``-facturx.pdf``."""
    return f"{document_stem(number)}{_SUFFIXES[fmt]}"


def invoice_document_render(*, invoice: Invoice, fmt: str) -> RenderedDocument:
    """A document of the invoice in `fmt` (pdf, ubl, cii, facturx).

    An issued invoice's documents are built once from its issue snapshot, validated,
    stored, and from then on served byte for byte as stored (`StoredDocument`),
    whatever happens to the invoice or the settings later. Drafts only have a PDF
    preview marked DRAFT, built from live data on every request.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown document format: {fmt!r}")
    if invoice.status == InvoiceStatus.DRAFT:
        if fmt != "pdf":
            raise errors.DocumentNotAvailable("Drafts have no e-invoice; issue the invoice first.")
        return _render(invoice, fmt)
    return stored_document_get_or_create(invoice=invoice, fmt=fmt)


def _render(invoice: Invoice, fmt: str, doc: InvoiceDocument | None = None) -> RenderedDocument:
    """Build (and for e-invoices validate) one document; nothing is stored."""
    doc = doc or invoice_document(invoice)
    try:
        return RENDERERS[fmt](doc)
    except EInvoiceInvalid as exc:
        logger.error("Invoice %s exports an invalid %s: %s", invoice.number, fmt, exc)
        raise errors.EInvoiceInvalid(details=_violations_details(exc.violations)) from exc


def _build(invoice: Invoice, fmt: str, doc: InvoiceDocument | None) -> RenderedDocument:
    doc = doc or invoice_document(invoice)
    if fmt != "facturx":
        return _render(invoice, fmt, doc)
    # The Factur-X carries the stored CII itself: both downloads hold the same XML.
    cii = stored_document_get_or_create(invoice=invoice, fmt="cii", doc=doc)
    return RENDERERS["facturx"](doc, cii_xml=cii.content)


def stored_document_get_or_create(
    *, invoice: Invoice, fmt: str, doc: InvoiceDocument | None = None
) -> RenderedDocument:
    """The stored document of an issued invoice; built, validated and stored on first need.

    Two first requests at once may both build, but only one file is ever kept: the
    unique (invoice, format) row decides, and the loser serves the winner's bytes.
    """
    if invoice.status == InvoiceStatus.DRAFT:
        raise errors.DocumentNotAvailable()
    row = StoredDocument.objects.filter(invoice_id=invoice.pk, format=fmt).first()
    if row is not None:
        return _read(row, invoice.number)
    rendered = _build(invoice, fmt, doc)
    content = rendered.content
    digest = hashlib.sha256(content).hexdigest()
    row = StoredDocument(invoice_id=invoice.pk, format=fmt, sha256=digest, size=len(content))
    row.file.save(document_filename(invoice.number, fmt), ContentFile(content), save=False)
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        row.file.delete(save=False)
        winner = StoredDocument.objects.filter(invoice_id=invoice.pk, format=fmt).first()
        if winner is None:
            raise
        return _read(winner, invoice.number)
    if fmt == "pdf":
        # A read copy for the admin and older readers; the row is the source of truth.
        Invoice.objects.filter(pk=invoice.pk).update(pdf_file=row.file.name)
    return RenderedDocument(document_filename(invoice.number, fmt), MIMETYPES[fmt], content, digest)


def stored_document_content(row: StoredDocument) -> bytes:
    """The stored bytes, checked against the recorded size and SHA-256.

    Raises `StoredDocumentCorrupt` when the file is missing or differs: a changed
    document is never served, and never silently replaced by a new build.
    """
    try:
        with row.file.storage.open(row.file.name, "rb") as stored:
            content = stored.read()
    except OSError as exc:
        logger.error("Stored %s of invoice %s is missing: %s", row.format, row.invoice_id, exc)
        raise errors.StoredDocumentCorrupt(
            details={"format": row.format, "problem": "missing"}
        ) from exc
    if len(content) != row.size or hashlib.sha256(content).hexdigest() != row.sha256:
        logger.critical(
            "Stored %s of invoice %s does not match its SHA-256 %s",
            row.format,
            row.invoice_id,
            row.sha256,
        )
        raise errors.StoredDocumentCorrupt(details={"format": row.format, "problem": "sha256"})
    return content


def _read(row: StoredDocument, number: str | None) -> RenderedDocument:
    return RenderedDocument(
        document_filename(number, row.format),
        MIMETYPES[row.format],
        stored_document_content(row),
        row.sha256,
    )


def invoice_documents_store(*, invoice: Invoice) -> list[str]:
    """Build and store every document of an issued invoice now (after issue).

    Answers the formats that could not be stored (each is retried on its first
    request); one failing format does not keep the others from being stored.
    """
    if invoice.status == InvoiceStatus.DRAFT:
        return list(FORMATS)
    doc = invoice_document(invoice)
    failed = []
    for fmt in FORMATS:
        try:
            stored_document_get_or_create(invoice=invoice, fmt=fmt, doc=doc)
        except Exception:
            logger.exception("Could not store the %s of invoice %s", fmt, invoice.pk)
            failed.append(fmt)
    return failed


def einvoice_check_issuable(
    *, invoice: Invoice, items: Sequence[Any], allowances_charges: Sequence[Any]
) -> None:
    """Issue-time gate (EINVOICE_VALIDATE_ON_ISSUE): refuse what would export invalid.

    Runs before the number is drawn, with a placeholder number of the same shape.
    """
    doc = invoice_document(
        invoice,
        items=list(items),
        allowances_charges=list(allowances_charges),
        number=f"{invoice.series}-PREVIEW",
    )
    violations = errors_only(validate_ubl(build_ubl(doc))) + errors_only(
        validate_cii(build_cii(doc))
    )
    if violations:
        from invoices.errors import InvoiceNotIssuable

        raise InvoiceNotIssuable(
            "The invoice would not produce a valid e-invoice.",
            code=errors.EINVOICE_INVALID,
            details=_violations_details(violations),
        )


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
    from documents.mail import default_subject

    if invoice.status == InvoiceStatus.DRAFT:
        raise errors.DocumentNotAvailable("Drafts cannot be sent; issue the invoice first.")
    recipients = list(to) or ([invoice.buyer.get("email")] if invoice.buyer.get("email") else [])
    if not recipients:
        raise errors.NoRecipient(details={"to": ["The customer has no e-mail address."]})
    sending = InvoiceSending.objects.create(
        invoice=invoice,
        sent_by=by,
        to=recipients,
        cc=list(cc),
        subject=subject or default_subject(invoice),
        message=message,
        attach_ubl=attach_ubl,
        pdf_format=pdf_format,
    )
    from documents.tasks import invoice_send_email

    # robust: with the broker (Redis) down the sending stays recorded as queued instead of
    # the request failing after its commit (and a retry queueing the e-mail twice).
    transaction.on_commit(lambda: invoice_send_email.delay(sending.pk), robust=True)
    return sending


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
    from documents.mail import build_invoice_email

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
