"""Background work of the documents app (Celery; eager in-process without a broker)."""

from __future__ import annotations

import datetime as dt
import logging
import smtplib

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from documents.models import InvoiceSending, SendingStatus

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def invoice_pdf_render(invoice_id: int) -> None:
    """Build and store every document of an issued invoice (PDF, UBL, CII, Factur-X)
    once, right after it is issued, from its issue snapshot.

    The name is kept from when only the PDF was stored (invoices.services queues it).
    """
    from documents.services import invoice_documents_store
    from invoices.models import Invoice

    invoice = Invoice.objects.filter(pk=invoice_id).first()
    if invoice is None or invoice.status == "draft":
        return
    try:
        invoice_documents_store(invoice=invoice)
    except Exception:
        # Not fatal: each document endpoint builds and stores on first request.
        logger.exception("Could not pre-render the documents of invoice %s", invoice_id)


MAX_SEND_ATTEMPTS = 6
TRANSIENT_ERRORS = (smtplib.SMTPException, ConnectionError, TimeoutError)


def _attempt(sending_id: int, *, final: bool) -> bool:
    """One delivery attempt; True when the message is out (now or earlier)."""
    from documents.mail import build_invoice_email

    with transaction.atomic():
        sending = InvoiceSending.objects.select_for_update().get(pk=sending_id)
        if sending.status == SendingStatus.SENT:
            return True
        sending.attempts += 1
        sending.save(update_fields=["attempts", "updated_at"])
    try:
        build_invoice_email(sending).send(fail_silently=False)
    except TRANSIENT_ERRORS as exc:
        InvoiceSending.objects.filter(pk=sending_id).update(
            status=SendingStatus.FAILED if final else SendingStatus.QUEUED,
            error=f"{type(exc).__name__}: {exc}",
            updated_at=timezone.now(),
        )
        logger.warning("Sending %s failed (attempt %s): %s", sending_id, sending.attempts, exc)
        return False
    InvoiceSending.objects.filter(pk=sending_id).update(
        status=SendingStatus.SENT, sent_at=timezone.now(), error="", updated_at=timezone.now()
    )
    return True


@shared_task(bind=True, ignore_result=True, max_retries=MAX_SEND_ATTEMPTS - 1)
def invoice_send_email(self, sending_id: int) -> None:
    """Send one queued e-mail; a sending already marked sent is never sent again.

    SMTP failures are retried with exponential backoff (30 s, 60 s, ... up to 10 min).
    Without a broker (eager mode) the attempts run back to back in-process.
    """
    if self.request.is_eager:
        for attempt in range(1, MAX_SEND_ATTEMPTS + 1):
            if _attempt(sending_id, final=attempt == MAX_SEND_ATTEMPTS):
                return
        return
    final = self.request.retries >= self.max_retries
    if not _attempt(sending_id, final=final) and not final:
        raise self.retry(countdown=min(600, 30 * 2**self.request.retries))


# A sending still queued this long after its request never reached a worker (the broker
# was down at commit time): hand it to the queue again. Sending twice is impossible:
# a sending already marked sent is skipped under a row lock.
STALE_QUEUED_AFTER = dt.timedelta(minutes=10)


@shared_task(ignore_result=True)
def invoice_sendings_redispatch() -> int:
    """Re-queue stale queued sendings (Celery beat runs this every 10 minutes)."""
    cutoff = timezone.now() - STALE_QUEUED_AFTER
    stale = list(
        InvoiceSending.objects.filter(
            status=SendingStatus.QUEUED, updated_at__lt=cutoff
        ).values_list("id", flat=True)
    )
    for sending_id in stale:
        InvoiceSending.objects.filter(pk=sending_id).update(updated_at=timezone.now())
        invoice_send_email.delay(sending_id)
    if stale:
        logger.info("Re-queued %s stale sending(s)", len(stale))
    return len(stale)
