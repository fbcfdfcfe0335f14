"""One renderer per format behind one interface: `InvoiceDocument -> RenderedDocument`."""

from __future__ import annotations

import re
from collections.abc import Callable

from documents.data import InvoiceDocument
from documents.einvoice.cii import build_cii
from documents.einvoice.facturx import embed_cii_in_pdf
from documents.einvoice.ubl import build_ubl
from documents.einvoice.validation import assert_valid_cii, assert_valid_ubl
from documents.pdf import RenderedDocument, render_invoice_pdf, render_pdf

__all__ = [
    "RENDERERS",
    "RenderedDocument",
    "document_stem",
    "render_cii",
    "render_facturx",
    "render_pdf",
    "render_ubl",
]


def document_stem(number: str | None) -> str:
    """A file-name-safe stem from an invoice number ("INV/2026/1" → "INV-2026-1")."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", number or "draft").strip(".-") or "invoice"


def _stem(doc: InvoiceDocument) -> str:
    return document_stem(doc.number)


def render_ubl(doc: InvoiceDocument) -> RenderedDocument:
    """UBL 2.1 Invoice/CreditNote (Peppol BIS 3.0), checked against XSD and schematron."""
    xml = build_ubl(doc)
    assert_valid_ubl(xml)
    return RenderedDocument(f"{_stem(doc)}.xml", "application/xml", xml)


def render_cii(doc: InvoiceDocument) -> RenderedDocument:
    """The CII XML alone (Factur-X EN 16931), checked against XSD and schematron."""
    xml = build_cii(doc)
    assert_valid_cii(xml)
    return RenderedDocument(f"{_stem(doc)}-cii.xml", "application/xml", xml)


def render_facturx(doc: InvoiceDocument, *, cii_xml: bytes | None = None) -> RenderedDocument:
    """PDF/A-3b with the validated CII XML embedded as factur-x.xml (profile EN 16931).

    `cii_xml`: an already validated CII of the same document (the stored one), embedded
    as it is, so the Factur-X carries the very bytes the CII download serves.
    """
    xml = cii_xml if cii_xml is not None else render_cii(doc).content
    pdf = render_invoice_pdf(doc, pdf_variant="pdf/a-3b")
    content = embed_cii_in_pdf(pdf, xml, lang=doc.language)
    return RenderedDocument(f"{_stem(doc)}-facturx.pdf", "application/pdf", content)


# Each takes an InvoiceDocument (Factur-X also an optional `cii_xml`).
RENDERERS: dict[str, Callable[..., RenderedDocument]] = {
    "pdf": render_pdf,
    "ubl": render_ubl,
    "cii": render_cii,
    "facturx": render_facturx,
}
