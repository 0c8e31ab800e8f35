"""« Pour venir », « Pour rentrer » and the stops on the offer's map, in a real browser on a
phone; the agency's timetables page. Screenshots go to $KIOSQUE_SCREENSHOTS
(default /tmp/kiosque-screenshots)."""

from __future__ import annotations

import io
import os
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from marketplace.domain.timeutil import PARIS, utcnow
from marketplace.domain.transit.gtfs import build_zip
from marketplace.domain.transit.importer import import_feed
from tests.factories import (
    STAFF_PASSWORD,
    PerformanceFactory,
    ReleaseFactory,
    ShowFactory,
    StaffFactory,
    VenueFactory,
)
from tests.transit_feeds import AIX, AIX_HOME, BESIDE, VENUE, every_day, stop, times, trip

pytestmark = pytest.mark.browser
SHOTS = Path(os.environ.get("KIOSQUE_SCREENSHOTS", "/tmp/kiosque-screenshots"))


def feed_around(day) -> bytes:
    """Coaches to the venue before a 20:30 curtain on `day` and back after the show."""
    start, end = (day - timedelta(days=2)).strftime("%Y%m%d"), (
        day + timedelta(days=2)).strftime("%Y%m%d")
    return build_zip({
        "agency.txt": [{"agency_id": "ZOU", "agency_name": "ZOU!",
                        "agency_url": "https://example.org", "agency_timezone": "Europe/Paris"}],
        "stops.txt": [stop("BESIDE", "Rive-Neuve", BESIDE), stop("AIX", "Aix Gare routière", AIX)],
        "routes.txt": [{"route_id": "Z51", "route_short_name": "ZOU! 51", "route_type": 3}],
        "trips.txt": [trip("in", "Z51", "ALL", headsign="Marseille"),
                      trip("out", "Z51", "ALL", headsign="Aix-en-Provence", direction="1")],
        "stop_times.txt": [*times("in", ("AIX", "19:20:00"), ("BESIDE", "20:05:00")),
                           *times("out", ("BESIDE", "22:40:00"), ("AIX", "23:25:00"))],
        "calendar.txt": [every_day("ALL", start, end)],
    })


@pytest.fixture
def evening_with_a_feed(db):
    now = utcnow()
    day = (now.astimezone(PARIS) + timedelta(days=1)).date()
    curtain = datetime(day.year, day.month, day.day, 20, 30, tzinfo=PARIS)
    venue = VenueFactory(name="La Criée", lat=VENUE[0], lng=VENUE[1])
    show = ShowFactory(venue=venue, title="Les Bonnes", duration_minutes=90)
    performance = PerformanceFactory(show=show, starts_at=curtain)
    release = ReleaseFactory(performance=performance, sales_open_at=now - timedelta(hours=1),
                             max_discount_at=curtain - timedelta(hours=1))
    import_feed(db.session, io.BytesIO(feed_around(day)), "zou", now)
    db.session.commit()
    return release


def test_the_offer_page_says_how_to_come_and_go_and_draws_the_stops(
        live_server, phone, evening_with_a_feed):
    SHOTS.mkdir(parents=True, exist_ok=True)
    phone.goto(f"{live_server}/?lat={AIX_HOME[0]}&lng={AIX_HOME[1]}")
    phone.goto(f"{live_server}/offers/{evening_with_a_feed.id}")
    there = phone.locator("#way-there-title + p + ul")
    assert "ZOU! 51" in there.inner_text() and "19:20" in there.inner_text()
    phone.locator(".map--small").scroll_into_view_if_needed()
    phone.wait_for_selector(".map--small .map-stop")
    phone.wait_for_selector(".map-stop-name")
    assert "Rive-Neuve" in phone.locator(".map-stop-name").first.inner_text()
    phone.screenshot(path=str(SHOTS / "offer-way-there.png"), full_page=True)
    phone.locator(".map--small").screenshot(path=str(SHOTS / "offer-map-stops.png"))


def test_the_agency_uploads_a_timetable_from_its_page(live_server, phone, db, tmp_path):
    SHOTS.mkdir(parents=True, exist_ok=True)
    person = StaffFactory(agency_role="admin", name="Agnès Dupré")
    db.session.commit()
    phone.goto(f"{live_server}/agency/timetables")
    phone.fill("#email", person.email)
    phone.fill("#password", STAFF_PASSWORD)
    phone.click("button[type=submit]")
    phone.goto(f"{live_server}/agency/timetables")
    feed = tmp_path / "zou.zip"
    feed.write_bytes(feed_around(utcnow().date()))
    phone.fill("#name", "zou")
    phone.set_input_files("#feed", str(feed))
    phone.click("form[enctype] button[type=submit]")
    phone.wait_for_selector("text=Horaires « zou » importés")
    phone.screenshot(path=str(SHOTS / "agency-timetables.png"), full_page=True)
    broken = tmp_path / "broken.zip"
    broken.write_bytes(b"not a zip")
    phone.fill("#name", "autre")
    phone.set_input_files("#feed", str(broken))
    phone.click("form[enctype] button[type=submit]")
    phone.wait_for_selector("text=Horaires refusés, rien n’a été importé")
    phone.screenshot(path=str(SHOTS / "agency-timetables-refused.png"), full_page=True)
