"""End to end in a real browser: the back office and the customer's invoice page.

Playwright (Python, sync API) drives Debian's headless Chromium (/usr/bin/chromium;
`.ci/run` installs it, `playwright install` is never used) against pytest-django's
`live_server`. A staff user logs into the admin, creates a customer and an invoice with
two inline items, issues it with the button on its page, sees its number and totals,
downloads its PDF from the admin page and through the API with a JWT, and the
customer's public page shows the same gross total with its three downloads. The item
table of a draft fits a 1400 px wide screen. On failure every open page is saved as a
screenshot (and its HTML) under `test-artifacts/`.
"""

from __future__ import annotations

import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from accounts.models import Role, User
from common.tests.browser import ARTIFACTS, TIMEOUT_MS, admin_login, needs_chromium
from common.tests.factories import PASSWORD, CompanySettingsFactory, CustomerFactory, UserFactory
from invoices.tests.factories import line, make_draft

# Two lines at 19 %: 3 x 250.00 + 2 x 120.50 = 991.00 net, 188.29 VAT, 1,179.29 gross.
ITEMS = [
    {"description": "Consulting day", "quantity": "3", "unit_price": "250.00", "tax_rate": "19"},
    {"description": "Travel costs", "quantity": "2", "unit_price": "120.50", "tax_rate": "19"},
]
GROSS = Decimal("1179.29")
CUSTOMER = "Browser Buyer SARL"

pytestmark = [pytest.mark.browser, needs_chromium]


def _expect_success(page, text: str) -> None:
    from playwright.sync_api import expect

    expect(page.locator(".messagelist .error, .errornote, .errorlist")).to_have_count(0)
    expect(page.locator(".messagelist .success")).to_contain_text(text)


def test_staff_issues_an_invoice_in_the_admin_and_the_customer_sees_it(browser, page, live_server):
    from playwright.sync_api import expect
    from pypdf import PdfReader

    from documents.services import FORMATS
    from invoices.models import Invoice

    playwright, _ = browser
    CompanySettingsFactory()
    UserFactory(username="clerk", role=Role.STAFF)
    number = f"INV-{timezone.localdate().year}-00001"

    # Log in as staff.
    admin_login(page, "clerk", PASSWORD)
    expect(page.locator("#user-tools")).to_contain_text("clerk")

    # A customer with a full billing address (issuing refuses one without).
    page.goto("/admin/customers/customer/add/")
    for field, value in {
        "name": CUSTOMER,
        "email": "ap@buyer.example",
        "tax_id": "FR40303265045",
        "street": "1 rue de la Paix",
        "city": "Paris",
        "postal_code": "75002",
        "country": "FR",
        "currency": "EUR",
        "payment_terms_days": "14",
    }.items():
        page.fill(f"#id_{field}", value)
    page.select_option("#id_preferred_language", "en")
    page.click("input[name=_save]")
    _expect_success(page, "was added successfully")

    # An invoice with two inline items: one blank row is offered, the second is added.
    page.goto("/admin/invoices/invoice/add/")
    page.select_option("#id_customer", label=CUSTOMER)
    page.locator("#items-group .add-row a").click()
    for row, item in enumerate(ITEMS):
        for field, value in item.items():
            page.fill(f"#id_items-{row}-{field}", value)
    page.click("input[name=_save]")
    _expect_success(page, "was added successfully")

    # Open the draft from the list and issue it with the button on its page.
    page.locator("#result_list tr", has_text=CUSTOMER).locator("th a").click()
    page.click("input[name=_issue]")
    _expect_success(page, f"Issued as {number}.")

    # Its page shows the number and the totals, money in the back office's one format.
    expect(page.locator(".field-number .readonly")).to_have_text(number)
    expect(page.locator(".field-status .readonly")).to_have_text(re.compile("issued", re.I))
    totals = page.locator(".field-totals")
    expect(totals.locator("tr.gross-total td")).to_have_text("1.179,29\xa0€")
    expect(totals.locator("tr.net-total td")).to_have_text("991,00\xa0€")
    expect(totals.locator("tr.tax-total td")).to_have_text("188,29\xa0€")
    expect(totals.locator("tr.amount-due td")).to_have_text("1.179,29\xa0€")

    invoice = Invoice.objects.get(number=number)
    assert invoice.gross_total == GROSS
    assert invoice.items.count() == 2

    # The PDF from the invoice's admin page (the session is enough).
    with page.expect_download() as download:
        page.locator("#invoice-actions .documents a", has_text="PDF").click()
    assert download.value.suggested_filename == f"{number}.pdf"
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")

    # The PDF through the API, with the JWT a client gets from logging in.
    api = playwright.request.new_context(base_url=live_server.url)
    try:
        login = api.post("/api/auth/login/", data={"username": "clerk", "password": PASSWORD})
        assert login.status == 200, login.text()
        access = login.json()["access"]
        assert api.get(f"/api/invoices/{invoice.pk}/pdf/").status == 401
        pdf = api.get(
            f"/api/invoices/{invoice.pk}/pdf/", headers={"Authorization": f"Bearer {access}"}
        )
        assert pdf.status == 200, pdf.text()
        assert pdf.headers["content-type"].startswith("application/pdf")
        body = pdf.body()
    finally:
        api.dispose()
    assert body.startswith(b"%PDF")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(body)).pages)
    assert number in text
    assert "1,179.29" in text

    # The customer's page: no login, the right total and the three downloads.
    page.context.clear_cookies()
    page.goto(f"/i/{invoice.public_token}/")
    expect(page.locator("body")).to_contain_text(number)
    expect(page.locator("table.totals tr.gross td")).to_have_text("€1,179.29")
    downloads = page.locator("nav.downloads a.download")
    expect(downloads).to_have_count(len(FORMATS))
    hrefs = [downloads.nth(n).get_attribute("href") for n in range(len(FORMATS))]
    base = f"/i/{invoice.public_token}/"
    assert sorted(hrefs) == sorted(f"{base}{fmt}/" for fmt in FORMATS)  # pdf, ubl, cii, facturx
    public_pdf = page.request.get(f"{base}pdf/")
    assert public_pdf.status == 200
    assert public_pdf.body().startswith(b"%PDF")


