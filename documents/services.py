"""Documents of invoices: render, store, validate, send."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Sequence
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction

from documents import errors
from documents.adapters import invoice_document
from documents.data import InvoiceDocument
from documents.einvoice.fields import field_for
from documents.einvoice.ubl import build_ubl
from documents.einvoice.validation import EInvoiceInvalid, Violation, ubl_errors
from documents.formatting import format_date, language_of
from documents.labels import labels_for
from documents.models import StoredDocument
from documents.renderers import RENDERERS, RenderedDocument, cii_is_facturx, document_stem
from invoices.models import Invoice, InvoiceStatus

logger = logging.getLogger(__name__)


MAX_LISTED_VIOLATIONS = 50


def _violations_details(
    violations: Sequence[Violation], syntax: str = "", profile: str = ""
) -> dict[str, Any]:
    """`details` of a refusal: every failed rule with its message and the field to fix.

    `violations` may be (syntax, violation) pairs when both syntaxes were checked; the
    same rule failing in UBL and CII at the same field is listed once.
    """
    listed: list[dict[str, Any]] = []
    seen: set[tuple[str, str | None]] = set()
    for item in violations:
        item_syntax, violation = item if isinstance(item, tuple) else (syntax, item)
        field = field_for(violation.rule_id, violation.location)
        if (violation.rule_id, field) in seen:
            continue
        seen.add((violation.rule_id, field))
        listed.append(
            {
                "rule": violation.rule_id,
                "message": violation.message,
                "field": field,
                "syntax": item_syntax,
            }
        )
    fields: dict[str, list[str]] = {}
    for entry in listed:
        if entry["field"]:
            fields.setdefault(entry["field"], []).append(entry["rule"])
    details: dict[str, Any] = {
        "rules": sorted({entry["rule"] for entry in listed}),
        "violations": listed[:MAX_LISTED_VIOLATIONS],
        "fields": fields,
    }
    if profile:
        details["profile"] = profile
    return details


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
        raise errors.EInvoiceInvalid(
            details=_violations_details(exc.violations, fmt, doc.profile)
        ) from exc


def _build(invoice: Invoice, fmt: str, doc: InvoiceDocument | None) -> RenderedDocument:
    doc = doc or invoice_document(invoice)
    if fmt != "facturx" or not cii_is_facturx(doc):
        return _render(invoice, fmt, doc)
    # The Factur-X carries the stored CII itself: both downloads hold the same XML.
    # (An XRechnung CII is not Factur-X: that Factur-X builds its own EN 16931 CII.)
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


def payment_terms_default(*, due_date: dt.date, language: str) -> str:
    """BT-20 when an invoice gives none: "Payable without deduction by 31 May 2026."."""
    lang = language_of(language)
    return labels_for(lang)["payment_terms_default"].format(date=format_date(due_date, lang))


def einvoice_issue_violations(doc: InvoiceDocument) -> list[tuple[str, Violation]]:
    """The (syntax, error) pairs that refuse an issue: the UBL's, in the document's profile."""
    found = ubl_errors(build_ubl(doc), doc.profile)
    return [("ubl", violation) for violation in found]


def einvoice_check_issuable(
    *, invoice: Invoice, items: Sequence[Any], allowances_charges: Sequence[Any]
) -> None:
    """Issue-time gate (EINVOICE_VALIDATE_ON_ISSUE): refuse what would export invalid.

    Runs before the number is drawn, with a placeholder number of the same shape: the
    UBL in the invoice's profile (the buyer snapshot's) against its XSD, the EN 16931
    rules and the profile's rules. Each failure names the field to fix.

    The UBL alone: the CII states the same business terms from the same document, and
    every rule that the invoice's data can break has a UBL twin with the same id (BR-*,
    BR-DE-*, PEPPOL-EN16931-*); checking the CII too cost 2-3x (the drafthorse build
    and the Factur-X schematron), beyond the 15 ms budget of an issue.
    ``test_einvoice_issue_check`` shows on the profile matrix that no CII fails where
    its UBL passes; the CII is still validated whenever it is built.
    """
    doc = invoice_document(
        invoice,
        items=list(items),
        allowances_charges=list(allowances_charges),
        number=f"{invoice.series}-PREVIEW",
    )
    violations = einvoice_issue_violations(doc)
    if violations:
        raise errors.EInvoiceInvalid(
            "The invoice would not produce a valid e-invoice in its profile "
            f"({doc.profile}); nothing was issued.",
            details=_violations_details(violations, profile=doc.profile),
        )
