"""End-to-end harness: the app served by werkzeug in a thread (`live_server`, in
tests/conftest.py), driven by headless Chromium."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
PHONE = {"width": 390, "height": 844}


class CspWatchedBrowser:
    """The browser, with every page of every context reporting Content-Security-Policy refusals."""

    def __init__(self, browser):
        self._browser = browser
        self.violations: list[str] = []

    def new_context(self, **options):
        context = self._browser.new_context(**options)
        context.on("page", self._watch)
        return context

    def _watch(self, page) -> None:
        page.on("console", lambda message: self._record(page, message))
        page.wait_for_function = lambda expression, **options: wait_for_function(
            page, expression, **options)

    def _record(self, page, message) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            self.violations.append(f"{page.url}: {message.text}")

    def __getattr__(self, name):
        return getattr(self._browser, name)


def wait_for_function(page, expression: str, *, arg=None, timeout: float | None = None,
                      polling=None):
    """Playwright's own wait_for_function evaluates its predicate with eval() inside the
    page, which our CSP refuses (no 'unsafe-eval'); poll it from outside instead."""
    deadline = time.monotonic() + (timeout or 30_000) / 1000
    interval = polling if isinstance(polling, (int, float)) else 50
    while True:
        result = page.evaluate(expression, arg)
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"wait_for_function timed out: {expression}")
        page.wait_for_timeout(interval)


@pytest.fixture(autouse=True)
def no_csp_violations(request):
    """Fail a browser test whose pages broke the Content-Security-Policy."""
    if "chromium" not in request.fixturenames:
        yield
        return
    browser = request.getfixturevalue("chromium")
    browser.violations.clear()
    yield
    assert not browser.violations, "\n".join(browser.violations)


@pytest.fixture(scope="session")
def chromium():
    sync_api = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.exists():
        if os.environ.get("KIOSQUE_REQUIRE_BROWSER"):
            pytest.fail(f"no Chromium at {CHROMIUM}, and KIOSQUE_REQUIRE_BROWSER is set (CI)")
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield CspWatchedBrowser(browser)
        browser.close()


@pytest.fixture
def phone(chromium):
    """A fresh page the size of a phone (390×844), French by default."""
    context = chromium.new_context(viewport=PHONE, locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(5000)
    yield page
    context.close()
