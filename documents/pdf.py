"""Invoice PDF rendering with WeasyPrint, and the renderer interface all formats share.

The HTML comes from ``documents.html`` (same templates as the customer's page).

Speed: WeasyPrint 70 subsets every embedded font with fontTools at each render, which
is most of the time with the full DejaVu Sans (6,000 hinted glyphs, big layout
tables). The PDF therefore uses ``fonts/DejaVuSansInvoice*.ttf``: a Latin subset of
DejaVu Sans without hinting or layout tables, made once by
``fonts/build_subsets.py``, ≈ 36 kB per style. Without HarfBuzz-Subset (Debian's
libharfbuzz-subset0), and when the bundled fonts cover every character of the
document (nearly always), they are embedded whole (``full_fonts=True``), so nothing
is subset at render time; with it, WeasyPrint subsets them in C, which is faster
still and gives smaller files. Any other character falls back to the system's DejaVu
Sans (Debian's fonts-dejavu-core), then to fontconfig's sans-serif. Parsed stylesheets
and the font configuration are kept per thread and reused.
"""

from __future__ import annotations

import mimetypes
import re
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

from fontTools.ttLib import TTFont, TTLibError
from weasyprint import CSS, HTML
from weasyprint.pdf import VARIANTS
from weasyprint.text import ffi as weasyprint_ffi
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from documents.data import InvoiceDocument
from documents.html import STATIC_DIR, invoice_context, render_template
from documents.labels import labels_for

HERE = Path(__file__).resolve().parent
FONTS_DIR = HERE / "fonts"
FONT_FAMILY = "DejaVu Sans Invoice"
FONT_FILES: dict[int, str] = {400: "DejaVuSansInvoice.ttf", 700: "DejaVuSansInvoice-Bold.ttf"}
FALLBACK_FONTS = ('"DejaVu Sans"', "sans-serif")
PDF_MIMETYPE = "application/pdf"
DRAFT_FILENAME = "draft-preview.pdf"
# Characters that never reach a glyph.
CONTROL_CHARACTERS = frozenset("\n\r\t")
# With Debian's libharfbuzz-subset0, WeasyPrint subsets in C in a few milliseconds;
# without it, it uses fontTools, slower than embedding the small bundled fonts whole.
HARFBUZZ_SUBSET = getattr(weasyprint_ffi, "harfbuzz_subset", None) is not None


@dataclass(frozen=True)
class RenderedDocument:
    """One generated file of an invoice (PDF, Factur-X, UBL, ...).

    `sha256`: the hex digest recorded when the file was stored (issued documents);
    "" for what is not stored (draft previews).
    """

    filename: str
    mimetype: str
    content: bytes
    sha256: str = ""


class LocalFetcher(URLFetcher):
    """Fetches only the bundled fonts, the given local files and ``data:`` URLs.

    User text is escaped, but a template bug must still never make the renderer read
    arbitrary files or reach the network.
    """

    def __init__(self, allowed_files: frozenset[Path] = frozenset()) -> None:
        super().__init__(allowed_protocols=("file", "data"))
        self._allowed_files = allowed_files

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        """Answer an allowed URL, refuse any other."""
        if url.startswith("data:"):
            return super().fetch(url, headers)
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            raise ValueError(f"refused URL: {url}")
        path = Path(url2pathname(parts.path)).resolve()
        if path not in self._allowed_files and not path.is_relative_to(FONTS_DIR):
            raise ValueError(f"refused file: {path}")
        mimetype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mimetype})


def _css_string(text: str) -> str:
    # Escapes everything but letters, digits and spaces, so no label can end the string.
    escaped = "".join(c if c.isalnum() or c == " " else f"\\{ord(c):x} " for c in text)
    return f'"{escaped}"'


def page_counter_css(lang: str) -> str:
    """The ``@page`` rule printing the language's ``Page X of Y`` bottom right."""
    parts = re.split(r"\{(pages?)\}", labels_for(lang)["page"])
    content = " ".join(
        f"counter({part})" if index % 2 else _css_string(part)
        for index, part in enumerate(parts)
        if index % 2 or part
    )
    return f"@page {{ @bottom-right {{ content: {content}; }} }}"


