"""GET /api/v1/offers and /offers/{id}: what is on sale, filtered, sorted, paginated.

The clock is frozen at the `now` fixture: Friday 20 November 2026, 17:00 in Paris.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import event

from marketplace.domain.errors import ValidationFailed
from marketplace.domain.offers.queries import curtain_window, list_offers
from marketplace.domain.pricing import next_drop, price_at
from tests.factories import (
    HoldFactory,
    PerformanceFactory,
    ReleaseFactory,
    ShowFactory,
    VenueFactory,
)

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)  # the `now` fixture
VIEUX_PORT = {"lat": 43.2951, "lng": 5.3744}


@pytest.fixture(autouse=True)
def frozen_clock(now):
    with time_machine.travel(now, tick=False):
        yield


def paris(day: int, hour: int, minute: int = 0) -> datetime:
    """An instant of November 2026 on Paris clocks."""
    return datetime(2026, 11, day, hour, minute, tzinfo=PARIS).astimezone(UTC)


def make_offer(*, starts_at: datetime | None = None, venue=None, discipline: str = "theatre",
               title: str | None = None, performance_status: str = "scheduled", **release):
    """A release on sale since an hour ago for a performance (tonight 21:00 by default)."""
    starts_at = starts_at or paris(20, 21)
    show = ShowFactory(venue=venue or VenueFactory(), discipline=discipline,
                       **({"title": title} if title else {}))
    performance = PerformanceFactory(show=show, starts_at=starts_at, status=performance_status)
    release.setdefault("sales_open_at", NOW - timedelta(hours=1))
    release.setdefault("max_discount_at", starts_at - timedelta(hours=1))
    return ReleaseFactory(performance=performance, **release)


def ids(response) -> list[int]:
    assert response.status_code == 200, response.get_json()
    return [offer["id"] for offer in response.get_json()["offers"]]


# --- what an offer says ----------------------------------------------------------------------

def test_an_offer_carries_every_field_of_the_contract(db, client, now):
    venue = VenueFactory(slug="la-criee", name="La Criée", city="Marseille",
                         lat=43.2926, lng=5.3689)
    release = make_offer(venue=venue, title="Le Misanthrope", category="Orchestre",
                         face_price_cents=3000, quantity=20, sold=3)
    db.session.commit()

    body = client.get("/api/v1/offers").get_json()

    assert body["next_page"] is None and body["page"] == 1 and body["per_page"] == 20
    [offer] = body["offers"]
    schedule = release.price_schedule()
    drop = next_drop(schedule, now)
    assert offer == {
        "id": release.id,
        "show": {"title": "Le Misanthrope", "discipline": "theatre"},
        "venue": {"slug": "la-criee", "name": "La Criée", "city": "Marseille",
                  "lat": 43.2926, "lng": 5.3689, "step_free_access": False},
        "starts_at": "2026-11-20T20:00:00+00:00",
        "category": "Orchestre",
        "face_price_cents": 3000,
        "price_cents": price_at(schedule, now),
        "discount_percent": offer["discount_percent"],
        "next_drop_at": drop.at.isoformat(),
        "next_price_cents": drop.price_cents,
        "seats_left": 17,
        "max_per_order": 6,
        "distance_km": None,
    }
    assert 25 <= offer["discount_percent"] <= 80
    assert offer["next_price_cents"] < offer["price_cents"] < 3000
    assert datetime.fromisoformat(offer["next_drop_at"]) > now


def test_offer_id_is_the_release_id_that_holds_take(db, client):
    releases = [make_offer(category=c) for c in ("Orchestre", "Balcon")]
    db.session.commit()
    assert sorted(ids(client.get("/api/v1/offers"))) == sorted(r.id for r in releases)


def test_a_listed_offer_can_be_held_by_its_id(db, client):
    release = make_offer(quantity=5)
    db.session.commit()
    [offer] = client.get("/api/v1/offers").get_json()["offers"]

    held = client.post("/api/v1/holds", json={"offer_id": offer["id"], "quantity": 2})

    assert held.status_code == 201, held.get_json()
    assert held.get_json()["unit_price_cents"] == offer["price_cents"]
    assert client.get(f"/api/v1/offers/{release.id}").get_json()["seats_left"] == 3


def test_times_carry_their_offset(db, client):
    make_offer(starts_at=paris(20, 20, 30))
    db.session.commit()
    offer = client.get("/api/v1/offers").get_json()["offers"][0]
    starts_at = datetime.fromisoformat(offer["starts_at"])
    assert starts_at.utcoffset() is not None
    assert starts_at == paris(20, 20, 30)


# --- only what can be bought -----------------------------------------------------------------

def test_sold_out_closed_withdrawn_and_not_yet_open_releases_are_not_offers(db, client, now):
    on_sale = make_offer()
    make_offer(quantity=10, sold=10)  # sold out
    make_offer(status="closed")
    make_offer(status="withdrawn")
    make_offer(sales_open_at=now + timedelta(minutes=5))  # not yet open
    make_offer(starts_at=now + timedelta(hours=5), sales_open_at=now - timedelta(hours=2),
               max_discount_at=now - timedelta(minutes=30), sales_close_at=now)  # just closed
    make_offer(performance_status="cancelled")
    make_offer(venue=VenueFactory(status="suspended"))
    db.session.commit()

    assert ids(client.get("/api/v1/offers")) == [on_sale.id]


def test_active_holds_take_seats_and_expired_holds_give_them_back(db, client, now):
    release = make_offer(quantity=6, sold=1, held=4)
    HoldFactory(release=release, quantity=3, expires_at=now + timedelta(minutes=5))
    HoldFactory(release=release, quantity=1, expires_at=now - timedelta(seconds=1))
    db.session.commit()

    [offer] = client.get("/api/v1/offers").get_json()["offers"]
    assert offer["seats_left"] == 6 - 1 - 3


def test_a_release_fully_held_is_hidden_until_its_holds_lapse(db, client, now):
    release = make_offer(quantity=2, held=2)
    HoldFactory(release=release, quantity=2, expires_at=now + timedelta(minutes=10))
    db.session.commit()
    assert ids(client.get("/api/v1/offers")) == []

    with time_machine.travel(now + timedelta(minutes=10), tick=False):
        [offer] = client.get("/api/v1/offers").get_json()["offers"]
    assert offer["seats_left"] == 2


# --- when: Paris calendar --------------------------------------------------------------------

@pytest.fixture
def week(db):
    """Performances from Friday evening to Monday, each with an open release."""
    starts = {
        "fri_evening": paris(20, 20, 30),
        "fri_after_midnight": paris(21, 1, 0),
        "sat_morning": paris(21, 7, 0),
        "sat_evening": paris(21, 20, 0),
        "sun_evening": paris(22, 18, 0),
        "mon_evening": paris(23, 20, 0),
    }
    offers = {name: make_offer(starts_at=at).id for name, at in starts.items()}
    db.session.commit()
    return offers


@pytest.mark.parametrize(("when", "expected"), [
    ("tonight", ["fri_evening", "fri_after_midnight"]),
    ("tomorrow", ["fri_after_midnight", "sat_morning", "sat_evening"]),
    ("weekend", ["fri_after_midnight", "sat_morning", "sat_evening", "sun_evening"]),
    ("all", ["fri_evening", "fri_after_midnight", "sat_morning", "sat_evening", "sun_evening",
             "mon_evening"]),
])
def test_when_filters_by_paris_calendar(client, week, when, expected):
    response = client.get(f"/api/v1/offers?when={when}&sort=starts_at")
    assert ids(response) == [week[name] for name in expected]


def test_tonight_lasts_until_six_in_the_morning_paris_time():
    start, end = curtain_window("tonight", paris(20, 17))
    assert (start, end) == (paris(20, 17), paris(21, 6))
    # After midnight it is still the same night until 06:00.
    assert curtain_window("tonight", paris(21, 2)) == (paris(21, 2), paris(21, 6))


def test_weekend_on_a_sunday_is_this_weekend():
    saturday, monday = paris(21, 0), paris(23, 0)
    assert curtain_window("weekend", paris(22, 11)) == (saturday, monday)
    assert curtain_window("weekend", paris(21, 11)) == (saturday, monday)
    assert curtain_window("weekend", paris(16, 11)) == (saturday, monday)  # from Monday


def test_tomorrow_follows_the_paris_day_not_the_utc_day():
    # 00:30 in Paris on Saturday is still Friday in UTC: tomorrow is Sunday.
    assert curtain_window("tomorrow", paris(21, 0, 30)) == (paris(22, 0), paris(23, 0))


def test_windows_follow_daylight_saving_changes():
    # Paris leaves summer time on Sunday 25 October 2026: that day lasts 25 hours.
    saturday = datetime(2026, 10, 24, 12, tzinfo=PARIS).astimezone(UTC)
    start, end = curtain_window("tomorrow", saturday)
    assert end - start == timedelta(hours=25)


# --- discipline and price --------------------------------------------------------------------

def test_discipline_filter(db, client):
    dance = make_offer(discipline="dance")
    make_offer(discipline="theatre")
    db.session.commit()
    assert ids(client.get("/api/v1/offers?discipline=dance")) == [dance.id]


def test_max_price_filters_on_the_current_price(db, client, now):
    cheap = make_offer(face_price_cents=2000)
    dear = make_offer(face_price_cents=9000)
    db.session.commit()
    cheap_now = price_at(cheap.price_schedule(), now)
    assert price_at(dear.price_schedule(), now) > cheap_now

    assert ids(client.get(f"/api/v1/offers?max_price_cents={cheap_now}")) == [cheap.id]
    assert ids(client.get(f"/api/v1/offers?max_price_cents={cheap_now - 10}")) == []


def test_max_price_follows_the_price_as_it_drops(db, client, now):
    # Face 40 €, -25 % until an hour ago then -80 % an hour before curtain: 30 € → 8 €.
    release = make_offer(face_price_cents=4000, starts_at=now + timedelta(hours=3))
    db.session.commit()
    assert ids(client.get("/api/v1/offers?max_price_cents=900")) == []
    with time_machine.travel(now + timedelta(hours=2), tick=False):
        assert ids(client.get("/api/v1/offers?max_price_cents=900")) == [release.id]


# --- sorting ---------------------------------------------------------------------------------

@pytest.fixture
def three_offers(db, now):
    """Three offers that each sort first on a different key."""
    marseille = VenueFactory(city="Marseille", lat=43.2926, lng=5.3689)
    aix = VenueFactory(city="Aix-en-Provence", lat=43.5236, lng=5.4388)
    nice = VenueFactory(city="Nice", lat=43.7013, lng=7.2786)
    offers = {
        # Soonest, nearest, shallow discount, dear.
        "soon_near": make_offer(venue=marseille, starts_at=now + timedelta(hours=2),
                                face_price_cents=8000, start_discount=25, max_discount=30,
                                sales_open_at=now - timedelta(minutes=1)),
        # Deepest discount, in Aix.
        "deal": make_offer(venue=aix, starts_at=now + timedelta(hours=26),
                           face_price_cents=6000, start_discount=70, max_discount=80),
        # Cheapest, far away.
        "cheap_far": make_offer(venue=nice, starts_at=now + timedelta(hours=50),
                                face_price_cents=1000, start_discount=35, max_discount=45),
    }
    db.session.commit()
    return {name: release.id for name, release in offers.items()}


@pytest.mark.parametrize(("sort", "expected"), [
    ("starts_at", ["soon_near", "deal", "cheap_far"]),
    ("price", ["cheap_far", "deal", "soon_near"]),
    ("discount", ["deal", "cheap_far", "soon_near"]),
    ("distance", ["soon_near", "deal", "cheap_far"]),
    ("relevance", ["soon_near", "deal", "cheap_far"]),
])
def test_sorts(client, three_offers, sort, expected):
    response = client.get("/api/v1/offers", query_string={"sort": sort, **VIEUX_PORT})
    assert ids(response) == [three_offers[name] for name in expected]


def test_relevance_without_a_location_favours_sooner_and_deeper(client, three_offers):
    assert ids(client.get("/api/v1/offers"))[-1] == three_offers["cheap_far"]


def test_relevance_prefers_a_deal_nearby_to_the_same_deal_far_away(db, client, now):
    near = make_offer(venue=VenueFactory(lat=43.2926, lng=5.3689))
    far = make_offer(venue=VenueFactory(lat=43.7013, lng=7.2786))
    db.session.commit()
    assert ids(client.get("/api/v1/offers", query_string=VIEUX_PORT)) == [near.id, far.id]


# --- distance --------------------------------------------------------------------------------

def test_distance_is_given_and_filters_by_radius(client, three_offers):
    response = client.get("/api/v1/offers",
                          query_string={"radius_km": 30, "sort": "distance", **VIEUX_PORT})
    offers = response.get_json()["offers"]
    assert [o["id"] for o in offers] == [three_offers["soon_near"], three_offers["deal"]]
    assert offers[0]["distance_km"] < 1
    assert 25 <= offers[1]["distance_km"] <= 30  # Vieux-Port → Aix

    response = client.get("/api/v1/offers", query_string={"radius_km": 5, **VIEUX_PORT})
    assert ids(response) == [three_offers["soon_near"]]
    response = client.get("/api/v1/offers", query_string={"radius_km": 200, **VIEUX_PORT})
    assert len(ids(response)) == 3


def test_a_venue_just_inside_the_box_but_outside_the_circle_is_left_out(db, client):
    # North-east of the Vieux-Port: inside a 30 km box's corner, about 39 km away.
    make_offer(venue=VenueFactory(lat=43.2951 + 0.25, lng=5.3744 + 0.34))
    db.session.commit()
    assert ids(client.get("/api/v1/offers", query_string={"radius_km": 30, **VIEUX_PORT})) == []
    assert len(ids(client.get("/api/v1/offers", query_string={"radius_km": 45, **VIEUX_PORT}))) == 1


# --- pagination ------------------------------------------------------------------------------

@pytest.mark.parametrize("sort", ["starts_at", "price", "relevance"])
def test_pages_cover_every_offer_once(db, client, now, sort):
    created = {make_offer(starts_at=now + timedelta(hours=2 + i),
                          face_price_cents=2000 + i * 100).id for i in range(5)}
    db.session.commit()
    seen, page = [], 1
    while page:
        body = client.get(f"/api/v1/offers?per_page=2&page={page}&sort={sort}").get_json()
        assert len(body["offers"]) == (2 if body["next_page"] else 1)
        seen += [o["id"] for o in body["offers"]]
        page = body["next_page"]
    assert len(seen) == 5 and set(seen) == created


def test_a_page_past_the_end_is_empty(db, client):
    make_offer()
    db.session.commit()
    body = client.get("/api/v1/offers?page=3").get_json()
    assert body["offers"] == [] and body["next_page"] is None


def test_listing_costs_one_query_whatever_the_number_of_offers(app, db, client):
    def queries_for_listing() -> int:
        statements = []

        def count(conn, cursor, statement, *args):
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert client.get("/api/v1/offers?per_page=100").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return len([s for s in statements if "releases" in s])

    for _ in range(2):
        make_offer()
    db.session.commit()
    few = queries_for_listing()
    for _ in range(20):
        make_offer()
    db.session.commit()
    assert few == queries_for_listing() == 1


# --- detail ----------------------------------------------------------------------------------

def test_offer_detail_has_the_upcoming_schedule(db, client, now):
    release = make_offer()
    db.session.commit()
    body = client.get(f"/api/v1/offers/{release.id}").get_json()

    assert body["id"] == release.id and body["distance_km"] is None
    schedule = body["schedule"]
    assert 2 <= len(schedule) <= 12
    assert schedule[0] == {"at": body["next_drop_at"], "price_cents": body["next_price_cents"],
                           "discount_percent": schedule[0]["discount_percent"]}
    times = [datetime.fromisoformat(step["at"]) for step in schedule]
    prices = [step["price_cents"] for step in schedule]
    assert times == sorted(times) and times[0] > now
    assert prices == sorted(prices, reverse=True) and len(set(prices)) == len(prices)
    assert schedule[-1]["discount_percent"] == release.max_discount
    assert times[-1] <= release.max_discount_at


def test_offer_at_its_floor_price_has_no_next_drop(db, client, now):
    release = make_offer(starts_at=now + timedelta(minutes=30))  # past its deepest point
    db.session.commit()
    body = client.get(f"/api/v1/offers/{release.id}").get_json()
    assert body["discount_percent"] == 80
    assert body["next_drop_at"] is None and body["next_price_cents"] is None
    assert body["schedule"] == []


def test_detail_of_a_sold_out_offer_still_on_sale_shows_no_seats_left(db, client):
    release = make_offer(quantity=4, sold=4)
    db.session.commit()
    body = client.get(f"/api/v1/offers/{release.id}").get_json()
    assert body["seats_left"] == 0


def test_unknown_or_withdrawn_offer_is_404(db, client):
    withdrawn = make_offer(status="withdrawn")
    db.session.commit()
    for offer_id in (withdrawn.id, 999_999):
        response = client.get(f"/api/v1/offers/{offer_id}")
        assert response.status_code == 404
        assert response.get_json()["error"] == "not_found"
        assert response.get_json()["message"]


# --- bad input -------------------------------------------------------------------------------

@pytest.mark.parametrize(("query", "field"), [
    ("lat=43.3", "lng"),
    ("lng=5.4", "lat"),
    ("lat=91&lng=5.4", "lat"),
    ("lat=-90.5&lng=5.4", "lat"),
    ("lat=43.3&lng=181", "lng"),
    ("lat=nan&lng=5.4", "lat"),
    ("lat=north&lng=5.4", "lat"),
    ("when=yesterday", "when"),
    ("when=TONIGHT", "when"),
    ("sort=cheapest", "sort"),
    ("sort=distance", "sort"),
    ("discipline=jazz", "discipline"),
    ("per_page=101", "per_page"),
    ("per_page=0", "per_page"),
    ("page=0", "page"),
    ("page=-1", "page"),
    ("page=two", "page"),
    ("radius_km=0&lat=43.3&lng=5.4", "radius_km"),
    ("radius_km=-5&lat=43.3&lng=5.4", "radius_km"),
    ("radius_km=200.1&lat=43.3&lng=5.4", "radius_km"),
    ("radius_km=10", "radius_km"),
    ("max_price_cents=-1", "max_price_cents"),
    ("max_price_cents=9.5", "max_price_cents"),
])
def test_invalid_query_is_422_naming_the_field(client, query, field):
    response = client.get(f"/api/v1/offers?{query}")
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"] == "validation_error"
    assert body["field"] == field
    assert isinstance(body["message"], str) and body["message"]


def test_largest_valid_values_are_accepted(client):
    query = "lat=90&lng=-180&radius_km=200&per_page=100&max_price_cents=0&sort=distance"
    assert client.get(f"/api/v1/offers?{query}").status_code == 200


def test_the_query_function_refuses_what_the_schema_refuses(db, now):
    with pytest.raises(ValidationFailed) as refused:
        list_offers(db.session, now=now, sort="distance")
    assert refused.value.field == "sort"
    with pytest.raises(ValidationFailed):
        list_offers(db.session, now=now, when="someday")


def test_openapi_document_describes_the_offers(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "/api/v1/offers" in paths and "/api/v1/offers/{offer_id}" in paths
    parameters = {p["name"] for p in paths["/api/v1/offers"]["get"]["parameters"]}
    assert {"lat", "lng", "radius_km", "when", "discipline", "max_price_cents", "sort", "page",
            "per_page", "date", "step_free"} <= parameters


# --- distances, date, step-free --------------------------------------------------------------

def test_distances_are_within_half_a_percent_of_the_geodesic(db, client):
    from geopy.distance import geodesic

    spots = [(43.2926, 5.3689), (43.5236, 5.4388), (43.1245, 5.9318), (43.7013, 7.2786),
             (43.9493, 4.8057), (44.0926, 6.0093), (43.6577, 6.9228), (43.4053, 5.0476)]
    for lat, lng in spots:
        make_offer(venue=VenueFactory(lat=lat, lng=lng))
    db.session.commit()
    offers = client.get("/api/v1/offers", query_string={**VIEUX_PORT, "sort": "distance"}
                        ).get_json()["offers"]
    assert len(offers) == len(spots)
    for offer in offers:
        exact = geodesic((VIEUX_PORT["lat"], VIEUX_PORT["lng"]),
                         (offer["venue"]["lat"], offer["venue"]["lng"])).km
        assert abs(offer["distance_km"] - exact) <= 0.005 * exact + 0.005  # 2 decimals


def test_date_keeps_the_curtains_of_that_paris_day(db, client):
    saturday = make_offer(starts_at=paris(21, 20, 30))
    make_offer(starts_at=paris(22, 0, 30))  # Sunday just after midnight in Paris
    make_offer(starts_at=paris(20, 21))
    db.session.commit()
    assert ids(client.get("/api/v1/offers?date=2026-11-21")) == [saturday.id]
    assert ids(client.get("/api/v1/offers?date=2026-11-25")) == []


@pytest.mark.parametrize(("query", "field"), [
    ("date=2026-13-01", "date"), ("date=tomorrow", "date"),
    ("date=2026-11-21&when=tonight", "date"), ("step_free=maybe", "step_free"),
])
def test_bad_date_or_step_free_is_422(client, query, field):
    response = client.get(f"/api/v1/offers?{query}")
    assert response.status_code == 422
    assert response.get_json()["field"] == field


def test_step_free_keeps_venues_with_step_free_access(db, client):
    level = make_offer(venue=VenueFactory(step_free_access=True))
    make_offer(venue=VenueFactory(step_free_access=False))
    db.session.commit()
    assert ids(client.get("/api/v1/offers?step_free=true")) == [level.id]
    body = client.get(f"/api/v1/offers/{level.id}").get_json()
    assert body["venue"]["step_free_access"] is True


def test_offer_detail_tells_about_the_show_and_the_venue(db, client):
    venue = VenueFactory(address="30 quai de Rive-Neuve", postcode="13007",
                         transport_notes="Métro 1 Vieux-Port", getting_home_notes="Métro 1 "
                         "jusque vers 0 h 30", access_notes="Ascenseur", step_free_access=True)
    show = ShowFactory(venue=venue, description="Une comédie.", duration_minutes=95,
                       age_guidance="Dès 12 ans")
    release = ReleaseFactory(performance=PerformanceFactory(show=show, starts_at=paris(20, 21)),
                             sales_open_at=NOW - timedelta(hours=1))
    db.session.commit()
    body = client.get(f"/api/v1/offers/{release.id}").get_json()
    assert body["show"] == {
        "title": show.title, "discipline": "theatre", "description": "Une comédie.",
        "duration_minutes": 95, "age_guidance": "Dès 12 ans", "image_url": ""}
    assert body["venue"]["address"] == "30 quai de Rive-Neuve"
    assert body["venue"]["getting_home_notes"].startswith("Métro 1")
    assert body["sales_close_at"] == "2026-11-20T20:00:00+00:00"

