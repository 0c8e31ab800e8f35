"""The Content-Security-Policy holds in a real browser, and the harness notices a breach."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_an_inline_script_is_refused_and_reported(app, live_server, chromium):
    context = chromium.new_context()
    page = context.new_page()
    page.goto(live_server + "/confidentialite")
    page.evaluate("""() => {
        const script = document.createElement('script');
        script.textContent = 'window.injected = true';
        document.body.appendChild(script);
    }""")
    page.wait_for_timeout(100)
    ran = page.evaluate("window.injected === true")
    context.close()
    assert not ran
    assert any("Content Security Policy" in v for v in chromium.violations)
    chromium.violations.clear()  # the refusal was the point of this test