def font_face_css() -> str:
    """``@font-face`` rules of the bundled subsets (file URLs found at run time)."""
    rules = [
        f'@font-face {{ font-family: "{FONT_FAMILY}"; font-style: normal; '
        f'font-weight: {weight}; src: url("{(FONTS_DIR / name).as_uri()}"); }}'
        for weight, name in FONT_FILES.items()
    ]
    families = ", ".join((f'"{FONT_FAMILY}"', *FALLBACK_FONTS))
    rules.append(f"html {{ font-family: {families}; }}")
    return "\n".join(rules)


class _Resources(threading.local):
    """Per-thread font configuration and parsed stylesheets (WeasyPrint and Pango
    objects are not meant to be shared between threads)."""

    def __init__(self) -> None:
        self.font_config: FontConfiguration | None = None
        self.stylesheets: list[CSS] = []
        self.page_css: dict[str, CSS] = {}

    def get(self, lang: str) -> tuple[FontConfiguration, list[CSS]]:
        """The font configuration and the stylesheets for one language."""
        if self.font_config is None:
            font_config = FontConfiguration()
            fetcher = LocalFetcher()
            options: dict[str, Any] = {"font_config": font_config, "url_fetcher": fetcher}
            self.stylesheets = [
                CSS(string=font_face_css(), **options),
                CSS(filename=str(STATIC_DIR / "invoice.css"), **options),
                CSS(filename=str(STATIC_DIR / "invoice-print.css"), **options),
            ]
            self.font_config = font_config
        if lang not in self.page_css:
            self.page_css[lang] = CSS(string=page_counter_css(lang), font_config=self.font_config)
        return self.font_config, [*self.stylesheets, self.page_css[lang]]


_resources = _Resources()


@cache
def bundled_codepoints() -> frozenset[int]:
    """The code points that every bundled font style covers (empty if one is missing)."""
    try:
        cmaps = [
            set(TTFont(FONTS_DIR / name, lazy=True).getBestCmap()) for name in FONT_FILES.values()
        ]
    except (OSError, TTLibError):
        return frozenset()
    return frozenset(set.intersection(*cmaps))


def bundled_fonts_cover(text: str) -> bool:
    """Whether the bundled fonts have a glyph for every character of ``text``."""
    covered = bundled_codepoints()
    # Upper case too: CSS text-transform may print letters the text does not hold.
    characters = (set(text) | set(text.upper())) - CONTROL_CHARACTERS
    return all(ord(character) in covered for character in characters)


def _pdf_html(doc: InvoiceDocument) -> tuple[str, str, frozenset[Path]]:
    """The HTML to print, its language and the local files it may load."""
    logo_src, allowed = "", frozenset[Path]()
    if doc.logo_path:
        logo = Path(doc.logo_path).resolve()
        logo_src, allowed = logo.as_uri(), frozenset({logo})
    context = invoice_context(doc, logo_src=logo_src)
    return render_template("documents/invoice.html", context), context["lang"], allowed


def invoice_html_for_pdf(doc: InvoiceDocument) -> str:
    """The HTML that becomes the PDF (useful to debug a layout in a browser)."""
    return _pdf_html(doc)[0]


def render_invoice_pdf(doc: InvoiceDocument, *, pdf_variant: str | None = None) -> bytes:
    """The invoice (or credit note, draft preview, void copy) as PDF bytes.

    ``pdf_variant`` is passed to WeasyPrint, e.g. ``"pdf/a-3b"`` for Factur-X.
    """
    if pdf_variant is not None and pdf_variant not in VARIANTS:
        raise ValueError(f"unknown PDF variant: {pdf_variant!r}")
    html, lang, allowed = _pdf_html(doc)
    font_config, stylesheets = _resources.get(lang)
    document = HTML(string=html, url_fetcher=LocalFetcher(allowed))
    return document.write_pdf(
        stylesheets=stylesheets,
        font_config=font_config,
        pdf_variant=pdf_variant,
        # Whole bundled fonts are small; a fallback font is big and must be subset.
        full_fonts=not HARFBUZZ_SUBSET and bundled_fonts_cover(html),
    )


def pdf_filename(doc: InvoiceDocument) -> str:
    """``INV-2026-00042.pdf`` for a numbered document, ``draft-preview.pdf`` otherwise."""
    if not doc.number:
        return DRAFT_FILENAME
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", doc.number).strip(".-")
    return f"{safe or 'invoice'}.pdf"


def render_pdf(doc: InvoiceDocument) -> RenderedDocument:
    """The invoice PDF behind the renderer interface shared by every format."""
    return RenderedDocument(pdf_filename(doc), PDF_MIMETYPE, render_invoice_pdf(doc))
