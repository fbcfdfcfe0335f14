"""Factur-X: the CII XML embedded in a PDF/A-3 invoice, with the Factur-X XMP metadata."""

from __future__ import annotations

import facturx

FACTURX_LEVEL = "en16931"


def embed_cii_in_pdf(pdf_a3_bytes: bytes, cii_xml: bytes, *, lang: str = "en") -> bytes:
    """A Factur-X PDF: ``pdf_a3_bytes`` (already PDF/A-3) plus ``factur-x.xml``.

    The factur-x package checks the XML against the EN 16931 XSD and raises on failure;
    the schematron is the caller's business (``validation.assert_valid_cii``).
    """
    return facturx.generate_from_binary(
        pdf_a3_bytes,
        cii_xml,
        flavor="factur-x",
        level=FACTURX_LEVEL,
        check_xsd=True,
        lang=lang,
    )
