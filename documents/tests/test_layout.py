"""Large amounts switch the tables to the wide-number layout instead of overflowing."""

from __future__ import annotations

import io

from pypdf import PdfReader

from documents.html import invoice_context
from documents.pdf import render_invoice_pdf
from documents.tests.pdf_samples import build, line, ten_line_invoice


def _big_invoice():
    return build(
        [
            line(1, "Big machine", "1250", "98765.4321", rate="19"),
            line(2, "Service", "3.5", "1234567.89", rate="7", discount="1000.00"),
        ],
        language="de",
    )


def test_normal_amounts_keep_the_regular_layout():
    assert invoice_context(ten_line_invoice())["wide_numbers"] is False


def test_nine_digit_amounts_use_the_wide_layout():
    assert invoice_context(_big_invoice())["wide_numbers"] is True


def test_wide_layout_keeps_every_amount_on_the_page():
    reader = PdfReader(io.BytesIO(render_invoice_pdf(_big_invoice())))
    # CLDR puts a no-break space before the euro sign.
    text = reader.pages[0].extract_text().replace("\u00a0", " ").replace("\u202f", " ")

    for amount in ("123.456.790,13 €", "151.535.967,00 €", "1.234.567,89 €"):
        assert amount in text
    assert len(reader.pages) == 1
