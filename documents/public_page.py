"""The customer's page `/i/<token>/`, rendered once per invoice version and live state.

The page shows the document as issued (fixed once issued) and the live state
(`invoice_live_state`: status, figures, overdue days, the credit notes' links). The key
holds every input: the row's id, `version` and `updated_at` (they move with every change
of the row, invoices.models), the token, and the live state itself (a frozen
dataclass, so it also follows the day and the credit notes' links). A hit costs the
live state's query and no rendering (the lines, the template, the QR code). Per process
and bounded: output never goes stale, since a changed input is a new key.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from documents import services
from documents.adapters import invoice_document, invoice_live_state
from documents.html import render_invoice_html
from invoices.models import Invoice

PAGES_MAX = 500
_pages: OrderedDict[tuple[Any, ...], str] = OrderedDict()
_lock = threading.Lock()


def invoice_public_page_html(*, invoice: Invoice) -> str:
    """The HTML of the invoice's public page (issued invoices only)."""
    live = invoice_live_state(invoice)
    token = invoice.public_token
    key = (invoice.pk, invoice.version, invoice.updated_at, token, live)
    with _lock:
        if (html := _pages.get(key)) is not None:
            _pages.move_to_end(key)
            return html
    base = f"/i/{token}/"
    links = {fmt: f"{base}{fmt}/" for fmt in services.FORMATS}
    html = render_invoice_html(invoice_document(invoice), download_links=links, live=live)
    with _lock:
        _pages[key] = html
        while len(_pages) > PAGES_MAX:
            _pages.popitem(last=False)
    return html


def public_pages_clear() -> None:
    """Forget every rendered page (tests)."""
    with _lock:
        _pages.clear()
