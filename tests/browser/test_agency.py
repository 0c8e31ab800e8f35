"""The agency in a real browser: log in, read the dashboard, change the period and the grouping.

Screenshots go to $KIOSQUE_SCREENSHOTS (default /tmp/kiosque-screenshots).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.factories import STAFF_PASSWORD, StaffFactory
from tests.test_uptake_recount import PERIOD, generate_region

pytestmark = pytest.mark.browser
SHOTS = Path(os.environ.get("KIOSQUE_SCREENSHOTS", "/tmp/kiosque-screenshots"))
LAPTOP = {"width": 1280, "height": 800}
TABLET = {"width": 820, "height": 1180}
CHARTS = ("timeline", "disciplines", "timing")


@pytest.fixture
def agency(db):
    # The generated region, moved so that its busiest weeks end today.
    today = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    generate_region(db, shift=today - datetime(2026, 11, 8, 12, tzinfo=UTC))
    person = StaffFactory(agency_role="admin", name="Agnès Dupré")
    db.session.commit()
    return person


def open_page(chromium, viewport: dict):
    context = chromium.new_context(viewport=viewport, locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(8000)
    return context, page


def log_in(page, live_server: str, person) -> None:
    page.goto(f"{live_server}/agency/")
    assert "/portal/login" in page.url
    page.fill("#email", person.email)
    page.fill("#password", STAFF_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/agency/")


def charts_drawn(page) -> None:
    for chart in CHARTS:
        canvas = page.locator(f"canvas[data-chart={chart}]")
        canvas.wait_for(state="visible")
        box = canvas.bounding_box()
        assert box["width"] > 250 and box["height"] > 200, chart
        # Chart.js has drawn on it: some pixels are not blank.
        assert page.evaluate("""(name) => {
            const canvas = document.querySelector(`canvas[data-chart=${name}]`);
            const data = canvas.getContext('2d').getImageData(0, 0, canvas.width,
                                                              canvas.height).data;
            for (let i = 3; i < data.length; i += 4) if (data[i]) return true;
            return false; }""", chart), chart


def test_the_agency_reads_the_dashboard_and_changes_period_and_grouping(live_server, chromium,
                                                                        agency):
    SHOTS.mkdir(parents=True, exist_ok=True)
    context, page = open_page(chromium, LAPTOP)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        log_in(page, live_server, agency)
        assert page.locator("h1").inner_text() == "La fréquentation dans la région"
        assert page.locator(".kpi").count() == 12
        charts_drawn(page)
        assert page.locator("details.chart-table[open]").count() == 0  # folded under charts
        page.screenshot(path=str(SHOTS / "agency-dashboard.png"), full_page=False)

        # The period: a preset, then days typed in (htmx swaps the figures, the URL follows).
        page.click("a.agency-chip:has-text('90 jours')")
        page.wait_for_url("**/agency/?days=90*")
        page.wait_for_selector("a.agency-chip[aria-current]:has-text('90 jours')")
        charts_drawn(page)
        page.fill("#filter-from", PERIOD.start.isoformat())  # fill() sends the change
        page.wait_for_url(f"**from={PERIOD.start.isoformat()}**")
        # Let the figures land before the next choice, as a person reading them would
        # (the form also replaces a request still running: the last choice wins).
        page.wait_for_load_state("networkidle")
        assert page.locator("a.agency-chip[aria-current]").count() == 0

        # The grouping of the table.
        page.select_option("#filter-group", "discipline")
        page.wait_for_url("**group_by=discipline**")
        page.wait_for_selector(".uptake-table thead th:has-text('Discipline')")
        rows = page.locator(".uptake-table tbody th[scope=row]").all_inner_texts()
        assert "Danse" in rows and "Théâtre" in rows
        charts_drawn(page)
        page.screenshot(path=str(SHOTS / "agency-dashboard-discipline.png"), full_page=True)

        # Back in history, the page as it was.
        page.go_back()
        page.wait_for_selector(".uptake-table thead th:has-text('Lieu')")
        assert errors == []
    finally:
        context.close()


def test_the_dashboard_fits_a_tablet_and_reads_without_javascript(live_server, chromium,
                                                                  agency):
    context, page = open_page(chromium, TABLET)
    try:
        log_in(page, live_server, agency)
        charts_drawn(page)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= TABLET["width"], "nothing sticks out sideways"
        page.screenshot(path=str(SHOTS / "agency-dashboard-tablet.png"), full_page=True)
    finally:
        context.close()
    context = chromium.new_context(viewport=LAPTOP, locale="fr-FR", java_script_enabled=False)
    page = context.new_page()
    try:
        log_in(page, live_server, agency)
        page.select_option("#filter-group", "postcode_area")
        page.click("button:has-text('Appliquer')")
        page.wait_for_url("**group_by=postcode_area**")
        assert page.locator(".uptake-table tbody th:has-text('Bouches-du-Rhône')").count() == 1
        assert page.locator("details.chart-table[open] table").count() == 3  # charts' tables
        assert not page.locator(".chart-box").first.is_visible()
        page.screenshot(path=str(SHOTS / "agency-dashboard-no-js.png"), full_page=False)
    finally:
        context.close()
