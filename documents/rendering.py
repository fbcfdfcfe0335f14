"""Bounded document work: what a web request may build, and the Celery build's states.

A web request builds a document only for a small invoice (`DOCUMENTS_INLINE_MAX_LINES`:
a draft's preview, or an issued invoice's document not stored yet), and only while one
of the host's `DOCUMENTS_INLINE_SLOTS` is free (else 503 `busy` at once, so a burst of
previews never holds every gunicorn worker). Larger issued invoices are built by the
Celery task (`documents.tasks.invoice_pdf_render`, soft and hard time limits) and
answer 409 `document_pending` until it stored them, or 409 `document_failed` with the
reason after its last attempt. Stored documents are always served as stored.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import logging
import tempfile
from collections.abc import Iterator
from pathlib import Path

from celery import current_app
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db.models import F
from django.utils import timezone

from common import metrics
from common.exceptions import BusinessException
from documents import services
from documents.adapters import invoice_document
from documents.models import DocumentsBuild, DocumentsStatus, StoredDocument
from documents.renderers import RenderedDocument
from invoices.models import Invoice, InvoiceItem, InvoiceStatus

logger = logging.getLogger(__name__)
# The task (documents.tasks) calls this module, so it is queued by its name here.
BUILD_TASK = "documents.tasks.invoice_pdf_render"
# A build started this long ago and still pending lost its worker (hard time limit,
# memory cap, a crash): it counts as a failed attempt.
_LOST_AFTER_MARGIN = dt.timedelta(seconds=60)
# A pending build nobody started (its task never reached the broker) is queued again.
_UNSTARTED_AFTER = dt.timedelta(minutes=5)
# Issued invoices the sweep looks at: the after-issue task runs within minutes.
_SWEEP_WINDOW = dt.timedelta(days=30)


class PreviewTooLarge(BusinessException):
    default_code = "preview_too_large"
    default_message = "The draft is too large for a preview; issue it to get its PDF."


class DocumentPending(BusinessException):
    default_code = "document_pending"
    default_message = "The document is being built; try again shortly."


class DocumentFailed(BusinessException):
    default_code = "document_failed"
    default_message = "The document could not be built."


class RenderBusy(BusinessException):
    status_code = 503
    default_code = "busy"
    default_message = "Documents are being built right now; try again in a few seconds."


def _slot_dir() -> Path:
    path = Path(settings.DOCUMENTS_SLOT_DIR or tempfile.gettempdir()) / "billing-render"
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextlib.contextmanager
def render_slot() -> Iterator[None]:
    """One of the host's inline render slots (a file lock each), or RenderBusy at once."""
    directory = _slot_dir()
    for number in range(max(1, settings.DOCUMENTS_INLINE_SLOTS)):
        handle = open(directory / f"slot-{number}.lock", "a+b")  # noqa: SIM115
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            continue
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
            handle.close()
        return
    raise RenderBusy(details={"retry_after_seconds": 5})


def _line_count(invoice: Invoice) -> int:
    return InvoiceItem.objects.filter(invoice_id=invoice.pk).count()


def invoice_document_serve(*, invoice: Invoice, fmt: str) -> RenderedDocument:
    """The document for a download: stored bytes, or a bounded build, or 409/503."""
    if fmt not in services.FORMATS:
        raise ValueError(f"unknown document format: {fmt!r}")
    limit = settings.DOCUMENTS_INLINE_MAX_LINES
    if invoice.status == InvoiceStatus.DRAFT:
        if fmt == "pdf" and _line_count(invoice) > limit:
            raise PreviewTooLarge(details={"max_lines": limit})
        if fmt != "pdf":
            return services.invoice_document_render(invoice=invoice, fmt=fmt)
        with render_slot():
            return services.invoice_document_render(invoice=invoice, fmt=fmt)
    if StoredDocument.objects.filter(invoice_id=invoice.pk, format=fmt).exists():
        return services.invoice_document_render(invoice=invoice, fmt=fmt)
    if _line_count(invoice) <= limit:
        with render_slot():
            return services.invoice_document_render(invoice=invoice, fmt=fmt)
    build = DocumentsBuild.objects.filter(invoice_id=invoice.pk).first()
    if build is not None and build.status == DocumentsStatus.FAILED:
        raise DocumentFailed(details={"error": build.error, "attempts": build.attempts})
    if build is None:
        documents_build_queue(invoice_id=invoice.pk)
    raise DocumentPending(details={"retry_after_seconds": 30})


def documents_build_queue(*, invoice_id: int) -> None:
    """Record the build (pending) and hand it to the queue; a lost publish is picked up by
    the beat (`documents_builds_redispatch`)."""
    DocumentsBuild.objects.get_or_create(invoice_id=invoice_id)
    if current_app.conf.task_always_eager:
        return  # no worker: never build a large invoice inside this request
    try:
        current_app.signature(BUILD_TASK, args=(invoice_id,)).delay()
    except Exception:
        logger.warning("Documents of invoice %s not queued; the beat will", invoice_id)


def documents_build_claim(*, invoice_id: int) -> DocumentsBuild | None:
    """pending and not started → started (attempt + 1), in one conditional UPDATE."""
    DocumentsBuild.objects.get_or_create(invoice_id=invoice_id)
    now = timezone.now()
    won = DocumentsBuild.objects.filter(
        invoice_id=invoice_id, status=DocumentsStatus.PENDING, started_at__isnull=True
    ).update(attempts=F("attempts") + 1, started_at=now, updated_at=now)
    if not won:
        return None
    return DocumentsBuild.objects.get(invoice_id=invoice_id)


