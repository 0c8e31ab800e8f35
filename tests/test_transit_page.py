"""« Pour venir » on the offer page and in the API, and the stops on the offer's small map."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from marketplace.domain.transit.gtfs import build_zip
from marketplace.domain.transit.importer import import_feed
from marketplace.domain.transit.journeys import getting_there, stops_on_map
from tests.factories import PerformanceFactory, ReleaseFactory, ShowFactory, VenueFactory
from tests.transit_feeds import AIX, AIX_HOME, BESIDE, JUST_OUT, VENUE, every_day, stop, times, trip

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)  # Friday 20 November 2026, 17:00 in Paris


def paris(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=PARIS).astimezone(UTC)


def coming_feed() -> bytes:
    """Coaches from Aix to beside the venue before a 20:30 curtain (2 min walk from the
    stop, 10 min margin: off the coach by 20:18), a tram not running that Friday, a bus
    stopping only just out of reach of the venue."""
    return build_zip({
        "agency.txt": [{"agency_id": "ZOU", "agency_name": "ZOU!",
                        "agency_url": "https://example.org", "agency_timezone": "Europe/Paris"}],
        "stops.txt": [stop("BESIDE", "Rive-Neuve", BESIDE), stop("FAR", "Loin", JUST_OUT),
                      stop("AIX", "Aix Gare routière", AIX)],
        "routes.txt": [
            {"route_id": "Z51", "route_short_name": "ZOU! 51", "route_type": 3},
            {"route_id": "Z40", "route_short_name": "ZOU! 40", "route_type": 3},
            {"route_id": "T2", "route_short_name": "T2", "route_type": 0},
            {"route_id": "B7", "route_short_name": "7", "route_type": 3},
        ],
        "trips.txt": [
            trip("z-1", "Z51", "ALL", headsign="Marseille"),
            trip("z-2", "Z51", "ALL", headsign="Marseille"),
            trip("z-late", "Z51", "ALL", headsign="Marseille"),
            trip("z-away", "Z51", "ALL", headsign="Aix-en-Provence", direction="1"),
            trip("z40", "Z40", "ALL", headsign="Marseille Vieux-Port"),
            trip("t2", "T2", "NOTFRI", headsign="Marseille"),
            trip("b7", "B7", "ALL", headsign="Loin"),
        ],
        "stop_times.txt": [
            *times("z-1", ("AIX", "18:30:00"), ("BESIDE", "19:15:00")),
            *times("z-2", ("AIX", "19:20:00"), ("BESIDE", "20:05:00")),
            *times("z-late", ("AIX", "19:40:00"), ("BESIDE", "20:25:00")),
            *times("z-away", ("BESIDE", "18:00:00"), ("AIX", "18:45:00")),
            *times("z40", ("AIX", "17:50:00"), ("BESIDE", "18:40:00")),
            *times("t2", ("AIX", "19:45:00"), ("BESIDE", "20:10:00")),
            *times("b7", ("AIX", "19:45:00"), ("FAR", "20:00:00")),
        ],
        "calendar.txt": [every_day("ALL"), every_day("NOTFRI")],
        "calendar_dates.txt": [{"service_id": "NOTFRI", "date": "20261120",
                                "exception_type": 2}],
    })


def load(db, data: bytes, name: str = "zou") -> None:
    import_feed(db.session, io.BytesIO(data), name, NOW)
    db.session.commit()


def hhmm(at: datetime) -> str:
    return at.astimezone(PARIS).strftime("%H:%M")


@pytest.fixture
def offer(db):
    """Tonight 20:30, at the venue the feeds are built around."""
    venue = VenueFactory(lat=VENUE[0], lng=VENUE[1])
    show = ShowFactory(venue=venue, duration_minutes=90)
    performance = PerformanceFactory(show=show, starts_at=paris(20, 20, 30))
    release = ReleaseFactory(performance=performance, sales_open_at=NOW - timedelta(hours=1),
                             max_discount_at=paris(20, 19, 30))
    db.session.commit()
    return release


# --- the domain ---------------------------------------------------------------------------

def test_getting_there_is_the_latest_ride_arriving_in_time_per_route_latest_first(db):
    load(db, coming_feed())
    rides = getting_there(db.session, AIX_HOME, VENUE, paris(20, 20, 30))
    # z-late arrives 20:25, too late for a 20:30 curtain after the walk and the margin;
    # the tram does not run that Friday; the bus 7 stops out of reach of the venue;
    # z-away goes the other way.
    assert [(r.route, hhmm(r.departs_at), hhmm(r.arrives_at)) for r in rides] == [
        ("ZOU! 51", "19:20", "20:05"), ("ZOU! 40", "17:50", "18:40")]
    first = rides[0]
    assert (first.mode, first.headsign, first.from_stop, first.to_stop) == (
        "bus", "Marseille", "Aix Gare routière", "Rive-Neuve")
    assert (first.walk_from_minutes, first.walk_to_minutes) == (2, 2)


def test_getting_there_leaves_room_for_the_walk_and_ten_minutes(db):
    load(db, coming_feed())
    # Curtain at 20:16: off the bus by 20:04 at the latest, so z-2 (20:05) is too late.
    rides = getting_there(db.session, AIX_HOME, VENUE, paris(20, 20, 16))
    assert [(r.route, hhmm(r.departs_at)) for r in rides] == [
        ("ZOU! 51", "18:30"), ("ZOU! 40", "17:50")]


def test_getting_there_is_empty_from_a_place_no_stop_serves_or_a_walk_away(db):
    load(db, coming_feed())
    assert getting_there(db.session, (43.9, 4.8), VENUE, paris(20, 20, 30)) == []
    assert getting_there(db.session, VENUE, VENUE, paris(20, 20, 30)) == []


def test_the_map_shows_each_nearby_stop_once_and_only_within_a_walk(db):
    load(db, coming_feed())
    assert [(s.name, s.walk_minutes) for s in stops_on_map(db.session, *VENUE)] == [
        ("Rive-Neuve", 2)]
    assert stops_on_map(db.session, *VENUE, names={"Elsewhere"}) == []


# --- over HTTP ---------------------------------------------------------------------------

def test_the_api_gives_getting_there_only_when_a_place_is_given(db, client, offer):
    load(db, coming_feed())
    with time_machine.travel(NOW, tick=False):
        plain = client.get(f"/api/v1/offers/{offer.id}").get_json()
        located = client.get(
            f"/api/v1/offers/{offer.id}?lat={AIX_HOME[0]}&lng={AIX_HOME[1]}").get_json()
        from_home = client.get(
            f"/api/v1/offers/{offer.id}?home_lat={AIX_HOME[0]}&home_lng={AIX_HOME[1]}"
        ).get_json()
    assert "getting_there" not in plain
    assert located["getting_there"][0] == {
        "mode": "bus", "route": "ZOU! 51", "headsign": "Marseille",
        "from_stop": "Aix Gare routière", "walk_from_minutes": 2,
        "departs_at": "2026-11-20T18:20:00+00:00", "to_stop": "Rive-Neuve",
        "arrives_at": "2026-11-20T19:05:00+00:00", "walk_to_minutes": 2}
    assert from_home["getting_there"] == located["getting_there"]


@pytest.mark.parametrize("query", ["lat=43.5", "home_lng=5.4", "lat=north&lng=5",
                                   "lat=91&lng=5"])
def test_the_api_refuses_a_half_or_wrong_place(db, client, offer, query):
    with time_machine.travel(NOW, tick=False):
        response = client.get(f"/api/v1/offers/{offer.id}?{query}")
    assert response.status_code == 422
    assert response.get_json()["error"] == "validation_error"


def test_the_offer_page_says_how_to_get_there_from_the_spectators_place(db, client, offer):
    load(db, coming_feed())
    with time_machine.travel(NOW, tick=False):
        unlocated = client.get(f"/offers/{offer.id}").get_data(as_text=True)
        client.get(f"/?lat={AIX_HOME[0]}&lng={AIX_HOME[1]}")
        french = client.get(f"/offers/{offer.id}").get_data(as_text=True)
        english = client.get(f"/offers/{offer.id}?lang=en").get_data(as_text=True)
    assert "Pour venir" not in unlocated
    assert "Pour venir" in french
    assert "Bus ZOU! 51</strong> direction Marseille" in french
    assert "à 19:20 à l’arrêt « Aix Gare routière », à 2 minutes à pied de vous" in french
    assert "descendre à « Rive-Neuve » à 20:05, puis 2 minutes à pied jusqu’au lieu" in french
    assert french.index("ZOU! 51") < french.index("ZOU! 40")  # the latest first
    assert "Getting there" in english
    assert "get off at « Rive-Neuve » at 20:05, then 2 minutes on foot to the venue" in english


def test_the_offer_page_says_plainly_when_no_ride_comes_from_the_spectators_place(
        db, client, offer):
    load(db, coming_feed())
    with time_machine.travel(NOW, tick=False):
        client.get("/?lat=43.9&lng=4.8")
        french = client.get(f"/offers/{offer.id}").get_data(as_text=True)
    assert "Pour venir" in french
    assert "Aucun bus, tram ou train direct" in french


def test_the_offer_map_carries_the_stops_of_getting_home(db, client, offer):
    from tests.transit_feeds import regional_feed
    load(db, regional_feed())
    with time_machine.travel(NOW, tick=False):
        page = client.get(f"/offers/{offer.id}").get_data(as_text=True)
    assert 'data-stop data-lat="43.2977" data-lng="5.3698"' in page
    assert "Arrêt « Rive-Neuve »" in page