def test_the_item_table_of_a_draft_fits_a_1400_px_screen(browser_page):
    """All item columns visible without scrolling sideways, side bar open."""
    from playwright.sync_api import expect

    CompanySettingsFactory()
    UserFactory(username="clerk", role=Role.STAFF)
    page = browser_page({"width": 1400, "height": 900})
    admin_login(page, "clerk", PASSWORD, next_url="/admin/invoices/invoice/add/")
    expect(page.locator("#items-group")).to_be_visible()
    page.locator("#items-group .add-row a").click()  # two rows, as people use it

    # New lines start with the company's default rate.
    expect(page.locator("#id_items-0-tax_rate")).to_have_value("19.00")
    expect(page.locator("#id_items-1-tax_rate")).to_have_value("19.00")

    # And a saved draft, its net column filled with large amounts.
    customer = CustomerFactory(owner=User.objects.get(username="clerk"))
    draft = make_draft(
        owner=customer.owner,
        customer=customer,
        items=[line("Consulting", "12.5", "123456.78"), line("Travel", "1", "99999.99")],
    )
    sizes = [_item_table_sizes(page, "add")]
    page.goto(f"/admin/invoices/invoice/{draft.pk}/change/")
    sizes.append(_item_table_sizes(page, "change"))
    for size in sizes:
        assert size["scroll"] <= size["client"], size
        assert size["page"] <= 1400, size
        assert size["lastRight"] <= 1400, size


def _item_table_sizes(page, name: str) -> dict:
    sizes = page.evaluate(
        """() => {
                const wrapper = document.querySelector('#items-group .tabular');
                const table = wrapper.querySelector('table');
                const last = table.querySelector('tr.form-row th:last-child, tr.form-row td:last-child');
                return {
                    scroll: wrapper.scrollWidth, client: wrapper.clientWidth,
                    tableRight: table.getBoundingClientRect().right,
                    lastRight: last.getBoundingClientRect().right,
                    page: document.documentElement.scrollWidth,
                };
            }"""
    )
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"admin-invoice-items-1400-{name}.png", full_page=True)
    return {"page_name": name, **sizes}


def test_swagger_ui_renders_the_operations_offline(page, live_server):
    """The docs come from our own static files: any other host is refused, and Swagger UI
    still lists the operations with their summaries. The one outside reference left is
    the "powered by" logo inside ReDoc's own bundle, an image: refused, nothing breaks."""
    from urllib.parse import urlsplit

    from playwright.sync_api import expect

    own = urlsplit(live_server.url).netloc
    elsewhere: list[str] = []

    def only_own_host(route):
        if urlsplit(route.request.url).netloc == own:
            route.continue_()
        else:
            if route.request.resource_type != "image":
                elsewhere.append(route.request.url)
            route.abort()

    page.route("**/*", only_own_host)
    page.goto("/api/docs/")

    operations = page.locator(".opblock")
    expect(operations.first).to_be_visible()
    assert operations.count() > 40
    issue = page.locator(".opblock-post", has_text="/api/invoices/{id}/issue/")
    expect(issue.locator(".opblock-summary-description")).to_have_text("Issue a draft")
    assert elsewhere == []

    page.goto("/api/redoc/")  # ReDoc parses the whole schema first: seconds on a busy host
    title = page.locator("h1", has_text="Billing backend API").first
    expect(title).to_be_visible(timeout=4 * TIMEOUT_MS)
    assert elsewhere == []
