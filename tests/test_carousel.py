"""« À découvrir » and GET /api/v1/carousel: the mix of reasoned and random picks.

The statistical tests run the pure composition many times with fixed seeds: they are
deterministic (never flaky), and a control run with a distance-biased sampler shows
that the same statistic does catch a bias.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from hypothesis import given, settings
from hypothesis import strategies as st

from marketplace.domain.catalog.geo import haversine_km
from marketplace.domain.offers.carousel import PER_VENUE, Slot, compose, random_count
from tests.factories import PerformanceFactory, ReleaseFactory, ShowFactory, VenueFactory

NOW = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)
VIEUX_PORT = (43.2951, 5.3744)
REASONS = {"nearby", "soon", "deal", "random"}


def chi_square(counts: list[int]) -> float:
    """Pearson's statistic of counts against equal expected counts."""
    expected = sum(counts) / len(counts)
    return sum((count - expected) ** 2 / expected for count in counts)


def chi_square_critical(df: int, z: float = 3.090) -> float:
    """The chi-square value exceeded with probability 0.001 (Wilson–Hilferty, z = 3.09)."""
    a = 2 / (9 * df)
    return df * (1 - a + z * math.sqrt(a)) ** 3


# --- a region of offers, without a database -------------------------------------------------

class Region:
    """Offers spread from the Vieux-Port to 150 km away, one per venue unless told otherwise."""

    def __init__(self, venues: int = 40, per_venue: int = 1, seed: int = 7) -> None:
        rng = random.Random(seed)
        self.pool: list[Slot] = []
        self.distance: dict[int, float] = {}
        soon: dict[int, float] = {}
        deal: dict[int, float] = {}
        for v in range(venues):
            km = 0.5 + 150 * v / (venues - 1)  # venue v is further than venue v - 1
            for k in range(per_venue):
                offer_id = v * 100 + k
                self.pool.append(Slot(offer_id, v))
                self.distance[offer_id] = km
                soon[offer_id] = rng.uniform(0, 72)
                deal[offer_id] = rng.uniform(25, 80)
        self.ranked = {
            "nearby": sorted(self.pool, key=lambda s: (self.distance[s.offer_id], s.offer_id)),
            "soon": sorted(self.pool, key=lambda s: (soon[s.offer_id], s.offer_id)),
            "deal": sorted(self.pool, key=lambda s: (-deal[s.offer_id], s.offer_id)),
        }

    def random_picks(self, draws: int, seed: int, size: int = 10) -> Counter:
        rng = random.Random(seed)
        counts: Counter = Counter({slot.offer_id: 0 for slot in self.pool})
        for _ in range(draws):
            counts.update(s.offer_id for s, reason in compose(self.pool, self.ranked, size, rng)
                          if reason == "random")
        return counts


# --- the rules, on every draw ---------------------------------------------------------------

def check_rules(picks: list[tuple[Slot, str]], pool: list[Slot], size: int) -> None:
    ids = [slot.offer_id for slot, _ in picks]
    assert len(ids) == len(set(ids)), "an offer twice"
    assert all(slot in pool for slot, _ in picks)
    per_venue = Counter(slot.venue_id for slot, _ in picks)
    assert max(per_venue.values(), default=0) <= PER_VENUE
    capacity = sum(min(PER_VENUE, n) for n in Counter(s.venue_id for s in pool).values())
    assert len(picks) == min(size, capacity)
    randoms = sum(1 for _, reason in picks if reason == "random")
    if len(picks) >= 2:
        assert math.ceil(len(picks) / 4) <= randoms <= len(picks) // 2
    assert {reason for _, reason in picks} <= REASONS


def test_ten_items_hold_three_to_five_random_ones_and_the_rest_for_a_reason():
    region = Region()
    rng = random.Random(1)
    shares = Counter()
    for _ in range(500):
        picks = compose(region.pool, region.ranked, 10, rng)
        check_rules(picks, region.pool, 10)
        shares[sum(1 for _, reason in picks if reason == "random")] += 1
        assert {"nearby", "soon", "deal"} <= {reason for _, reason in picks}
    assert set(shares) == {3, 4, 5}  # every allowed share occurs


def test_reasoned_picks_take_the_best_of_each_reason_in_turn():
    region = Region()
    picks = compose(region.pool, region.ranked, 10, random.Random(3))
    reasoned = [(slot, reason) for slot, reason in picks if reason != "random"]
    randoms = {slot for slot, reason in picks if reason == "random"}
    first_nearby = next(s for s in region.ranked["nearby"] if s not in randoms)
    assert (first_nearby, "nearby") in reasoned
    assert [reason for _, reason in reasoned][:3] == ["nearby", "soon", "deal"]


def test_random_picks_are_spread_through_the_list():
    region = Region()
    picks = compose(region.pool, region.ranked, 10, random.Random(5))
    positions = [i for i, (_, reason) in enumerate(picks) if reason == "random"]
    assert all(b - a >= 2 for a, b in zip(positions, positions[1:], strict=False))


