"""The invoice PDF: texts, totals per language, marks, fonts, pages, interface."""

# The PDF must print typographic characters, so the tests spell them out.
# ruff: noqa: RUF001

from __future__ import annotations

import dataclasses
import io
import os
import re
import struct
import subprocess
import sys
import zlib
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader

from documents import pdf as pdf_module
from documents.data import InvoiceDocument
from documents.formatting import format_date, format_iban, format_money, format_percent
from documents.labels import category_name, labels_for
from documents.pdf import (
    LocalFetcher,
    RenderedDocument,
    bundled_codepoints,
    bundled_fonts_cover,
    invoice_html_for_pdf,
    page_counter_css,
    pdf_filename,
    render_invoice_pdf,
    render_pdf,
)
from documents.tests import pdf_samples as samples

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def normalize(text: str) -> str:
    """Text with every kind of space folded to one plain space."""
    return re.sub(r"\s+", " ", text.replace("\xa0", " ").replace("\u202f", " ")).strip()


def page_texts(content: bytes) -> list[str]:
    reader = PdfReader(io.BytesIO(content))
    return [normalize(page.extract_text()) for page in reader.pages]


def money(doc: InvoiceDocument, amount: Decimal) -> str:
    return normalize(format_money(amount, doc.currency, doc.language))


def font_dicts(content: bytes) -> list[dict]:
    """Every Type0 font's descendant font dictionary, resolved."""
    reader = PdfReader(io.BytesIO(content))
    fonts = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            fonts[font["/BaseFont"]] = font
    return [font["/DescendantFonts"][0].get_object() for font in fonts.values()]


@pytest.fixture(scope="module")
def rendered() -> dict[str, tuple[InvoiceDocument, list[str], bytes]]:
    """Each sample rendered once for the whole module (a render costs ~0.1 s)."""
    docs = {
        "en": samples.ten_line_invoice(),
        "de": samples.multi_rate_de(),
        "credit_de": samples.credit_note("de"),
        "credit_fr": samples.credit_note("fr"),
        "fr": samples.french_invoice(),
        "draft": samples.draft_invoice(),
        "jpy": samples.jpy_invoice(),
    }
    result = {}
    for name, doc in docs.items():
        content = render_invoice_pdf(doc)
        result[name] = (doc, page_texts(content), content)
    return result


def assert_totals_printed(doc: InvoiceDocument, text: str) -> None:
    for amount in (doc.net_total, doc.tax_total, doc.gross_total, doc.amount_due):
        assert money(doc, amount) in text, amount
    labels = labels_for(doc.language)
    for group in doc.tax_breakdown:
        cells = (
            category_name(group.tax_category, doc.language),
            group.exemption_reason,  # printed under the category's name
            normalize(format_percent(group.tax_rate, doc.language)),
            money(doc, group.taxable_amount),
            money(doc, group.tax_amount),
        )
        row = " ".join(cell for cell in cells if cell)
        assert row in text, row
    assert labels["vat_breakdown"] in text


@pytest.mark.parametrize("name", ["en", "de", "fr", "jpy"])
def test_invoice_prints_number_totals_vat_rows_and_amount_due(rendered, name: str) -> None:
    doc, pages, _ = rendered[name]
    text = " ".join(pages)
    labels = labels_for(doc.language)
    assert doc.number in text
    assert labels["invoice"] in text
    assert_totals_printed(doc, text)
    due = f"{labels['amount_due']} {money(doc, doc.amount_due)}"
    assert due in text
    assert format_date(doc.issue_date, doc.language) in text


def test_english_invoice_details(rendered) -> None:
    doc, pages, _ = rendered["en"]
    text = pages[0]
    assert len(pages) == 1
    assert "Page 1 of 1" in text
    assert "Total €4,287.31" in text
    assert "Due date Apr 1, 2026" in text
    assert (
        "Please transfer €4,287.31 by Apr 1, 2026 to IBAN DE89 3704 0044 0532 0130 00 "
        "(BIC COBADEFFXXX) with reference INV-2026-00042." in text
    )
    for line in doc.lines:
        assert line.description in text
    assert "Standard rate 19% €3,558.00 €676.02" in text
    assert "Standard rate 7% €49.80 €3.49" in text
    assert "Amtsgericht Köln HRB 12345" in text  # footer


def test_german_invoice_details(rendered) -> None:
    _, pages, _ = rendered["de"]
    text = " ".join(pages)
    assert "Rechnung" in text
    assert "Zwischensumme 1.686,27 €" in text
    assert "Nachlässe -50,00 €" in text
    assert "Zuschläge 12,50 €" in text
    assert "Bereits bezahlt -500,00 €" in text
    assert "Zu zahlender Betrag 1.453,07 €" in text
    assert "4,9715 €" in text  # four-decimal unit price kept
    assert "pro 100 Stk." in text
    assert "-75,00 €" in text  # line discount
    assert "Zuschlag: 15,00 €" in text  # line charge
    assert "Nachlass Treuerabatt 19 % -50,00 €" in text
    assert "Nullsatz 0 % 0,00 € 0,00 €" in text
    assert "Ihre Referenz Bestellung 4711/ÄÖÜ" in text
    assert format_iban(samples.IBAN) in text
    assert "Grüße aus Köln, Straße & Söhne «ß»." in text
    assert "Fachbuch „Steuerrecht für Anfänger“" in text
    assert f"Seite 1 von {len(pages)}" in pages[0]


