"""Background work of the documents app (Celery; eager in-process without a broker)."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings

from documents.rendering import documents_build_run, documents_builds_redispatch
from documents.sending import sending_deliver, sendings_redispatch

logger = logging.getLogger(__name__)


@shared_task(
    bind=True,
    ignore_result=True,
    max_retries=None,
    soft_time_limit=settings.DOCUMENTS_TASK_SOFT_TIME_LIMIT,
    time_limit=settings.DOCUMENTS_TASK_TIME_LIMIT,
)
def invoice_pdf_render(self, invoice_id: int) -> None:
    """Build and store every document of an issued invoice (PDF, UBL, CII, Factur-X)
    once, right after it is issued, from its issue snapshot (documents.rendering).

    Soft and hard time limits; the attempts are counted on the build row, which decides
    the last one (then `failed` with the reason, shown by `documents/`), with backoff
    60 s, 120 s, ... between them. The name is kept from when only the PDF was stored.
    """
    while True:
        retry_in = documents_build_run(invoice_id=invoice_id)
        if retry_in is None:
            return
        if not self.request.is_eager:
            raise self.retry(countdown=retry_in)


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


@shared_task(ignore_result=True)
def invoice_documents_redispatch() -> int:
    """Queue the documents builds that never reached a worker or lost theirs (Celery
    beat, every 5 minutes); a build past its last attempt is marked failed."""
    stale = documents_builds_redispatch()
    for invoice_id in stale:
        invoice_pdf_render.delay(invoice_id)
    if stale:
        logger.info("Re-queued the documents of %s invoice(s)", len(stale))
    return len(stale)
