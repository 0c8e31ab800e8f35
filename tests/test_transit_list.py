"""« Je peux rentrer » on the list: only the shows with a direct ride home from the
spectator's place, at the walk they accept, answered for the whole list at once.
Feeds are built in code (tests/transit_feeds.py); the clock is Friday 20 November 2026."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import event

from marketplace.domain.transit.importer import import_feed
from marketplace.domain.transit.journeys import rides_home
from tests.factories import PerformanceFactory, ReleaseFactory, ShowFactory, VenueFactory
from tests.transit_feeds import AIX, AIX_HOME, VENUE, regional_feed, times

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)
# ~700 m north of the Aix stop: beyond a 600 m walk, within 1 km.
FAR_HOME = (AIX[0] + 0.0063, AIX[1])


def paris(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=PARIS).astimezone(UTC)


def load(db, data: bytes) -> None:
    import_feed(db.session, io.BytesIO(data), "zou", NOW)
    db.session.commit()


@pytest.fixture
def offer(db):
    """Tonight 20:30, 90 minutes (expected end 22:00), at the venue the feeds surround."""
    venue = VenueFactory(lat=VENUE[0], lng=VENUE[1])
    show = ShowFactory(venue=venue, duration_minutes=90, title="Le Dernier Car")
    performance = PerformanceFactory(show=show, starts_at=paris(20, 20, 30))
    release = ReleaseFactory(performance=performance, sales_open_at=NOW - timedelta(hours=1),
                             max_discount_at=paris(20, 19, 30))
    db.session.commit()
    return release


def listed(client, home: tuple[float, float] | None, query: str) -> tuple[int, str]:
    """The storefront list from `home` (the spectator's place) with `query`."""
    with time_machine.travel(NOW, tick=False):
        if home is not None:
            client.get(f"/?lat={home[0]}&lng={home[1]}")
        response = client.get(f"/?{query}")
    return response.status_code, response.get_data(as_text=True)


def card(offer) -> str:
    """How the list shows an offer's card (the carousel above it is not filtered)."""
    return f'id="offer-{offer.id}-title"'


def api(client, home: tuple[float, float], query: str = "") -> list[int]:
    with time_machine.travel(NOW, tick=False):
        body = client.get(f"/api/v1/offers?home_lat={home[0]}&home_lng={home[1]}"
                          f"&home_reachable=true{query}").get_json()
    return [o["id"] for o in body["offers"]]


# --- which shows the filter keeps -----------------------------------------------------------

def test_i_can_get_home_keeps_a_show_with_a_ride_leaving_after_the_end(db, client, offer):
    load(db, regional_feed())
    status, page = listed(client, AIX_HOME, "home_reachable=1")
    assert status == 200
    assert card(offer) in page and "Retour possible : ZOU! 51 à 22:40" in page
    assert api(client, AIX_HOME) == [offer.id]


def test_i_can_get_home_drops_a_show_whose_only_ride_leaves_before_the_end(db, client, offer):
    load(db, regional_feed(**{"stop_times.txt": times(
        "z-early", ("BESIDE", "21:30:00"), ("AIX", "22:15:00"))}))
    status, page = listed(client, AIX_HOME, "home_reachable=1")
    assert status == 200 and card(offer) not in page
    # Without the filter the show is listed, and says there is no way home.
    _, unfiltered = listed(client, None, "")
    assert card(offer) in unfiltered
    assert "Pas de retour en transports après le spectacle" in unfiltered
    assert api(client, AIX_HOME) == []


def test_the_walk_chosen_decides_whether_a_ride_stopping_far_from_home_counts(db, client,
                                                                             offer):
    load(db, regional_feed())
    assert api(client, FAR_HOME) == []  # 600 m by default: the Aix stop is ~700 m away
    assert api(client, FAR_HOME, "&walk_m=300") == []
    assert api(client, FAR_HOME, "&walk_m=1000") == [offer.id]
    _, at_600 = listed(client, FAR_HOME, "home_reachable=1")
    _, at_1000 = listed(client, FAR_HOME, "home_reachable=1&walk_m=1000")
    assert card(offer) not in at_600
    # At 1 km, bus 7's stop (~612 m from the venue) is within reach too, and leaves first.
    assert card(offer) in at_1000 and "Retour possible : 7 à 22:30" in at_1000
    assert '<option value="1000" selected>1000 m</option>' in at_1000


def test_the_walk_chosen_applies_at_the_venue_end_too(db, client, offer):
    # Only bus 7, from a stop ~612 m from the venue.
    load(db, regional_feed(**{"stop_times.txt": times(
        "b7", ("FAR", "22:30:00"), ("AIX", "23:30:00"))}))
    assert api(client, AIX_HOME) == []
    assert api(client, AIX_HOME, "&walk_m=1000") == [offer.id]


# --- the page ------------------------------------------------------------------------------

def test_the_filter_without_a_place_says_it_needs_one_and_filters_nothing(db, client, offer):
    load(db, regional_feed())
    status, page = listed(client, None, "home_reachable=1")
    assert status == 200
    assert "donnez votre ville ou votre position" in page
    assert card(offer) in page


def test_the_filter_is_a_chip_and_a_checkbox_and_works_as_an_htmx_fragment(db, client, offer):
    load(db, regional_feed())
    _, page = listed(client, AIX_HOME, "")
    assert 'href="/?home_reachable=1"' in page and "Je peux rentrer" in page
    assert 'name="home_reachable"' in page and 'name="walk_m"' in page
    with time_machine.travel(NOW, tick=False):
        fragment = client.get("/?home_reachable=1&walk_m=1000",
                              headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in fragment and card(offer) in fragment
    assert 'aria-current="true">Je peux rentrer' in fragment


@pytest.mark.parametrize("walk", ["450", "abc", "-600", "0", "99999999999999999999999", "６００"])
def test_a_walk_nobody_could_pick_is_refused_with_a_clear_message(db, client, offer, walk):
    load(db, regional_feed())
    status, page = listed(client, AIX_HOME, f"home_reachable=1&walk_m={walk}")
    assert status == 422
    assert ("La marche à chaque bout se choisit parmi 300 m, 600 m, 1000 m ; "
            "la liste utilise 600 m.") in page
    assert card(offer) in page  # the list at the usual 600 m


@pytest.mark.parametrize("walk", ["50", "2001", "abc", "1e3", "99999999999999999999999"])
def test_the_api_refuses_a_walk_out_of_range(db, client, walk):
    with time_machine.travel(NOW, tick=False):
        response = client.get(f"/api/v1/offers?home_lat={AIX_HOME[0]}&home_lng={AIX_HOME[1]}"
                              f"&home_reachable=true&walk_m={walk}")
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"] == "validation_error" and "walk_m" in str(body)


# --- one query for the whole list ------------------------------------------------------------

def test_rides_home_asks_the_same_few_queries_whatever_the_number_of_venues(db):
    load(db, regional_feed())
    end = paris(20, 22)
    one = {VENUE: {end}}
    many = {(VENUE[0], VENUE[1] + i * 0.0001): {end, end + timedelta(days=1)}
            for i in range(30)}
    counts = []
    for nights in (one, many):
        statements: list[str] = []
        engine = db.session.get_bind()

        def count(*args, statements=statements, **kwargs):
            statements.append(args[2])

        event.listen(engine, "before_cursor_execute", count)
        try:
            rides = rides_home(db.session, AIX_HOME, nights)
        finally:
            event.remove(engine, "before_cursor_execute", count)
        counts.append(len(statements))
        # Friday the coach, Saturday the tram (which does not run on Friday) leaves first.
        assert {ride.route for ride in rides.values()} == (
            {"ZOU! 51"} if nights is one else {"ZOU! 51", "T2"})
        assert len(rides) == sum(len(ends) for ends in nights.values())
    assert counts[0] == counts[1] <= 3
