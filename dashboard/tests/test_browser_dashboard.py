"""The dashboard in headless Chromium, on the demo data: what the admin index shows equals
what the reports' API answers, for an admin (everyone's) and for staff (their own).
A screenshot of each is kept under test-artifacts/ (git-ignored)."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from accounts.management.commands.seed_demo import DEMO_PASSWORD
from common.tests.browser import ARTIFACTS, admin_login, needs_chromium

pytestmark = [pytest.mark.browser, needs_chromium]


def _reports(playwright, base_url: str, username: str) -> tuple[dict, dict]:
    api = playwright.request.new_context(base_url=base_url)
    try:
        login = api.post("/api/auth/login/", data={"username": username, "password": DEMO_PASSWORD})
        assert login.status == 200, login.text()
        headers = {"Authorization": f"Bearer {login.json()['access']}"}
        summary = api.get("/api/reports/summary/", headers=headers).json()
        aging = api.get("/api/reports/aging/", headers=headers).json()
    finally:
        api.dispose()
    return summary, aging


@pytest.mark.parametrize("username", ["admin", "staff"])
def test_dashboard_figures_equal_the_reports(
    browser, browser_page, live_server, settings, username
):
    from playwright.sync_api import expect

    playwright, _ = browser
    settings.DEBUG = True  # seed_demo refuses to run otherwise (known passwords)
    call_command("seed_demo", verbosity=0)
    summary, aging = _reports(playwright, live_server.url, username)
    assert summary["currencies"], "the demo data has issued invoices"

    page = browser_page({"width": 1400, "height": 900})
    admin_login(page, username, DEMO_PASSWORD)
    expect(page.locator("#dashboard")).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"dashboard-{username}.png", full_page=True)

    for row in summary["currencies"]:
        line = page.locator(f'#dashboard-totals tr[data-currency="{row["currency"]}"]')
        assert line.locator("td.outstanding").get_attribute("data-amount") == row["outstanding"]
        assert line.locator("td.overdue").get_attribute("data-amount") == row["overdue"]
    expect(page.locator("#dashboard-totals tbody tr")).to_have_count(len(summary["currencies"]))
    for row in aging["currencies"]:
        bars = page.locator(f'.aging[data-currency="{row["currency"]}"] rect[data-value]')
        shown = [bars.nth(n).get_attribute("data-value") for n in range(bars.count())]
        assert shown == [bucket["amount_due"] for bucket in row["buckets"]]
    # Twelve months of two bars per currency, each bar a link to the admin's list.
    months = page.locator(".months").first.locator("a rect")
    expect(months).to_have_count(24)
    # Every overdue row opens its invoice; the debtors link to their filtered list.
    first_debtor = page.locator(".debtors tbody tr a").first
    href = first_debtor.get_attribute("href")
    assert "customer__id__exact=" in href
    first_debtor.click()
    expect(page.locator("#result_list")).to_be_visible()
    expect(page.locator(".errornote")).to_have_count(0)