def test_french_invoice_details(rendered) -> None:
    doc, pages, _ = rendered["fr"]
    text = " ".join(pages)
    assert "Facture" in text
    assert "Total TTC 4 260,00 €" in text
    assert "Net à payer 4 260,00 €" in text
    assert "Exonéré de TVA" in text
    assert doc.tax_breakdown[1].exemption_reason in text
    assert "Formation œnologie « Côtes-du-Rhône »" in text
    assert "Société Générale d’Études" in text
    assert "Page 1 sur 1" in text


@pytest.mark.parametrize(
    ("name", "title", "reference"),
    [
        # Not "Gutschrift": in German tax law that is a self-billed invoice (§ 14 UStG).
        (
            "credit_de",
            "Rechnungskorrekturnummer CN-2026-00007 Rechnungsdatum 02.03.2026 Rechnungskorrektur",
            "Rechnungskorrektur zur Rechnung INV-2026-00042 vom 02.03.2026",
        ),
        (
            "credit_fr",
            "Numéro d’avoir CN-2026-00007 Date d’émission 2 mars 2026 Avoir",
            "Avoir sur la facture INV-2026-00042 du 2 mars 2026",
        ),
    ],
)
def test_credit_notes(rendered, name: str, title: str, reference: str) -> None:
    doc, pages, _ = rendered[name]
    text = " ".join(pages)
    assert title in text
    assert reference in text
    assert "CN-2026-00007" in text
    assert_totals_printed(doc, text)
    assert labels_for(doc.language)["amount_credited"] in text
    assert "IBAN" not in text  # nothing to pay on a credit note
    assert labels_for(doc.language)["credit_settlement"] in text
    assert "Gutschrift" not in text


@pytest.mark.parametrize("status", ["void", "paid", "partially_paid", "credited", ""])
def test_a_document_never_carries_a_live_state(status: str) -> None:
    """A document is as issued (or a draft): voiding or paying cannot reach the PDF."""
    with pytest.raises(ValueError, match="LiveState"):
        dataclasses.replace(samples.ten_line_invoice(), status=status)


def test_no_issued_document_is_marked_void(rendered) -> None:
    for name, (_, pages, _) in rendered.items():
        text = " ".join(pages)
        assert "VOID" not in text, name
        assert "voided" not in text, name
        if name != "draft":
            assert "DRAFT" not in text, name


def test_draft_is_marked(rendered) -> None:
    doc, pages, _ = rendered["draft"]
    assert all("DRAFT" in page for page in pages)
    assert "VOID" not in " ".join(pages)
    assert "Draft preview: not a valid invoice." in pages[0]
    assert "INV-2026" not in pages[0]
    assert pdf_filename(doc) == "draft-preview.pdf"


def test_issued_invoice_has_no_mark(rendered) -> None:
    _, pages, _ = rendered["en"]
    assert "VOID" not in pages[0]
    assert "DRAFT" not in pages[0]


def test_yen_have_no_decimals(rendered) -> None:
    _, pages, _ = rendered["jpy"]
    assert "¥44,480" in pages[0]  # 12 x 3500 + 2480 (net)
    assert "¥48,928" in pages[0]  # gross
    assert not re.search(r"¥[\d,]+\.\d", pages[0])


def test_fonts_are_embedded_bundled_subsets(rendered) -> None:
    for _, _, content in rendered.values():
        fonts = font_dicts(content)
        assert fonts
        for font in fonts:
            descriptor = font["/FontDescriptor"].get_object()
            assert "/FontFile2" in descriptor, font["/BaseFont"]
            assert "DejaVu-Sans-Invoice" in font["/BaseFont"]


def test_characters_outside_the_subset_fall_back_to_system_dejavu() -> None:
    base = samples.ten_line_invoice()
    line = dataclasses.replace(base.lines[0], description="Привет, Ωμέγα ≠ ∑ – ẞig")
    doc = dataclasses.replace(base, lines=(line, *base.lines[1:]))
    assert not bundled_fonts_cover(invoice_html_for_pdf(doc))
    content = render_invoice_pdf(doc)
    assert "Привет, Ωμέγα ≠ ∑ – ẞig" in page_texts(content)[0]
    names = [str(font["/BaseFont"]) for font in font_dicts(content)]
    assert any("DejaVu-Sans-Invoice" in name for name in names)
    assert any("DejaVu-Sans" in name and "Invoice" not in name for name in names), names
    for font in font_dicts(content):
        assert "/FontFile2" in font["/FontDescriptor"].get_object()
    assert len(content) < 200_000  # the fallback font is subset, not embedded whole


