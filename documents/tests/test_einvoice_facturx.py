"""Factur-X: the CII XML embedded in a PDF/A-3 made by WeasyPrint."""

from __future__ import annotations

import io

import facturx
import pytest
from pypdf import PdfReader

from documents.einvoice.cii import build_cii
from documents.einvoice.facturx import embed_cii_in_pdf
from documents.einvoice.validation import assert_valid_cii
from documents.tests import einvoice_factories as factories

weasyprint = pytest.importorskip("weasyprint")


@pytest.fixture(scope="module")
def pdf_a3() -> bytes:
    html = "<html><head><title>Invoice</title></head><body><h1>Invoice</h1></body></html>"
    return weasyprint.HTML(string=html).write_pdf(pdf_variant="pdf/a-3b")


@pytest.mark.parametrize("name", ["standard", "credit_note"])
def test_embedded_xml_round_trips(pdf_a3: bytes, name: str) -> None:
    xml = build_cii(factories.SCENARIOS[name]())
    assert_valid_cii(xml)
    result = embed_cii_in_pdf(pdf_a3, xml, lang="en")
    filename, extracted = facturx.get_xml_from_pdf(result, check_xsd=True)
    assert filename == "factur-x.xml"
    assert extracted == xml


def test_pdf_carries_factur_x_xmp_and_attachment(pdf_a3: bytes) -> None:
    xml = build_cii(factories.standard_invoice())
    result = embed_cii_in_pdf(pdf_a3, xml, lang="de-DE")
    reader = PdfReader(io.BytesIO(result))
    assert len(reader.pages) == 1
    assert list(reader.attachments) == ["factur-x.xml"]
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode("utf-8")
    assert "<pdfaid:part>3</pdfaid:part>" in xmp
    assert "<fx:ConformanceLevel>EN 16931</fx:ConformanceLevel>" in xmp
    assert "<fx:DocumentFileName>factur-x.xml</fx:DocumentFileName>" in xmp
    assert str(reader.trailer["/Root"]["/Lang"]) == "de-DE"


def test_xml_failing_the_xsd_is_refused(pdf_a3: bytes) -> None:
    xml = build_cii(factories.standard_invoice()).replace(
        b"<ram:TypeCode>380</ram:TypeCode>", b"<ram:Bogus>380</ram:Bogus>"
    )
    with pytest.raises(Exception, match=r"(?i)xsd|schema"):
        embed_cii_in_pdf(pdf_a3, xml)
