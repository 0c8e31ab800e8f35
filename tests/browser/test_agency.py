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
        # The charts' tables and the map's, open.
        assert page.locator("details.chart-table[open] table").count() == 4
        assert not page.locator(".chart-box").first.is_visible()
        page.screenshot(path=str(SHOTS / "agency-dashboard-no-js.png"), full_page=False)
        # A figure's « ? » opens its definition without JavaScript.
        kpi = page.locator(".kpi").filter(has_text="Taux de remplissage")
        assert not kpi.locator(".definition__text").is_visible()
        kpi.locator(".definition summary").click()
        assert "jamais plus de 100" in kpi.locator(".definition__text").inner_text()
        # Sorting is a link: the server sorts, aria-sort says how.
        page.click(".uptake-table thead a:has-text('Vendues')")
        page.wait_for_url("**sort=sold**")
        assert page.locator(".uptake-table th[aria-sort=descending]").text_content().startswith(
            "Vendues")
    finally:
        context.close()


def test_the_phone_and_laptop_read_definitions_sort_and_see_the_map(live_server, chromium,
                                                                     agency):
    SHOTS.mkdir(parents=True, exist_ok=True)
    for name, viewport in (("phone", {"width": 390, "height": 844}), ("laptop", LAPTOP)):
        context, page = open_page(chromium, viewport)
        errors = []
        page.on("pageerror", lambda error, errors=errors: errors.append(str(error)))
        tiles = []
        page.on("request", lambda r, tiles=tiles: tiles.append(r.url) if ".png" in r.url
                and "/static/" not in r.url else None)
        try:
            log_in(page, live_server, agency)
            charts_drawn(page)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= viewport["width"], "nothing sticks out sideways"
            # The map: one marker per row of its table, on a blank layer (no tiles in tests).
            rows = page.locator("[data-venue-point]").count()
            assert rows >= 5
            page.locator(".agency-map").scroll_into_view_if_needed()
            page.wait_for_selector(".agency-map path.map-marker")
            assert page.locator(".agency-map path.map-marker").count() == rows
            assert tiles == []
            page.locator(".kpi").nth(2).locator(".definition summary").click()
            page.screenshot(path=str(SHOTS / f"agency-figures-{name}.png"), full_page=True)
            page.screenshot(path=str(SHOTS / f"agency-figures-{name}-top.png"))
            for part in ("headline", "uptake", "venue-map"):
                page.locator(f"section[aria-labelledby={part}-title]").screenshot(
                    path=str(SHOTS / f"agency-figures-{name}-{part}.png"))
            # Sorting with htmx: the table comes back sorted, the URL follows.
            page.click(".uptake-table thead a:has-text('Taux de remplissage')")
            page.wait_for_url("**sort=sell_through**")
            page.wait_for_selector(".uptake-table th[aria-sort=descending]")
            shares = page.locator(".uptake-table tbody tr td:nth-child(4)").all_inner_texts()
            values = [float(s.replace("\u202f", "").replace("\xa0", "").rstrip("%")
                            .replace(",", ".")) for s in shares if s.strip() != "–"]
            assert values == sorted(values, reverse=True) and all(v <= 100 for v in values)
            page.locator(".agency-map path.map-marker").first.wait_for()
            assert errors == []
        finally:
            context.close()
