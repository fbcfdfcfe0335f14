"""The customer's HTML page of an issued invoice."""

from __future__ import annotations

import dataclasses
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


def test_page_has_exactly_the_download_links() -> None:
    page = render_invoice_html(samples.ten_line_invoice(), download_links=LINKS)
    parsed = parse(page)
    assert parsed.links == [LINKS["pdf"], LINKS["facturx"], LINKS["ubl"]]
    assert [url for _, _, url in parsed.urls] == parsed.links
    for tag in ("script", "link", "form", "iframe", "object", "embed", "base"):
        assert tag not in parsed.tags
    assert "PDF" in page
    assert "Factur-X (PDF with e-invoice)" in page
    assert "UBL (XML e-invoice)" in page


def test_page_without_links_links_nowhere() -> None:
    parsed = parse(render_invoice_html(samples.ten_line_invoice(), download_links={}))
    assert parsed.links == []
    assert parsed.urls == []


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
    assert "img" not in parsed.tags
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


def test_void_page_says_so() -> None:
    page = render_invoice_html(samples.void_invoice(), download_links={})
    assert "This invoice has been voided and is not payable." in page
    assert "Please transfer" not in page


def test_credit_note_page() -> None:
    page = render_invoice_html(samples.credit_note("fr"), download_links=LINKS)
    assert "Avoir" in page
    assert "Avoir sur la facture INV-2026-00042 du 2 mars 2026" in page


def test_logo_is_inlined_as_data_uri(tmp_path: Path) -> None:
    logo = tmp_path / "logo.svg"
    logo.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>')
    doc = dataclasses.replace(samples.ten_line_invoice(), logo_path=str(logo))
    parsed = parse(render_invoice_html(doc, download_links={}))
    sources = [url for tag, name, url in parsed.urls if tag == "img"]
    assert len(sources) == 1
    assert sources[0].startswith("data:image/svg+xml;base64,")
    assert parsed.links == []


def test_page_is_self_contained() -> None:
    page = render_invoice_html(samples.ten_line_invoice(), download_links=LINKS)
    assert "Content-Security-Policy" in page
    assert "default-src 'none'" in page
    assert "@font-face" not in page
    assert "url(" not in page
