"""The EPC QR code ("GiroCode", EPC069-12), decoded back with zxing-cpp field by field.

Where the code is drawn: the PDF (amount due at issue), the customer's page and the
HTML e-mail (the live amount due). Nowhere for other currencies, without an IBAN, for
credit notes, or once nothing is due.
"""

from __future__ import annotations

import base64
import dataclasses
import io
import re
from decimal import Decimal

import pypdf
import pytest
import zxingcpp
from PIL import Image

from documents.epc_qr import epc_payment
from documents.html import render_invoice_html
from documents.pdf import render_invoice_pdf
from documents.tests import pdf_samples as samples

EPC_FIELDS = (
    "service_tag",
    "version",
    "charset",
    "identification",
    "bic",
    "name",
    "iban",
    "amount",
    "purpose",
    "reference",
    "text",
)


# EPC069-12's character sets, numbered from 1.
CHARSETS = (
    "utf-8",
    "iso-8859-1",
    "iso-8859-2",
    "iso-8859-4",
    "iso-8859-5",
    "iso-8859-7",
    "iso-8859-10",
    "iso-8859-15",
)


def decode(png: bytes) -> dict[str, str]:
    """The one QR code of a PNG, split into the EPC069-12 fields."""
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)).convert("L"))
    assert [result.format for result in results] == [zxingcpp.BarcodeFormat.QRCode]
    # As a banking app reads it: the raw bytes in the charset that line 3 names.
    raw = bytes(results[0].bytes)
    charset = int(raw.split(b"\n")[2])
    lines = raw.decode(CHARSETS[charset - 1]).split("\n")
    return dict(zip(EPC_FIELDS, lines + [""] * (len(EPC_FIELDS) - len(lines)), strict=True))


def expected(amount: str, **changes: str) -> dict[str, str]:
    fields = {
        "service_tag": "BCD",
        "version": "002",
        "charset": "2",  # ISO 8859-1: "Müller & Söhne" fits it
        "identification": "SCT",
        "bic": samples.BIC,
        "name": samples.SELLER.name,
        "iban": samples.IBAN,
        "amount": f"EUR{amount}",
        "purpose": "",
        "reference": "",
        "text": "INV-2026-00042",
    }
    fields.update(changes)
    return fields


def page_qr(page: str) -> bytes | None:
    found = re.findall(r'<img src="data:image/png;base64,([^"]+)"', page)
    assert len(found) <= 1
    return base64.b64decode(found[0]) if found else None


def test_every_field_of_the_payload() -> None:
    payment = epc_payment(samples.ten_line_invoice(), Decimal("4287.31"))
    assert payment is not None
    assert decode(payment.png()) == expected("4287.31")


def test_the_pdf_carries_the_amount_due_at_issue() -> None:
    pdf = render_invoice_pdf(samples.ten_line_invoice())
    images = [image for page in pypdf.PdfReader(io.BytesIO(pdf)).pages for image in page.images]
    assert len(images) == 1
    buffer = io.BytesIO()
    images[0].image.save(buffer, format="PNG")
    assert decode(buffer.getvalue()) == expected("4287.31")


def test_the_page_carries_the_live_amount_due() -> None:
    from documents.tests.test_html_page import _live

    live = _live("partially_paid", paid_total="1000.00", amount_due="3287.31")
    page = render_invoice_html(samples.ten_line_invoice(), download_links={}, live=live)
    qr = page_qr(page)
    assert qr is not None
    assert decode(qr) == expected("3287.31")
    paid = _live("paid", paid_total="4287.31")
    assert (
        page_qr(render_invoice_html(samples.ten_line_invoice(), download_links={}, live=paid))
        is None
    )
    void = _live("void", credited_total="4287.31", amount_due="4287.31")
    assert (
        page_qr(render_invoice_html(samples.ten_line_invoice(), download_links={}, live=void))
        is None
    )


def test_a_name_outside_latin_1_keeps_its_letters_and_is_cut_to_70_characters() -> None:
    base = samples.ten_line_invoice()
    name = "Łódź Spółka " + "x" * 80
    doc = dataclasses.replace(base, seller=dataclasses.replace(base.seller, name=name))
    payment = epc_payment(doc, Decimal("10.50"))
    assert payment is not None
    assert decode(payment.png()) == expected("10.5", charset="3", name=name[:70])  # ISO 8859-2


@pytest.mark.parametrize(
    "change",
    [
        {"currency": "USD"},
        {"payment_iban": ""},
        {"kind": "credit_note"},
        {"status": "draft", "number": None},
    ],
    ids=["usd", "no-iban", "credit-note", "draft"],
)
def test_no_code_where_no_transfer_belongs(change: dict) -> None:
    doc = dataclasses.replace(samples.ten_line_invoice(), **change)
    assert epc_payment(doc, Decimal("100.00")) is None
    context_pdf = render_invoice_pdf(doc)
    assert not [
        img for page in pypdf.PdfReader(io.BytesIO(context_pdf)).pages for img in page.images
    ]


@pytest.mark.parametrize("amount", ["0", "-1.00", "1000000000.00"])
def test_no_code_for_an_amount_a_transfer_cannot_carry(amount: str) -> None:
    assert epc_payment(samples.ten_line_invoice(), Decimal(amount)) is None


def test_the_pdf_a_3b_variant_keeps_the_code() -> None:
    """The Factur-X's PDF (its CII is checked on a real invoice in test_mail.py)."""
    content = render_invoice_pdf(samples.ten_line_invoice(), pdf_variant="pdf/a-3b")
    reader = pypdf.PdfReader(io.BytesIO(content))
    packet = reader.xmp_metadata.stream.get_data()
    assert b'pdfaid:part="3"' in packet
    assert b'pdfaid:conformance="B"' in packet
    buffer = io.BytesIO()
    reader.pages[0].images[0].image.save(buffer, format="PNG")
    assert decode(buffer.getvalue()) == expected("4287.31")
