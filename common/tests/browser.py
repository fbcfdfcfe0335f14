"""Headless Chromium for the browser tests (marker `browser`), one setup for every app.

Playwright (Python, sync API) drives Debian's Chromium (/usr/bin/chromium; `.ci/run`
installs it, `playwright install` is never used) against pytest-django's `live_server`.
The root conftest registers this module as a plugin, so its fixtures serve every app's
tests: `browser` (Playwright and the launched Chromium), `browser_page` (a page of a new
context at a given screen size; on failure every open page is saved as a screenshot and
its HTML under `test-artifacts/`) and `page` (one at 1280 x 900).
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
# How Chromium runs on these machines: no sandbox as root, no GPU, and no background
# traffic to Google's hosts (the network is closed; those connections only cost time).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
TIMEOUT_MS = 15_000
DESKTOP = {"width": 1280, "height": 900}

needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="/usr/bin/chromium is missing: `apt-get install -y chromium` (.ci/run does it)",
)


@pytest.fixture
def browser(monkeypatch):
    from django.db import connections
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread, so Django's async-unsafe
    # guard would refuse the test's ORM calls; they are plain synchronous calls all the same.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        # Playwright gives every launch a fresh, empty profile (--user-data-dir) of its own.
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield playwright, chromium
        finally:
            chromium.close()
            # The ORM calls made while Playwright's loop runs get their own connections
            # (asgiref's context-local storage): close them here, or PostgreSQL refuses
            # to drop the test database at the end of the session.
            connections.close_all()


@pytest.fixture
def browser_page(request, browser, live_server):
    """`browser_page(viewport)`: a page of a new context on the live server."""
    _, chromium = browser
    contexts = []

    def open_page(viewport: dict[str, int] = DESKTOP):
        context = chromium.new_context(base_url=live_server.url, viewport=viewport)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    failed_before = request.session.testsfailed
    yield open_page
    # The call phase has been reported by now: a new failure means this test failed.
    if request.session.testsfailed > failed_before:
        _save_pages(request.node.nodeid, [p for context in contexts for p in context.pages])
    for context in contexts:
        context.close()


@pytest.fixture
def page(browser_page):
    return browser_page(DESKTOP)


def _save_pages(nodeid: str, pages) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    name = re.sub(r"[^\w.-]+", "_", nodeid)
    for n, open_page in enumerate(pages):
        try:
            open_page.screenshot(path=ARTIFACTS / f"{name}-{n}.png", full_page=True)
            (ARTIFACTS / f"{name}-{n}.html").write_text(open_page.content(), encoding="utf-8")
        except Exception as exc:  # the browser may be gone: keep the test's own failure
            warnings.warn(f"no screenshot of page {n}: {exc}", stacklevel=1)


def admin_login(page, username: str, password: str, *, next_url: str = "/admin/") -> None:
    """Log into the Django admin through its login form."""
    page.goto(f"/admin/login/?next={next_url}")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")
