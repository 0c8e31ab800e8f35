"""Every figure the agency sees equals a brute-force recount in plain Python.

The recount follows the written definitions (README, « Agency figures »): a period selects
performances by their Paris date and every figure of a row is about them; the shares
are over orders. tests/test_uptake_recount_independent.py checks the same figures
against what must hold whatever the code (fill rate at most 100 %, headline within the
rows), on sales paid long after their sales opened.

A region is generated at random (seeded): venues in several départements, releases
opening over two months across the end of summer time, paid, refunded, cancelled and
pending orders, returning buyers with their e-mail in another case, erased buyers,
postcodes the region knows and some it does not, purchases at Paris midnight. Each
figure is then recounted from the rows themselves, the slow obvious way.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

import pytest

from marketplace.domain.catalog.geo import haversine_km
from marketplace.domain.catalog.models import Performance, Show, Venue
from marketplace.domain.catalog.towns import TOWNS
from marketplace.domain.inventory.models import Hold, Release
from marketplace.domain.orders.models import Order
from marketplace.domain.timeutil import PARIS, to_paris
from marketplace.domain.uptake.dashboard import build_dashboard
from marketplace.domain.uptake.periods import Period, iso_week
from marketplace.domain.uptake.queries import (
    MIN_BUYERS,
    region_postcode_locator,
    region_totals,
    seats,
    uptake,
)
from marketplace.domain.uptake.territories import buyer_territories
from marketplace.domain.uptake.timeline import MAX_DAILY_POINTS, daily_sales, sales_over_time
from marketplace.domain.uptake.timing import BUCKET_STARTS_HOURS, purchase_timing

# Crosses the end of summer time (25 October 2026) and starts on a Monday.
PERIOD = Period(date(2026, 10, 12), date(2026, 11, 8))
FIRST, LAST = datetime(2026, 9, 1, tzinfo=UTC), datetime(2026, 11, 20, tzinfo=UTC)
VENUES = [  # slug, postcode, lat, lng, disciplines
    ("la-criee", "13007", 43.2920, 5.3640, ("theatre", "dance")),
    ("le-silo", "13002", 43.3100, 5.3660, ("music", "comedy")),
    ("gtp", "13100", 43.5250, 5.4390, ("opera", "dance", "music")),
    ("chateauvallon", "83190", 43.1590, 5.8600, ("theatre", "circus")),
    ("grasse", "06130", 43.6580, 6.9225, ("theatre", "family")),
    ("petite-salle", "84000", 43.9490, 4.8050, ("other",)),  # a handful of buyers only
]
UNKNOWN_POSTCODES = ("75011", "99999", "2A004")
STATUSES = ("paid",) * 14 + ("refunded", "refunded", "cancelled", "pending")
PRIVATE_BIRTH_YEARS = (1913, 1917, 1923, 2004, 2007)


def buyer_name(n: int) -> str:
    return f"Zéphyrine Quintal{n:02d}"


def buyer_email(n: int) -> str:
    return f"zephyrine.quintal{n:02d}@mailbox.example"


def generate_region(db, seed: int = 8, orders: int = 520,
                    shift: timedelta = timedelta(0)) -> None:
    """A random region with sales around PERIOD and the period before (committed).

    `shift` moves every instant (the browser test wants the sales around today).
    """
    rng = random.Random(seed)
    buyers = [(buyer_email(n), buyer_name(n), rng.choice(TOWNS).postcode
               if rng.random() < 0.85 else rng.choice(UNKNOWN_POSTCODES),
               rng.choice((None, None, *PRIVATE_BIRTH_YEARS, 1960, 1975, 1988, 1999, 2001)))
              for n in range(70)]
    releases = []
    for slug, postcode, lat, lng, disciplines in VENUES:
        venue = Venue(slug=slug, name=slug.title(), postcode=postcode, city="Ville", lat=lat,
                      lng=lng, address="1 rue du Théâtre")
        db.session.add(venue)
        shows = [Show(venue=venue, title=f"{slug} {d}", discipline=d) for d in disciplines]
        db.session.add_all(shows)
        db.session.flush()
        for _ in range(6 if slug != "petite-salle" else 1):
            starts_at = _random_instant(rng) + timedelta(days=rng.randint(0, 10)) + shift
            if slug == "petite-salle":  # its one performance is in PERIOD, its few buyers too
                starts_at = datetime(2026, 10, 20, 18, tzinfo=UTC) + shift
            performance = Performance(show=rng.choice(shows), venue=venue, starts_at=starts_at)
            opens = starts_at - timedelta(days=rng.randint(1, 12), minutes=rng.randint(0, 600))
            for category in ("Plein tarif", "Balcon")[:rng.randint(1, 2)]:
                release = Release(
                    performance=performance, venue_id=venue.id, category=category,
                    face_price_cents=rng.choice((1500, 2200, 3000, 4500)),
                    quantity=rng.randint(20, 400), sold=0, held=0, start_discount=25,
                    max_discount=70, sales_open_at=opens, max_discount_at=starts_at,
                    sales_close_at=starts_at)
                db.session.add(release)
                releases.append((release, venue, performance))
    db.session.flush()
    small = [r for r in releases if r[1].slug == "petite-salle"]
    for n in range(orders):
        release, venue, performance = rng.choice(releases if n % 60 else small)
        pool = buyers[:6] if venue.slug == "petite-salle" else buyers
        email, name, postcode, birth_year = rng.choice(pool)
        if rng.random() < 0.3:
            email = email.upper() if rng.random() < 0.5 else email.title()
        paid_at = _sale_instant(rng, n, performance.starts_at, shift)
        _order(db, rng, release, venue, paid_at, email, name, postcode, birth_year)
    db.session.commit()


def _random_instant(rng: random.Random) -> datetime:
    return FIRST + timedelta(seconds=rng.randint(0, int((LAST - FIRST).total_seconds())))


def _sale_instant(rng: random.Random, n: int, starts_at: datetime,
                  shift: timedelta) -> datetime:
    # Some at the very edges of Paris days and of the period, the rest before curtain.
    edges = [datetime(2026, 10, 12, tzinfo=PARIS), datetime(2026, 10, 11, 23, 59, 59,
                                                            tzinfo=PARIS),
             datetime(2026, 11, 9, tzinfo=PARIS), datetime(2026, 11, 8, 23, 59, 59, tzinfo=PARIS),
             datetime(2026, 10, 25, 2, 30, tzinfo=PARIS),  # the hour that happens twice
             datetime(2026, 10, 25, 23, 30, tzinfo=PARIS)]
    if n % 23 == 0:
        return edges[n // 23 % len(edges)].astimezone(UTC) + shift
    before = timedelta(seconds=rng.choice((
        rng.randint(0, 3600), rng.randint(0, 6 * 3600), rng.randint(0, 3 * 86400),
        rng.randint(0, 12 * 86400), 3600, 3 * 3600, 86400)))
    return starts_at - before


def _order(db, rng, release, venue, paid_at, email, name, postcode, birth_year) -> None:
    status = rng.choice(STATUSES)
    quantity = rng.randint(1, 6)
    unit = release.face_price_cents * rng.choice((30, 45, 50, 62, 75)) // 100
    erased = status == "paid" and rng.random() < 0.05
    hold = Hold(release_id=release.id, quantity=quantity, unit_price_cents=unit,
                status="converted", expires_at=paid_at, created_at=paid_at)
    db.session.add(hold)
    db.session.flush()
    db.session.add(Order(
        hold_id=hold.id, release_id=release.id, venue_id=venue.id, status=status,
        quantity=quantity, unit_price_cents=unit, total_cents=quantity * unit,
        face_price_cents=release.face_price_cents, discount_percent=50,
        buyer_email=None if erased else email, buyer_name=None if erased else name,
        buyer_postcode=None if erased else postcode,
        buyer_birth_year=None if erased else birth_year, token_hash="0" * 64,
        payment_provider="demo", new_to_venue=rng.choice((True, False, None)),
        created_at=paid_at, paid_at=None if status == "pending" else paid_at,
        anonymised_at=paid_at if erased else None))


# The recount ------------------------------------------------------------------------------


def paris_day(at: datetime) -> date:
    return to_paris(at).date()


def in_period(at: datetime | None, period: Period) -> bool:
    return at is not None and period.start <= paris_day(at) <= period.end


class Recount:
    """The figures again, from every row, in the slowest and plainest way."""

    def __init__(self, db) -> None:
        self.locate = region_postcode_locator(db.session)
        self.orders = list(db.session.query(Order).all())
        self.releases = list(db.session.query(Release).all())

    @staticmethod
    def key(group_by: str, release: Release) -> str:
        performance = release.performance
        return {"venue": lambda: performance.venue.slug,
                "discipline": lambda: performance.show.discipline,
                "postcode_area": lambda: performance.venue.postcode[:2],
                "week": lambda: iso_week(paris_day(performance.starts_at)),
                "all": lambda: "all"}[group_by]()

    def sales(self, period: Period) -> list[Order]:
        """The sales of the period's performances (whenever paid)."""
        return [o for o in self.orders if o.status == "paid"
                and in_period(o.release.performance.starts_at, period)]

    def paid_on(self, period: Period) -> list[Order]:
        """The sales paid on the period's days (whatever the performance)."""
        return [o for o in self.orders if o.status == "paid" and in_period(o.paid_at, period)]

    def rows(self, period: Period, group_by: str) -> dict[str, dict]:
        released, sales = defaultdict(int), defaultdict(list)
        for release in self.releases:
            if in_period(release.performance.starts_at, period):
                released[self.key(group_by, release)] += release.quantity
        for order in self.sales(period):
            sales[self.key(group_by, order.release)].append(order)
        return {group: self.row(group, released[group], sales[group], period)
                for group in set(released) | set(sales)}

    def row(self, group: str, released: int, orders: list[Order], period: Period) -> dict:
        def who(o: Order) -> str:
            return o.buyer_email.lower() if o.buyer_email else f"erased {o.id}"

        buyers = {who(o) for o in orders}
        new = [o for o in orders if o.new_to_venue is True]
        aged = [o for o in orders if o.buyer_birth_year is not None]
        young = [o for o in aged if o.buyer_birth_year > period.end.year - 30]
        distances = []
        for o in orders:
            point = self.locate(o.buyer_postcode) if o.buyer_postcode else None
            if point is not None:
                venue = o.release.performance.venue
                distances.append(haversine_km(*point, venue.lat, venue.lng))
        sold = sum(o.quantity for o in orders)
        revenue = sum(o.total_cents for o in orders)
        face = sum(o.quantity * o.face_price_cents for o in orders)
        hidden = len(buyers) < MIN_BUYERS
        return {
            "group": group, "released": released, "sold": sold,
            "sell_through": round(sold / released, 4) if released else None,
            "revenue_cents": revenue, "face_value_cents": face,
            "avg_discount_percent": round(100 * (1 - revenue / face), 1) if face else None,
            "orders": len(orders), "buyers": len(buyers),
            "new_to_venue_share": None if hidden or not orders
            else round(len(new) / len(orders), 4),
            "under_30_share": None if hidden or not aged else round(len(young) / len(aged), 4),
            "median_buyer_distance_km": None if hidden or not distances
            else round(sorted(distances)[(len(distances) + 1) // 2 - 1], 1),
        }


@pytest.fixture
def region(db):
    generate_region(db)
    return Recount(db)


def test_the_generated_region_has_what_the_recount_must_cope_with(region):
    statuses = {o.status for o in region.orders}
    assert statuses == {"paid", "refunded", "cancelled", "pending"}
    assert any(o.buyer_email is None and o.status == "paid" for o in region.orders)
    assert any(o.buyer_email and o.buyer_email != o.buyer_email.lower() for o in region.orders)
    rows = region.rows(PERIOD, "venue")
    assert rows["petite-salle"]["buyers"] < MIN_BUYERS <= rows["la-criee"]["buyers"]
    assert len(region.sales(PERIOD)) > 150


@pytest.mark.parametrize("group_by", ["venue", "discipline", "week", "postcode_area"])
def test_every_uptake_figure_matches_the_recount(db, region, group_by):
    computed = {r.group: r.as_dict() for r in uptake(
        db.session, PERIOD.start, PERIOD.end, group_by, region.locate)}
    assert computed == region.rows(PERIOD, group_by)


@pytest.mark.parametrize("group_by", ["venue", "discipline", "week", "postcode_area"])
def test_seats_alone_match_the_recount(db, region, group_by):
    computed = {r.group: (r.released, r.sold) for r in seats(
        db.session, PERIOD.start, PERIOD.end, group_by)}
    assert computed == {group: (row["released"], row["sold"])
                        for group, row in region.rows(PERIOD, group_by).items()}


def test_region_totals_for_the_period_and_the_one_before_match_the_recount(db, region):
    for period in (PERIOD, PERIOD.previous()):
        totals = region_totals(db.session, period.start, period.end, region.locate)
        assert totals.as_dict() == region.rows(period, "all")["all"]


def test_sales_by_day_of_purchase_match_the_recount(db, region):
    expected = {day: [0, 0, 0] for day in PERIOD.each_day()}
    for order in region.paid_on(PERIOD):
        figures = expected[paris_day(order.paid_at)]
        figures[0] += order.quantity
        figures[1] += 1
        figures[2] += order.total_cents
    computed = {p.first_day: [p.sold, p.orders, p.revenue_cents]
                for p in daily_sales(db.session, PERIOD.start, PERIOD.end)}
    assert computed == expected
    assert len(computed) == 28  # the day of 25 hours is one day


def test_a_long_period_is_shown_by_week_with_the_same_totals(db, region):
    long = Period(date(2026, 8, 1), date(2026, 11, 30))
    assert long.days > MAX_DAILY_POINTS
    weeks = sales_over_time(db.session, long.start, long.end)
    assert weeks[0].label == "2026-W31" and weeks[-1].label == "2026-W49"
    assert sum(w.sold for w in weeks) == sum(o.quantity for o in region.paid_on(long))


def test_purchase_timing_matches_the_recount(db, region):
    expected = [[0, 0] for _ in BUCKET_STARTS_HOURS]
    for order in region.sales(PERIOD):
        hours = (order.release.performance.starts_at - order.paid_at).total_seconds() / 3600
        index = max([0, *[n for n, start in enumerate(BUCKET_STARTS_HOURS) if hours >= start]])
        expected[index][0] += 1
        expected[index][1] += order.quantity
    computed = [[b.orders, b.seats] for b in purchase_timing(db.session, PERIOD.start,
                                                             PERIOD.end)]
    assert computed == expected
    assert sum(b[0] for b in computed) == len(region.sales(PERIOD))


def test_buyers_territories_match_the_recount(db, region):
    areas: dict[str, set] = defaultdict(set)
    orders, seats = defaultdict(int), defaultdict(int)
    for order in region.sales(PERIOD):
        area = order.buyer_postcode[:2] if order.buyer_postcode else ""
        areas[area].add(order.buyer_email.lower() if order.buyer_email else order.id)
        orders[area] += 1
        seats[area] += order.quantity
    shown = {a for a, who in areas.items() if a.isdigit() and len(who) >= MIN_BUYERS}
    territories = buyer_territories(db.session, PERIOD.start, PERIOD.end)
    assert {a.area: (a.buyers, a.orders, a.seats) for a in territories.areas} == {
        a: (len(areas[a]), orders[a], seats[a]) for a in shown}
    rest = set(areas) - shown
    assert (territories.elsewhere.orders, territories.elsewhere.seats) == (
        sum(orders[a] for a in rest), sum(seats[a] for a in rest))
    assert territories.elsewhere.buyers == sum(len(areas[a]) for a in rest)
    assert [a.buyers for a in territories.areas] == sorted(
        (a.buyers for a in territories.areas), reverse=True)
    assert "2A" not in {a.area for a in territories.areas}  # not a postcode area of ours


def test_the_dashboard_gathers_the_same_figures(db, region):
    dashboard = build_dashboard(db.session, PERIOD, "venue", region.locate)
    assert {r.group: r.as_dict() for r in dashboard.rows} == region.rows(PERIOD, "venue")
    assert {r.group: (r.released, r.sold, r.sell_through) for r in dashboard.disciplines} == {
        group: (row["released"], row["sold"], row["sell_through"])
        for group, row in region.rows(PERIOD, "discipline").items()}
    current, previous = region.rows(PERIOD, "all")["all"], region.rows(
        PERIOD.previous(), "all")["all"]
    figures = {f.name: f for f in dashboard.headline}
    assert figures["sold"].current == current["sold"]
    assert figures["sold"].previous == previous["sold"]
    assert figures["sold"].change == round(current["sold"] / previous["sold"] - 1, 4)
    assert figures["sell_through"].change == round(
        100 * (current["sell_through"] - previous["sell_through"]), 1)
    assert figures["saved_cents"].current == current["face_value_cents"] - current[
        "revenue_cents"]
