"""The customer's page on a 375 px phone, in headless Chromium (Playwright, as test_browser).

The page never scrolls sideways: the status panel, the totals and the QR code fit the
screen, and the wide item and VAT tables scroll inside their own box.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from common.tests.browser import needs_chromium
from invoices import services as invoice_services
from invoices.tests.factories import allowance, line, make_issued
from settings_app.calendar import company_today

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    needs_chromium,
]
PHONE = {"width": 375, "height": 740}
# The boxes that must stay inside the screen, and the tables that may scroll inside theirs.
FITS = (".live-status", ".summary-totals", ".totals", ".payment", ".payment-qr", ".downloads")
SCROLLS_INSIDE = (".lines", ".vat")


def _wide_invoice(owner):
    today = company_today()
    items = [
        line(
            f"Senior consulting, workshop preparation and follow-up documentation, part {n}",
            quantity="12.5",
            unit_price="1234.5678",
            discount_amount="10.00",
        )
        for n in range(1, 6)
    ]
    items.append(line("Books", quantity="3", unit_price="24.90", tax_rate="7.00"))
    invoice = make_issued(
        owner=owner,
        items=items,
        allowances_charges=[allowance("50.00")],
        issue_date=today - dt.timedelta(days=30),
        due_date=today - dt.timedelta(days=9),
    )
    invoice_services.payment_record(invoice=invoice, amount=Decimal("1000.00"))
    invoice.refresh_from_db()
    return invoice


def _right_edges(page, selectors) -> dict[str, float]:
    return page.evaluate(
        """(selectors) => Object.fromEntries(selectors.map((s) => {
            const element = document.querySelector(s);
            return [s, element ? element.getBoundingClientRect().right : -1];
        }))""",
        list(selectors),
    )


def test_the_page_fits_a_375_px_phone(browser_page, company, staff_user):
    invoice = _wide_invoice(staff_user)
    page = browser_page(PHONE)
    response = page.goto(f"/i/{invoice.public_token}/")
    assert response.status == 200
    assert page.locator(".status-overdue").inner_text() == "Overdue by 9 days"
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    edges = _right_edges(page, FITS)
    assert all(0 < edge <= PHONE["width"] for edge in edges.values()), edges
    # The tables are wider than the phone and scroll inside their box.
    for selector in SCROLLS_INSIDE:
        sizes = page.evaluate(
            "(s) => { const e = document.querySelector(s); "
            "return [e.scrollWidth, e.clientWidth, e.getBoundingClientRect().right]; }",
            selector,
        )
        assert sizes[2] <= PHONE["width"], (selector, sizes)
    assert page.locator(".payment-qr img").is_visible()

    missing = page.goto("/i/not-a-real-token-at-all-0123456789/")
    assert missing.status == 404
    assert page.locator("h1").inner_text() == "Invoice not found"
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