def documents_build_run(*, invoice_id: int) -> int | None:
    """One attempt at every document of an issued invoice; answers the retry countdown
    (seconds) when it should be tried again, None when done (stored, failed or nothing
    to do)."""
    invoice = Invoice.objects.filter(pk=invoice_id).first()
    if invoice is None or invoice.status == InvoiceStatus.DRAFT:
        return None
    build = documents_build_claim(invoice_id=invoice_id)
    if build is None:
        return None
    problems: list[str] = []
    try:
        doc = invoice_document(invoice)
        for fmt in services.FORMATS:
            try:
                services.stored_document_get_or_create(invoice=invoice, fmt=fmt, doc=doc)
            except SoftTimeLimitExceeded:
                raise
            except Exception as exc:
                logger.exception("Could not store the %s of invoice %s", fmt, invoice_id)
                problems.append(f"{fmt}: {type(exc).__name__}: {exc}")
    except SoftTimeLimitExceeded:
        problems.append(
            f"stopped after {settings.DOCUMENTS_TASK_SOFT_TIME_LIMIT} s "
            "(DOCUMENTS_TASK_SOFT_TIME_LIMIT)"
        )
    if not problems:
        _finish(build, DocumentsStatus.STORED)
        return None
    error = "; ".join(problems)[:2000]
    if build.attempts < settings.DOCUMENTS_TASK_MAX_ATTEMPTS:
        _finish(build, DocumentsStatus.PENDING, error)
        return min(1800, settings.DOCUMENTS_TASK_RETRY_SECONDS * 2 ** (build.attempts - 1))
    logger.error("Documents of invoice %s failed after %s attempts", invoice_id, build.attempts)
    metrics.documents_failed.inc()
    _finish(build, DocumentsStatus.FAILED, error)
    return None


def _finish(build: DocumentsBuild, status: str, error: str = "") -> None:
    DocumentsBuild.objects.filter(pk=build.pk, attempts=build.attempts).update(
        status=status, error=error, started_at=None, updated_at=timezone.now()
    )


def documents_builds_redispatch() -> list[int]:
    """The beat's sweep: the invoices whose documents to queue again.

    Builds whose worker was lost (time limit, memory cap, crash) count as a failed
    attempt (failed after the last); builds never started are queued again; issued
    invoices whose after-issue task never created a build get one.
    """
    now = timezone.now()
    lost_before = now - dt.timedelta(seconds=settings.DOCUMENTS_TASK_TIME_LIMIT)
    lost_before -= _LOST_AFTER_MARGIN
    lost = DocumentsBuild.objects.filter(status=DocumentsStatus.PENDING, started_at__lt=lost_before)
    for build in lost.only("pk", "attempts", "invoice_id"):
        last = build.attempts >= settings.DOCUMENTS_TASK_MAX_ATTEMPTS
        DocumentsBuild.objects.filter(pk=build.pk, attempts=build.attempts).update(
            status=DocumentsStatus.FAILED if last else DocumentsStatus.PENDING,
            started_at=None,
            updated_at=now,
            error=(
                f"Attempt {build.attempts} stopped without finishing "
                "(time limit, memory cap or a lost worker)."
            ),
        )
    if settings.DOCUMENTS_STORE_AFTER_ISSUE:
        missing = (
            Invoice.objects.exclude(status=InvoiceStatus.DRAFT)
            .filter(issued_at__gte=now - _SWEEP_WINDOW, issued_at__lt=now - _UNSTARTED_AFTER)
            .filter(documents_build__isnull=True)
            .exclude(stored_documents__format="facturx")
            .values_list("pk", flat=True)
        )
        DocumentsBuild.objects.bulk_create(
            [DocumentsBuild(invoice_id=pk) for pk in missing[:500]], ignore_conflicts=True
        )
    stale = DocumentsBuild.objects.filter(
        status=DocumentsStatus.PENDING,
        started_at__isnull=True,
        updated_at__lt=now - _UNSTARTED_AFTER,
    )
    dispatch = []
    for invoice_id in list(stale.values_list("invoice_id", flat=True)[:500]):
        if DocumentsBuild.objects.filter(
            invoice_id=invoice_id, status=DocumentsStatus.PENDING, started_at__isnull=True
        ).update(updated_at=now):
            dispatch.append(invoice_id)
    return dispatch


def documents_build_state(*, invoice: Invoice) -> dict:
    """What `GET /api/invoices/{id}/documents/` answers."""
    stored = sorted(
        StoredDocument.objects.filter(invoice_id=invoice.pk).values_list("format", flat=True)
    )
    build = DocumentsBuild.objects.filter(invoice_id=invoice.pk).first()
    if invoice.status == InvoiceStatus.DRAFT:
        status = "draft"
    elif set(stored) >= set(services.FORMATS):
        status = DocumentsStatus.STORED.value
    else:
        status = build.status if build is not None else DocumentsStatus.PENDING.value
    return {
        "status": status,
        "stored": stored,
        "attempts": build.attempts if build is not None else 0,
        "error": build.error if build is not None else "",
        "updated_at": build.updated_at.isoformat() if build is not None else None,
    }
