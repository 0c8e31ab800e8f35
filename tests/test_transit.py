"""Getting home after the show: GTFS feeds imported whole or not at all, and the departures
after the expected end from stops within a walk. Feeds are built in code
(tests/transit_feeds.py); the clock is the `now` fixture, Friday 20 November 2026."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import func, select

from marketplace.domain.transit.gtfs import FeedError, build_zip, parse_time
from marketplace.domain.transit.importer import import_feed
from marketplace.domain.transit.journeys import expected_end, getting_home, way_home
from marketplace.domain.transit.models import (
    TransitFeed,
    TransitServiceDay,
    TransitStop,
    TransitTrip,
    TransitTripStop,
)
from tests.factories import PerformanceFactory, ReleaseFactory, ShowFactory, VenueFactory
from tests.transit_feeds import AIX_HOME, JUST_OUT, VENUE, city_feed, regional_feed, times

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)


def paris(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=PARIS).astimezone(UTC)


def load(db, data: bytes, name: str = "zou"):
    return import_feed(db.session, io.BytesIO(data), name, NOW)


def lines(departures) -> list[tuple[str, str, str]]:
    return [(d.route, d.headsign, d.departs_at.astimezone(PARIS).strftime("%d %H:%M"))
            for d in departures]


def counts(db) -> tuple[int, ...]:
    return tuple(db.session.scalar(select(func.count()).select_from(model)) for model in (
        TransitFeed, TransitStop, TransitTrip, TransitTripStop, TransitServiceDay))


# --- reading times -----------------------------------------------------------------------

def test_gtfs_times_past_midnight_count_from_the_service_day():
    assert parse_time("25:10:00") == 25 * 3600 + 10 * 60
    assert parse_time("7:05:00") == 7 * 3600 + 5 * 60
    for bad in ("22:6O:00", "22:60:00", "22:00", "", "-1:00:00"):
        with pytest.raises(ValueError):
            parse_time(bad)


def test_expected_end_is_the_duration_or_two_hours():
    start = paris(20, 20, 30)
    assert expected_end(start, 105) == paris(20, 22, 15)
    assert expected_end(start, None) == paris(20, 22, 30)


# --- the departures after the show ------------------------------------------------------

def test_getting_home_lists_the_first_reachable_departure_per_route_and_direction(db):
    load(db, regional_feed())
    departures = getting_home(db.session, *VENUE, paris(20, 22))
    # z-early left at 21:30, before the end; the tram does not run on that Friday; the
    # bus 7 stop is out of reach; the trip back from Aix ends beside the venue.
    assert lines(departures) == [("ZOU! 51", "Aix-en-Provence", "20 22:40")]
    (zou,) = departures
    assert (zou.mode, zou.stop, zou.walk_minutes) == ("bus", "Rive-Neuve", 2)


def test_a_trip_after_midnight_is_the_last_of_the_night(db):
    load(db, regional_feed())
    (zou,) = getting_home(db.session, *VENUE, paris(20, 22))
    # 25:10 on the Friday's service day is Saturday 01:10.
    assert zou.last_departs_at == paris(21, 1, 10)
    # After 23:00 the 25:10 trip is the first one too.
    (late,) = getting_home(db.session, *VENUE, paris(20, 23))
    assert late.departs_at == paris(21, 1, 10)


def test_a_service_removed_that_day_by_calendar_dates_is_not_listed(db):
    load(db, regional_feed())
    friday = lines(getting_home(db.session, *VENUE, paris(20, 22)))
    saturday = lines(getting_home(db.session, *VENUE, paris(21, 22)))
    assert not [line for line in friday if line[0] == "T2"]
    assert ("T2", "Euroméditerranée", "21 22:30") in saturday


def test_a_stop_just_outside_walking_distance_is_ignored(db):
    load(db, regional_feed())
    routes = {d.route for d in getting_home(db.session, *VENUE, paris(21, 22))}
    assert "7" not in routes
    wider = {d.route for d in getting_home(db.session, *VENUE, paris(21, 22), radius_m=700)}
    assert "7" in wider


def test_a_departure_gone_before_the_walk_to_the_stop_is_not_offered(db):
    load(db, regional_feed())
    # Ends 22:39: the 22:40 coach is 2 minutes' walk away, so the next one is offered.
    (zou,) = getting_home(db.session, *VENUE, paris(20, 22, 39))
    assert zou.departs_at == paris(21, 1, 10)


def test_nothing_is_listed_where_no_feed_reaches(db):
    load(db, regional_feed())
    assert getting_home(db.session, 44.0, 6.0, paris(20, 22)) == []


def test_two_feeds_answer_side_by_side(db):
    load(db, regional_feed(), "zou")
    load(db, city_feed(), "rtm")
    assert [d.route for d in getting_home(db.session, *VENUE, paris(20, 22))] == \
        ["M1", "ZOU! 51"]


def test_reimporting_a_feed_replaces_it_and_leaves_the_others(db):
    load(db, regional_feed(), "zou")
    load(db, city_feed("M1"), "rtm")
    summary = load(db, city_feed("M2", "22:50:00"), "rtm")
    assert (summary.name, summary.stops, summary.routes, summary.trips) == ("rtm", 2, 1, 1)
    assert lines(getting_home(db.session, *VENUE, paris(20, 22))) == [
        ("ZOU! 51", "Aix-en-Provence", "20 22:40"), ("M2", "La Rose", "20 22:50")]
    assert db.session.scalar(select(func.count()).select_from(TransitFeed)) == 2


@pytest.mark.parametrize("broken, message", [
    ({"stops.txt": None}, "Missing from the feed: stops.txt"),
    ({"stop_times.txt": times("z-late", ("BESIDE", "22:4O:00"), ("AIX", "23:25:00"))},
     "stop_times.txt line 2: bad time"),
    ({"stop_times.txt": times("z-late", ("BESIDE", "22:40:00"), ("NOWHERE", "23:25:00"))},
     "stop_times.txt line 3: unknown stop_id 'NOWHERE'"),
    ({"trips.txt": [{"route_id": "Z99", "service_id": "ALL", "trip_id": "x"}]},
     "unknown route 'Z99'"),
    ({"calendar_dates.txt": [{"service_id": "ALL", "date": "2026-11-20",
                              "exception_type": 2}]}, "is not YYYYMMDD"),
])
def test_a_broken_feed_is_refused_and_nothing_changes(db, broken, message):
    load(db, regional_feed(), "zou")
    before = counts(db)
    tables = {name: rows for name, rows in broken.items() if rows is not None}
    data = regional_feed(**tables)
    if any(rows is None for rows in broken.values()):
        data = _without(data, [name for name, rows in broken.items() if rows is None])
    with pytest.raises(FeedError, match=message.replace("(", r"\(")):
        load(db, data, "zou")
    db.session.rollback()
    assert counts(db) == before
    assert getting_home(db.session, *VENUE, paris(20, 22))  # the old feed still answers


def test_not_a_zip_is_refused(db):
    with pytest.raises(FeedError, match="Not a readable zip"):
        load(db, b"hello")


def _without(data: bytes, names: list[str]) -> bytes:
    import zipfile
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            if info.filename not in names:
                target.writestr(info, source.read(info))
    return out.getvalue()


# --- a direct ride home -------------------------------------------------------------------

def test_way_home_is_the_first_direct_ride_to_near_home(db):
    load(db, regional_feed())
    ride = way_home(db.session, VENUE, AIX_HOME, paris(20, 22))
    assert (ride.route, ride.to_stop) == ("ZOU! 51", "Aix Gare routière")
    assert (ride.departs_at, ride.arrives_at) == (paris(20, 22, 40), paris(20, 23, 25))
    assert way_home(db.session, VENUE, (43.0, 6.0), paris(20, 22)) is None
    # Out of service hours: nothing leaves between 02:00 and 06:00.
    assert way_home(db.session, VENUE, AIX_HOME, paris(21, 2, 30)) is None


# --- over HTTP ----------------------------------------------------------------------------

@pytest.fixture
def offer(db):
    """Tonight 20:30, 90 minutes: expected end 22:00, at the venue the feeds are built around."""
    venue = VenueFactory(lat=VENUE[0], lng=VENUE[1])
    show = ShowFactory(venue=venue, duration_minutes=90)
    performance = PerformanceFactory(show=show, starts_at=paris(20, 20, 30))
    release = ReleaseFactory(performance=performance, sales_open_at=NOW - timedelta(hours=1),
                             max_discount_at=paris(20, 19, 30))
    db.session.commit()
    return release


def test_done_when_an_imported_departure_after_the_show_is_in_getting_home(app, db, client,
                                                                         offer, tmp_path):
    feed = tmp_path / "zou.zip"
    feed.write_bytes(regional_feed())
    result = app.test_cli_runner().invoke(args=["transit", "import", str(feed)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("zou: 3 stops, 3 routes, 6 trips, 12 stop times")
    with time_machine.travel(NOW, tick=False):
        body = client.get(f"/api/v1/offers/{offer.id}").get_json()
    assert body["ends_at"] == "2026-11-20T21:00:00+00:00"
    assert body["getting_home"] == [{
        "mode": "bus", "route": "ZOU! 51", "headsign": "Aix-en-Provence",
        "stop": "Rive-Neuve", "walk_minutes": 2, "departs_at": "2026-11-20T21:40:00+00:00",
        "last_departs_at": "2026-11-21T00:10:00+00:00"}]


def test_getting_home_is_empty_without_a_feed(db, client, offer):
    with time_machine.travel(NOW, tick=False):
        response = client.get(f"/api/v1/offers/{offer.id}")
    body = response.get_json()
    assert response.status_code == 200, body
    assert body["getting_home"] == []
    assert body["ends_at"] == "2026-11-20T21:00:00+00:00"


def test_the_command_line_refuses_a_broken_feed_and_says_why(app, db, tmp_path):
    feed = tmp_path / "broken.zip"
    feed.write_bytes(build_zip({"agency.txt": [{"agency_timezone": "Europe/Paris"}]}))
    result = app.test_cli_runner().invoke(args=["transit", "import", str(feed),
                                                "--name", "zou"])
    assert result.exit_code != 0
    assert "Feed refused, nothing imported: Missing from the feed: stops.txt" in result.output
    assert counts(db) == (0, 0, 0, 0, 0)


def test_the_offer_page_says_when_the_show_ends_and_how_to_get_home(app, db, client, offer):
    load(db, regional_feed())
    db.session.commit()
    with time_machine.travel(NOW, tick=False):
        french = client.get(f"/offers/{offer.id}").get_data(as_text=True)
        english = client.get(f"/offers/{offer.id}?lang=en").get_data(as_text=True)
    assert "Pour rentrer" in french and "Fin vers 22:00." in french
    assert "à moins de 600 m du lieu (à pied, à 4,5 km/h)" in french
    assert "Bus ZOU! 51</strong> direction Aix-en-Provence" in french
    assert "à 22:40 à l’arrêt « Rive-Neuve », à 2 minutes à pied" in french
    assert "dernier départ à 01:10" in french
    assert "Getting home" in english and "The show should end around 22:00." in english
    assert "within 600 m of the venue (walking at 4.5 km/h)" in english


def test_the_offer_page_says_plainly_when_no_timetable_reaches_the_venue(db, client, offer):
    with time_machine.travel(NOW, tick=False):
        french = client.get(f"/offers/{offer.id}").get_data(as_text=True)
    assert "Fin vers 22:00." in french
    assert "Aucun horaire de bus, de tram ou de train connu de Kiosque" in french


# --- the list, with a home location ----------------------------------------------------------

def test_done_when_home_reachable_keeps_the_offer_with_its_way_home(db, client, offer):
    load(db, regional_feed())
    db.session.commit()
    home = f"home_lat={AIX_HOME[0]}&home_lng={AIX_HOME[1]}"
    with time_machine.travel(NOW, tick=False):
        kept = client.get(f"/api/v1/offers?{home}&home_reachable=true").get_json()
        away = client.get("/api/v1/offers?home_lat=44.0&home_lng=6.0").get_json()
        nowhere = client.get("/api/v1/offers?home_lat=44.0&home_lng=6.0"
                             "&home_reachable=true").get_json()
    assert [o["id"] for o in kept["offers"]] == [offer.id]
    way = kept["offers"][0]["way_home"]
    assert (way["route"], way["to_stop"], way["departs_at"], way["arrives_at"]) == (
        "ZOU! 51", "Aix Gare routière", "2026-11-20T21:40:00+00:00",
        "2026-11-20T22:25:00+00:00")
    assert away["offers"][0]["way_home"] is None
    assert nowhere["offers"] == []


def test_home_reachable_drops_the_offer_when_the_only_trip_leaves_before_the_end(db, client,
                                                                               offer):
    only_early = times("z-early", ("BESIDE", "21:30:00"), ("AIX", "22:15:00"))
    load(db, regional_feed(**{"stop_times.txt": only_early}))
    db.session.commit()
    with time_machine.travel(NOW, tick=False):
        body = client.get(f"/api/v1/offers?home_lat={AIX_HOME[0]}&home_lng={AIX_HOME[1]}"
                          "&home_reachable=true").get_json()
    assert body["offers"] == []


def test_home_reachable_without_a_home_is_refused(db, client):
    response = client.get("/api/v1/offers?home_reachable=true")
    assert response.status_code == 422
    assert response.get_json()["error"] == "validation_error"


def test_a_card_says_whether_there_is_a_ride_home_from_the_spectators_place(db, client, offer):
    load(db, regional_feed())
    db.session.commit()
    with time_machine.travel(NOW, tick=False):
        from_aix = client.get(f"/?lat={AIX_HOME[0]}&lng={AIX_HOME[1]}",
                              follow_redirects=True).get_data(as_text=True)
        from_the_venue = client.get(f"/?lat={VENUE[0]}&lng={VENUE[1]}",
                                    follow_redirects=True).get_data(as_text=True)
        from_the_far_stop = client.get(f"/?lat={JUST_OUT[0] + 0.003}&lng={JUST_OUT[1]}",
                                       follow_redirects=True).get_data(as_text=True)
        client.get("/?forget=1", follow_redirects=True)
        unlocated = client.get("/").get_data(as_text=True)
    assert "Retour possible : ZOU! 51 à 22:40" in from_aix
    # At the venue, home is a walk away: nothing to say.
    assert "Retour possible" not in from_the_venue and "Pas de retour" not in from_the_venue
    # Near the bus 7 stop (~950 m away): stops at both ends, but no trip between them.
    assert "Pas de retour en transports après le spectacle" in from_the_far_stop
    assert "Retour possible" not in unlocated and "Pas de retour" not in unlocated
