"""Documents of invoices: render, store, validate, send."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import transaction

from accounts.models import User
from documents import errors
from documents.adapters import invoice_document
from documents.einvoice.cii import build_cii
from documents.einvoice.ubl import build_ubl
from documents.einvoice.validation import EInvoiceInvalid, errors_only, validate_cii, validate_ubl
from documents.models import InvoiceSending
from documents.renderers import RENDERERS, RenderedDocument, document_stem
from invoices.models import Invoice, InvoiceStatus

logger = logging.getLogger(__name__)


def _violations_details(violations) -> dict[str, Any]:
    return {
        "rules": sorted({v.rule_id for v in violations}),
        "violations": [{"rule": v.rule_id, "message": v.message} for v in violations[:20]],
    }


def invoice_document_render(*, invoice: Invoice, fmt: str) -> RenderedDocument:
    """A document of the invoice in `fmt` (pdf, ubl, facturx).

    Issued PDFs come from storage (rendered once: the invoice is immutable); drafts
    only have a PDF preview marked DRAFT.
    """
    if invoice.status == InvoiceStatus.DRAFT and fmt != "pdf":
        raise errors.DocumentNotAvailable("Drafts have no e-invoice; issue the invoice first.")
    if fmt == "pdf" and invoice.status != InvoiceStatus.DRAFT:
        return invoice_pdf_stored(invoice=invoice)
    if invoice.status == InvoiceStatus.DRAFT:
        return _render(invoice, fmt)
    key = document_cache_key(invoice, fmt)
    cached = _cache_get(key)
    if cached is not None:
        return RenderedDocument(*cached)
    rendered = _render(invoice, fmt)
    _cache_set(key, (rendered.filename, rendered.mimetype, rendered.content))
    return rendered


def _render(invoice: Invoice, fmt: str) -> RenderedDocument:
    doc = invoice_document(invoice)
    try:
        return RENDERERS[fmt](doc)
    except EInvoiceInvalid as exc:
        logger.error("Invoice %s exports an invalid %s: %s", invoice.number, fmt, exc)
        raise errors.EInvoiceInvalid(details=_violations_details(exc.violations)) from exc


# An issued invoice changes only through saves, which move `updated_at` (payments, void,
# a new public link); the key also carries a digest of the code that builds documents,
# so a deployment never serves what an older version built. Then the validated bytes of
# one version can be served again: building and validating a UBL file takes ~10 ms.
DOCUMENT_CACHE_SECONDS = 24 * 3600
_CODE_DIGEST = hashlib.sha256(
    b"".join(
        path.read_bytes()
        for folder in (Path(__file__).parent, Path(__file__).parent / "einvoice")
        for path in sorted(folder.glob("*.py"))
    )
).hexdigest()[:16]


def document_cache_key(invoice: Invoice, fmt: str) -> str:
    return f"document:{_CODE_DIGEST}:{fmt}:{invoice.pk}:{invoice.updated_at.isoformat()}"


def _cache_get(key: str) -> Any:
    try:
        return cache.get(key)
    except Exception:  # the cache is down: build the document
        logger.warning("Cache unavailable; document built anew", exc_info=True)
        return None


def _cache_set(key: str, value: Any) -> None:
    try:
        cache.set(key, value, DOCUMENT_CACHE_SECONDS)
    except Exception:
        logger.warning("Cache unavailable; document not kept", exc_info=True)


def invoice_pdf_stored(*, invoice: Invoice) -> RenderedDocument:
    """The stored PDF of an issued invoice; rendered and stored on first need.

    A void invoice is rendered anew: its stored copy predates the VOID mark.
    """
    if invoice.status == InvoiceStatus.VOID:
        return RENDERERS["pdf"](invoice_document(invoice))
    if invoice.pdf_file:
        try:
            with invoice.pdf_file.open("rb") as stored:
                content = stored.read()
            return RenderedDocument(_pdf_name(invoice), "application/pdf", content)
        except FileNotFoundError:
            logger.warning("Stored PDF of %s missing; rendering again", invoice.number)
    return invoice_pdf_store(invoice=invoice)


def _pdf_name(invoice: Invoice) -> str:
    return f"{document_stem(invoice.number)}.pdf"


def invoice_pdf_store(*, invoice: Invoice) -> RenderedDocument:
    rendered = RENDERERS["pdf"](invoice_document(invoice))
    if invoice.status == InvoiceStatus.DRAFT:
        return rendered
    invoice.pdf_file.save(rendered.filename, ContentFile(rendered.content), save=False)
    Invoice.objects.filter(pk=invoice.pk).update(pdf_file=invoice.pdf_file.name)
    return rendered


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
    """Queue one e-mail of the invoice; the task sends it after commit, exactly once."""
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
