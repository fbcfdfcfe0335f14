"""Background work of the documents app (Celery; eager in-process without a broker)."""

from __future__ import annotations

import logging

from celery import shared_task

from documents.sending import sending_deliver, sendings_redispatch
from documents.services import invoice_documents_store
from invoices.models import Invoice

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def invoice_pdf_render(invoice_id: int) -> None:
    """Build and store every document of an issued invoice (PDF, UBL, CII, Factur-X)
    once, right after it is issued, from its issue snapshot.

    The name is kept from when only the PDF was stored (invoices.services queues it).
    """
    invoice = Invoice.objects.filter(pk=invoice_id).first()
    if invoice is None or invoice.status == "draft":
        return
    try:
        invoice_documents_store(invoice=invoice)
    except Exception:
        # Not fatal: each document endpoint builds and stores on first request.
        logger.exception("Could not pre-render the documents of invoice %s", invoice_id)


@shared_task(bind=True, ignore_result=True, max_retries=None)
def invoice_send_email(self, sending_id: int) -> None:
    """One delivery attempt of a sending (documents.sending.sending_deliver).

    The state machine decides everything: a sending this worker cannot claim (sent,
    failed, or being sent by another worker) is left alone, and the attempt count on the
    row, not this task's retries, decides the last attempt. Transient SMTP failures come
    back with exponential backoff (30 s, 60 s, ... 480 s). Without a broker (eager mode)
    the attempts run back to back in-process.
    """
    while True:
        attempt = sending_deliver(sending_id=sending_id)
        if attempt.retry_in is None:
            return
        if not self.request.is_eager:
            raise self.retry(countdown=attempt.retry_in)


@shared_task(ignore_result=True)
def invoice_sendings_redispatch() -> int:
    """Hand stale queued sendings to the queue again (Celery beat, every 10 minutes);
    sendings stuck mid-attempt are marked failed instead (documents.sending)."""
    stale = sendings_redispatch()
    for sending_id in stale:
        invoice_send_email.delay(sending_id)
    if stale:
        logger.info("Re-queued %s stale sending(s)", len(stale))
    return len(stale)
