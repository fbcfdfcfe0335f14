"""The customer's HTML page of an issued invoice."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from documents.data import CreditNoteRef, LiveState
from documents.html import invoice_context, render_invoice_html
from documents.tests import pdf_samples as samples

LINKS = {
    "ubl": "/i/tok3n/ubl/",
    "pdf": "/i/tok3n/pdf/",
    "facturx": "https://billing.example.com/i/tok3n/facturx/",
}


class Collector(HTMLParser):
    """Tags, links and every URL-valued attribute of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.links: list[str] = []
        self.urls: list[tuple[str, str, str]] = []
        self.data: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for name, value in attrs:
            if name in ("href", "src", "action", "formaction", "srcset", "poster", "data"):
                self.urls.append((tag, name, value or ""))
            if tag == "a" and name == "href":
                self.links.append(value or "")

    def handle_data(self, data: str) -> None:
        self.data.append(data)


def parse(page: str) -> Collector:
    collector = Collector()
    collector.feed(page)
    return collector


QR_SOURCE = "data:image/png;base64,"  # the EPC QR code of documents.epc_qr


def not_qr(urls: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """Every URL-valued attribute but the payment QR code's inline image."""
    return [url for url in urls if not (url[0] == "img" and url[2].startswith(QR_SOURCE))]


def test_page_has_exactly_the_download_links() -> None:
    page = render_invoice_html(samples.ten_line_invoice(), download_links=LINKS)
    parsed = parse(page)
    assert parsed.links == [LINKS["pdf"], LINKS["facturx"], LINKS["ubl"]]
    assert [url for _, _, url in not_qr(parsed.urls)] == parsed.links
    assert len(parsed.urls) - len(not_qr(parsed.urls)) == 1  # one QR code, no other image
    for tag in ("script", "link", "form", "iframe", "object", "embed", "base"):
        assert tag not in parsed.tags
    assert "PDF" in page
    assert "Factur-X (PDF with e-invoice)" in page
    assert "UBL (XML e-invoice)" in page


def test_page_without_links_links_nowhere() -> None:
    parsed = parse(render_invoice_html(samples.ten_line_invoice(), download_links={}))
    assert parsed.links == []
    assert not_qr(parsed.urls) == []


def test_script_in_user_text_is_escaped() -> None:
    base = samples.ten_line_invoice()
    attack = '<script>alert("x")</script><a href="https://evil.example">win</a>'
    line = dataclasses.replace(base.lines[0], description=attack)
    buyer = dataclasses.replace(base.buyer, name="<img src=x onerror=alert(1)>")
    doc = dataclasses.replace(
        base, lines=(line,), buyer=buyer, notes=attack, footer_text=attack, buyer_reference=attack
    )
    page = render_invoice_html(doc, download_links={"pdf": "/i/t/pdf/"})
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    parsed = parse(page)
    assert parsed.links == ["/i/t/pdf/"]
    assert not_qr(parsed.urls) == [("a", "href", "/i/t/pdf/")]  # the attack's img is text
    assert attack in "".join(parsed.data)


@settings(max_examples=40, deadline=None)
@given(st.text(min_size=1, max_size=80))
def test_any_description_stays_text(description: str) -> None:
    base = samples.ten_line_invoice()
    line = dataclasses.replace(base.lines[0], description=description)
    page = render_invoice_html(
        dataclasses.replace(base, lines=(line,)), download_links={"pdf": "/p/"}
    )
    parsed = parse(page)
    assert parsed.links == ["/p/"]
    assert "script" not in parsed.tags


def test_unsafe_download_link_is_refused() -> None:
    for url in ("javascript:alert(1)", "data:text/html,hi", "//elsewhere.example/x"):
        with pytest.raises(ValueError, match="link"):
            render_invoice_html(samples.ten_line_invoice(), download_links={"pdf": url})


def test_drafts_have_no_page() -> None:
    with pytest.raises(ValueError, match="draft"):
        render_invoice_html(samples.draft_invoice(), download_links={})


def test_page_shows_the_same_invoice_as_the_pdf() -> None:
    doc = samples.multi_rate_de()
    page = render_invoice_html(doc, download_links=LINKS)
    text = " ".join(" ".join(parse(page).data).replace("\xa0", " ").split())
    assert '<html lang="de">' in page
    assert "Rechnung" in text
    assert "INV-2026-00042" in text
    assert "Zu zahlender Betrag 1.453,07 €" in text
    assert "Umsatzsteueraufstellung" in text
    assert "DE89 3704 0044 0532 0130 00" in text
    assert "Herunterladen" in text
    context = invoice_context(doc)
    for row in context["totals"]:
        assert " ".join(row["value"].replace("\xa0", " ").split()) in text


def _text(page: str) -> str:
    return " ".join(" ".join(parse(page).data).replace("\xa0", " ").split())


def _live(status: str = "issued", **figures: str) -> LiveState:
    amounts = {"paid_total": "0", "credited_total": "0", "amount_due": "0", "refund_due": "0"}
    amounts.update(figures)
    keys = ("is_overdue", "credit_notes", "days_overdue")
    extra = {k: amounts.pop(k) for k in keys if k in amounts}
    return LiveState(status=status, **{k: Decimal(v) for k, v in amounts.items()}, **extra)


def test_void_page_shows_void_and_its_cancellation_credit_note() -> None:
    cancellation = CreditNoteRef(
        number="CN-2026-00003",
        gross_total=Decimal("4287.31"),
        issue_date=dt.date(2026, 3, 9),
        url="/i/cn-t0ken/",
    )
    live = _live("void", credited_total="4287.31", credit_notes=(cancellation,))
    page = render_invoice_html(samples.ten_line_invoice(), download_links={}, live=live)
    text = _text(page)
    assert "Current status Void" in text
    assert "This invoice has been voided and is not payable." in text
    assert "Cancelled by credit note CN-2026-00003 (Mar 9, 2026, €4,287.31)" in text
    assert "Credited €4,287.31" in text
    assert "Amount due €0.00" in text
    assert "Please transfer" not in text
    assert parse(page).links == ["/i/cn-t0ken/"]


def test_partially_paid_page_shows_live_figures_and_asks_for_the_rest() -> None:
    live = _live("partially_paid", paid_total="1000.00", amount_due="3287.31")
    text = _text(render_invoice_html(samples.ten_line_invoice(), download_links={}, live=live))
    assert "Current status Partially paid" in text
    assert "Total €4,287.31 Paid €1,000.00 Credited €0.00 Amount due €3,287.31" in text
    assert "Paid -€1,000.00" in text  # the totals table under the lines
    assert "Please transfer €3,287.31 by Apr 1, 2026 to IBAN DE89" in text
    assert "€4,287.31 by" not in text  # the issue-time amount is no longer asked for


def test_paid_credited_and_overdue_pages() -> None:
    doc = samples.ten_line_invoice()
    paid = _text(
        render_invoice_html(doc, download_links={}, live=_live("paid", paid_total="4287.31"))
    )
    assert "Current status Paid" in paid
    assert "Paid in full. Thank you." in paid
    assert "Please transfer" not in paid

    credited = _live("credited", credited_total="4287.31")
    text = _text(render_invoice_html(doc, download_links={}, live=credited))
    assert "Current status Credited" in text
    assert "This invoice has been settled by credit note." in text

    overdue = _live("issued", amount_due="4287.31", is_overdue=True, days_overdue=12)
    text = _text(render_invoice_html(doc, download_links={}, live=overdue))
    assert "Current status Open Overdue by 12 days" in text
    one_day = _live("partially_paid", amount_due="1.00", is_overdue=True, days_overdue=1)
    text = _text(render_invoice_html(doc, download_links={}, live=one_day))
    assert "Current status Partially paid Overdue by 1 day" in text
    assert "This invoice is overdue." in text


def test_credit_note_page_shows_the_refund_due() -> None:
    live = _live("issued", refund_due="118.88")
    text = _text(render_invoice_html(samples.credit_note("en"), download_links={}, live=live))
    assert "Amount credited €118.88 Refund due €118.88" in text
    assert "This amount will be refunded or set off against open invoices." in text
    refunded = _live("paid", paid_total="118.88", refund_due="0")
    text = _text(render_invoice_html(samples.credit_note("en"), download_links={}, live=refunded))
    assert "Refunded €118.88 Refund due €0.00" in text
    assert "This credit note has been settled." in text


def test_german_live_state() -> None:
    live = _live("void", credited_total="1453.07")
    text = _text(render_invoice_html(samples.multi_rate_de(), download_links={}, live=live))
    assert "Aktueller Stand Storniert" in text
    assert "Diese Rechnung wurde storniert und ist nicht zu bezahlen." in text


def test_credit_note_page() -> None:
    page = render_invoice_html(samples.credit_note("fr"), download_links=LINKS)
    assert "Avoir" in page
    assert "Avoir sur la facture INV-2026-00042 du 2 mars 2026" in page


def test_logo_is_inlined_as_data_uri(tmp_path: Path) -> None:
    logo = tmp_path / "logo.svg"
    logo.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>')
    doc = dataclasses.replace(samples.ten_line_invoice(), logo_path=str(logo))
    parsed = parse(render_invoice_html(doc, download_links={}))
    sources = [url for tag, name, url in not_qr(parsed.urls) if tag == "img"]
    assert len(sources) == 1
    assert sources[0].startswith("data:image/svg+xml;base64,")
    assert parsed.links == []


def test_page_is_self_contained() -> None:
    page = render_invoice_html(samples.ten_line_invoice(), download_links=LINKS)
    assert "Content-Security-Policy" in page
    assert "default-src 'none'" in page
    assert "@font-face" not in page
    assert "url(" not in page
