"""One renderer per format behind one interface: `InvoiceDocument -> RenderedDocument`."""

from __future__ import annotations

import re
from collections.abc import Callable

from documents.data import InvoiceDocument
from documents.einvoice.cii import build_cii
from documents.einvoice.codes import EN16931, XRECHNUNG
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
    """UBL 2.1 Invoice/CreditNote in the document's profile, checked against XSD, the
    EN 16931 rules and the profile's (Peppol BIS 3.0, XRechnung 3.0)."""
    xml = build_ubl(doc)
    assert_valid_ubl(xml, doc.profile)
    return RenderedDocument(f"{_stem(doc)}.xml", "application/xml", xml)


def render_cii(doc: InvoiceDocument) -> RenderedDocument:
    """The CII XML alone (XRechnung CII, or Factur-X EN 16931), checked the same way."""
    xml = build_cii(doc)
    assert_valid_cii(xml, doc.profile)
    return RenderedDocument(f"{_stem(doc)}-cii.xml", "application/xml", xml)


def facturx_cii(doc: InvoiceDocument) -> bytes:
    """The Factur-X EN 16931 CII of a document whose CII download is another (XRechnung)."""
    xml = build_cii(doc, facturx=True)
    assert_valid_cii(xml, EN16931)
    return xml


def cii_is_facturx(doc: InvoiceDocument) -> bool:
    """Whether the CII download of the document is the Factur-X one (to embed as is)."""
    return doc.profile != XRECHNUNG


def render_facturx(doc: InvoiceDocument, *, cii_xml: bytes | None = None) -> RenderedDocument:
    """PDF/A-3b with the validated CII XML embedded as factur-x.xml (profile EN 16931).

    `cii_xml`: an already validated Factur-X CII of the same document (the stored one),
    embedded as it is, so the Factur-X carries the very bytes the CII download serves.
    """
    if cii_xml is None:
        cii_xml = render_cii(doc).content if cii_is_facturx(doc) else facturx_cii(doc)
    xml = cii_xml
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