def test_bundled_fonts_cover_german_and_french() -> None:
    covered = bundled_codepoints()
    text = "äöüÄÖÜßẞéèêëàâçîïôûùÿœŒæÆ«»‹›€„“”‚‘’–—…•°²³×÷§©®™№ăşţșțłńśźżčřšžů"
    assert {ord(character) for character in text} <= covered
    for labels in (labels_for("en"), labels_for("de"), labels_for("fr")):
        assert bundled_fonts_cover(" ".join(labels.values()))


def test_two_hundred_lines_repeat_the_header_on_every_page() -> None:
    doc = samples.long_invoice(200)
    pages = page_texts(render_invoice_pdf(doc))
    assert len(pages) >= 5
    for number, page in enumerate(pages, start=1):
        # Every page holding rows repeats the header; the totals, payment text and QR code
        # may close on a page of their own.
        if "Item " in page:
            assert "Description Qty Unit Unit price VAT Net" in page, number
        assert f"Page {number} of {len(pages)}" in page
    assert "Description Qty Unit Unit price VAT Net" in pages[-2]
    # A row is never split: each description appears whole on exactly one page.
    for position in range(1, 201):
        row = f"Item {position}: spare part with a moderately long description"
        assert sum(row in page for page in pages) == 1, position
    assert money(doc, doc.amount_due) in pages[-1]


def test_pdf_a_3b_variant() -> None:
    content = render_invoice_pdf(samples.ten_line_invoice(), pdf_variant="pdf/a-3b")
    reader = PdfReader(io.BytesIO(content))
    xmp = reader.xmp_metadata
    assert xmp is not None
    packet = xmp.stream.get_data()
    assert b'pdfaid:part="3"' in packet
    assert b'pdfaid:conformance="B"' in packet
    assert "INV-2026-00042" in page_texts(content)[0]
    with pytest.raises(ValueError, match="variant"):
        render_invoice_pdf(samples.ten_line_invoice(), pdf_variant="pdf/z-9")


def test_render_pdf_interface() -> None:
    result = render_pdf(samples.ten_line_invoice())
    assert isinstance(result, RenderedDocument)
    assert result.filename == "INV-2026-00042.pdf"
    assert result.mimetype == "application/pdf"
    assert result.content.startswith(b"%PDF-")
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.filename = "other.pdf"  # type: ignore[misc]
    odd = dataclasses.replace(samples.ten_line_invoice(), number="INV/2026 7")
    assert pdf_filename(odd) == "INV-2026-7.pdf"


def test_metadata_title_and_author() -> None:
    reader = PdfReader(io.BytesIO(render_invoice_pdf(samples.credit_note("de"))))
    assert reader.metadata.title == "Rechnungskorrektur CN-2026-00007"
    assert reader.metadata.author == "Müller & Söhne GmbH"


def test_user_text_is_escaped() -> None:
    base = samples.ten_line_invoice()
    line = dataclasses.replace(base.lines[0], description='<b>bold</b> & <img src="x">')
    doc = dataclasses.replace(base, lines=(line,), notes="<script>alert(1)</script>")
    html = invoice_html_for_pdf(doc)
    assert "<b>" not in html
    assert "<script>" not in html
    text = page_texts(render_invoice_pdf(doc))[0]
    assert '<b>bold</b> & <img src="x">' in text
    assert "<script>alert(1)</script>" in text


def _png(path: Path) -> None:
    """A 2x2 blue PNG, written without any imaging library."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\x1f\x4e\x79" * 2 for _ in range(2))
    header = struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def test_logo_is_drawn(tmp_path: Path) -> None:
    logo = tmp_path / "logo.png"
    _png(logo)
    doc = dataclasses.replace(samples.ten_line_invoice(), logo_path=str(logo))
    content = render_invoice_pdf(doc)
    assert b"/Subtype /Image" in content or b"/Subtype/Image" in content


def test_fetcher_refuses_everything_but_fonts_logo_and_data(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("secret")
    fetcher = LocalFetcher()
    for url in (secret.as_uri(), "file:///etc/passwd", "http://127.0.0.1/x.png"):
        with pytest.raises(ValueError, match="refused"):
            fetcher.fetch(url)
    font = pdf_module.FONTS_DIR / "DejaVuSansInvoice.ttf"
    assert fetcher.fetch(font.as_uri()).read()[:4] == b"\x00\x01\x00\x00"
    assert LocalFetcher(frozenset({secret})).fetch(secret.as_uri()).read() == b"secret"


def test_page_counter_css_is_escaped() -> None:
    css = page_counter_css("de")
    assert 'content: "Seite " counter(page) " von " counter(pages);' in css
    assert "counter(pages)" in page_counter_css("fr")


def test_renders_without_django_settings() -> None:
    script = (
        "from documents.pdf import render_invoice_pdf\n"
        "from documents.html import render_invoice_html\n"
        "from documents.tests import pdf_samples as s\n"
        "assert render_invoice_pdf(s.credit_note('fr')).startswith(b'%PDF')\n"
        "assert 'Avoir' in render_invoice_html(s.credit_note('fr'), download_links={})\n"
    )
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    env["PYTHONPATH"] = str(PROJECT_ROOT)
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