def test_at_most_two_offers_of_a_venue_even_when_it_has_many():
    region = Region(venues=4, per_venue=10)
    rng = random.Random(11)
    for _ in range(300):
        picks = compose(region.pool, region.ranked, 10, rng)
        check_rules(picks, region.pool, 10)
        assert len(picks) == 8  # four venues, two each


@settings(max_examples=150, deadline=None)
@given(venues=st.integers(0, 12), per_venue=st.integers(1, 4), size=st.integers(1, 30),
       seed=st.integers(0, 2**32))
def test_the_rules_hold_for_any_region_and_size(venues, per_venue, size, seed):
    region = Region(venues=max(venues, 2), per_venue=per_venue) if venues else None
    pool = region.pool if region else []
    ranked = region.ranked if region else {}
    check_rules(compose(pool, ranked, size, random.Random(seed)), pool, size)


def test_random_count_is_a_quarter_to_a_half():
    rng = random.Random(2)
    for items in range(2, 31):
        counts = {random_count(items, rng) for _ in range(200)}
        assert counts == set(range(math.ceil(items / 4), items // 2 + 1))
    assert random_count(1, rng) == 0 and random_count(0, rng) == 0


# --- uniform, whatever the distance ---------------------------------------------------------

@pytest.mark.parametrize("seed", [20261120, 1, 2])
def test_random_picks_are_uniform_over_every_open_offer(seed):
    region = Region()
    counts = region.random_picks(draws=3000, seed=seed)
    # 3000 carousels × 3 to 5 random picks over 40 offers: about 300 picks each.
    statistic = chi_square([counts[s.offer_id] for s in region.pool])
    assert statistic < chi_square_critical(len(region.pool) - 1), statistic
    # The nearest offer, always the first "nearby" pick, is drawn at random as often as
    # any other: random picks are drawn before, and independently of, the reasoned ones.
    nearest = region.ranked["nearby"][0].offer_id
    assert counts[nearest] > 0.8 * sum(counts.values()) / len(counts)


def test_random_picks_ignore_distance():
    region = Region()
    counts = region.random_picks(draws=3000, seed=20261121)
    by_distance = sorted(region.pool, key=lambda s: region.distance[s.offer_id])
    half = len(by_distance) // 2
    near = sum(counts[s.offer_id] for s in by_distance[:half])
    far = sum(counts[s.offer_id] for s in by_distance[half:])
    assert chi_square([near, far]) < chi_square_critical(1)
    picked_km = sum(region.distance[i] * n for i, n in counts.items()) / sum(counts.values())
    pool_km = sum(region.distance.values()) / len(region.distance)
    assert picked_km == pytest.approx(pool_km, rel=0.03)


def test_control_a_sampler_that_favours_nearby_offers_fails_the_same_test():
    """The statistic is not vacuous: a mild preference for proximity is caught."""
    region = Region()
    rng = random.Random(20261120)
    weights = [1 / (1 + region.distance[s.offer_id] / 100) for s in region.pool]
    counts = Counter({s.offer_id: 0 for s in region.pool})
    for _ in range(3000):
        counts.update(s.offer_id for s in rng.choices(region.pool, weights, k=4))
    assert chi_square([counts[s.offer_id] for s in region.pool]) > chi_square_critical(39)


# --- GET /api/v1/carousel and the home page -------------------------------------------------

@pytest.fixture(autouse=True)
def frozen_clock(now):
    with time_machine.travel(now, tick=False):
        yield


def offer(venue, hours: float = 4, **release):
    starts_at = NOW + timedelta(hours=hours)
    show = ShowFactory(venue=venue)
    performance = PerformanceFactory(show=show, starts_at=starts_at)
    release.setdefault("sales_open_at", NOW - timedelta(hours=1))
    release.setdefault("max_discount_at", starts_at - timedelta(hours=1))
    return ReleaseFactory(performance=performance, **release)


@pytest.fixture
def region(db):
    """Twelve venues from Marseille northwards, three offers each, one of them sold out."""
    sold_out = set()
    for v in range(12):
        venue = VenueFactory(lat=VIEUX_PORT[0] + 0.08 * v, lng=VIEUX_PORT[1])
        for k in range(3):
            release = offer(venue, hours=2 + v + k, quantity=10, sold=10 if k == 2 else 0)
            if k == 2:
                sold_out.add(release.id)
    db.session.commit()
    return sold_out


def test_carousel_api_follows_the_contract(client, region):
    for _ in range(30):
        response = client.get("/api/v1/carousel", query_string={
            "lat": VIEUX_PORT[0], "lng": VIEUX_PORT[1], "size": 10})
        assert response.status_code == 200
        items = response.get_json()["items"]
        assert len(items) == 10
        ids = [item["offer"]["id"] for item in items]
        assert len(set(ids)) == 10 and not set(ids) & region
        venues = Counter(item["offer"]["venue"]["slug"] for item in items)
        assert max(venues.values()) <= 2
        randoms = sum(item["reason"] == "random" for item in items)
        assert 3 <= randoms <= 5
        assert {item["reason"] for item in items} <= REASONS
        assert all(item["offer"]["seats_left"] > 0 for item in items)
        assert all(item["offer"]["distance_km"] is not None for item in items)


def test_nearby_picks_are_the_nearest_and_distances_are_given(client, region):
    items = client.get("/api/v1/carousel", query_string={
        "lat": VIEUX_PORT[0], "lng": VIEUX_PORT[1]}).get_json()["items"]
    nearby = [item["offer"] for item in items if item["reason"] == "nearby"]
    distances = [o["distance_km"] for o in nearby]
    assert nearby and distances == sorted(distances)
    # Any venue nearer than the first nearby pick is already full (two open offers each,
    # drawn at random first), so nothing nearer was passed over.
    shown = Counter(item["offer"]["venue"]["slug"] for item in items)
    nearer = {item["offer"]["venue"]["slug"] for item in items
              if item["offer"]["distance_km"] < distances[0]}
    assert all(shown[slug] == 2 for slug in nearer)
    assert distances[0] < 1 or nearer
    first = nearby[0]
    assert first["distance_km"] == pytest.approx(
        haversine_km(*VIEUX_PORT, first["venue"]["lat"], first["venue"]["lng"]), abs=0.01)


def test_without_a_location_there_are_no_nearby_picks(client, region):
    items = client.get("/api/v1/carousel?size=8").get_json()["items"]
    assert len(items) == 8
    assert "nearby" not in {item["reason"] for item in items}
    assert all(item["offer"]["distance_km"] is None for item in items)


def test_an_empty_region_has_an_empty_carousel(client, db):
    assert client.get("/api/v1/carousel").get_json() == {"items": []}


@pytest.mark.parametrize(("query", "field"), [
    ("size=0", "size"), ("size=31", "size"), ("size=ten", "size"),
    ("lat=43.3", "lng"), ("lng=5.4", "lat"), ("lat=91&lng=5", "lat"),
])
def test_bad_carousel_queries_are_422_naming_the_field(client, query, field):
    response = client.get(f"/api/v1/carousel?{query}")
    assert response.status_code == 422
    assert response.get_json()["error"] == "validation_error"
    assert response.get_json()["field"] == field


def test_openapi_describes_the_carousel(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "/api/v1/carousel" in paths


def test_home_page_shows_the_carousel_with_its_labels_in_french(client, region):
    html = client.get("/").get_data(as_text=True)
    assert "À découvrir" in html
    labels = {"au hasard", "bientôt", "bon plan"}
    assert labels <= set(html_labels(html))
    assert html.count('class="pick pick--') == 10


def test_htmx_fragments_leave_the_carousel_out(client, region):
    html = client.get("/?when=tonight", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "pick pick--" not in html


def html_labels(html: str) -> list[str]:
    import re

    return re.findall(r'<p class="pick__reason">([^<]+)</p>', html)


def test_deal_picks_are_the_deepest_discounts_now(client, db):
    # Six venues, each an offer whose discount today is deeper than the one before.
    for n in range(6):
        venue = VenueFactory(lat=VIEUX_PORT[0] + 0.05 * n, lng=VIEUX_PORT[1])
        offer(venue, hours=30, start_discount=25 + 10 * n, max_discount=80)
    db.session.commit()
    discounts = {o["id"]: o["discount_percent"]
                 for o in client.get("/api/v1/offers").get_json()["offers"]}
    assert len(set(discounts.values())) == 6
    for _ in range(10):
        items = client.get("/api/v1/carousel?size=4").get_json()["items"]
        deals = [item["offer"]["id"] for item in items if item["reason"] == "deal"]
        shown = {item["offer"]["id"] for item in items}
        assert [discounts[i] for i in deals] == sorted((discounts[i] for i in deals),
                                                       reverse=True)
        # No offer left out of the carousel is deeper than a deal it shows.
        left_out = [discounts[i] for i in discounts if i not in shown]
        assert not deals or max(left_out) < min(discounts[i] for i in deals)


def test_a_shared_read_of_the_region_never_shows_what_sold_out_since(db, region):
    from sqlalchemy import update

    from marketplace.domain.inventory.models import Release
    from marketplace.domain.offers.carousel import _shared, discover

    _shared.clear()
    try:
        first = discover(db.session, now=NOW, size=10, rng=random.Random(1), reuse_seconds=60)
        assert len(first) == 10
        gone = [pick.offer.id for pick in first]
        db.session.execute(update(Release).where(Release.id.in_(gone))
                           .values(sold=Release.quantity))
        db.session.commit()
        later = discover(db.session, now=NOW, size=10, rng=random.Random(2), reuse_seconds=60)
        assert _shared  # the region was read once and shared
        assert not {pick.offer.id for pick in later} & set(gone)
        randoms = sum(pick.reason == "random" for pick in later)
        assert len(later) >= 2 and math.ceil(len(later) / 4) <= randoms <= len(later) // 2
    finally:
        _shared.clear()
