"""The agency's figures recounted from their written definitions alone, not from the code.

tests/test_uptake_recount.py recounts with the same notion of a period as the queries,
so a wrong definition passes there twice. Here nothing comes from
marketplace.domain.uptake: rows are fetched with plain SELECTs (releases, performances,
shows, venues, orders and their tickets) and each figure is counted in Python loops from
the definition the dashboard shows beside it (README, « Agency figures »):

- a period selects performances by their date in Paris; every figure of a row is about
  those performances, whenever their sales opened or their seats were paid;
- released: the seats of their releases; sold: the tickets of their paid orders;
- sell-through: sold ÷ released, never above 100 % (the releases never sell more seats
  than they have, as the inventory guarantees);
- new to the venue, under 30: shares of paid orders (first purchase at the venue; buyer
  under 30 among orders with a birth year), so the region's share lies within the rows'.

The season is built so that the old mistake shows: sales are paid days after they
opened, and performances early in a period had their sales open in the period before.
Then the same checks run on the demo region (`demo seed`).
"""

from __future__ import annotations

import csv
import io
import random
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from marketplace.demo.seed import seed_demo
from marketplace.domain.accounts.services import issue_token
from marketplace.domain.catalog.geo import haversine_km
from marketplace.domain.catalog.models import Performance, Show, Venue
from marketplace.domain.catalog.towns import TOWNS
from marketplace.domain.inventory.models import Hold, Release
from marketplace.domain.orders.models import Order, Ticket
from tests.factories import StaffFactory, log_in

PARIS = ZoneInfo("Europe/Paris")
GROUPINGS = ("venue", "discipline", "week", "postcode_area")
HIDDEN_BELOW = 10  # buyers: a row with fewer hides its buyer-derived shares and distance
# Two periods of three weeks back to back, the second crossing the end of summer time.
FIRST = (date(2026, 10, 5), date(2026, 10, 25))
SECOND = (date(2026, 10, 26), date(2026, 11, 15))
VENUES = [  # slug, postcode, lat, lng, disciplines
    ("le-liberte", "83000", 43.1242, 5.9280, ("theatre", "comedy")),
    ("le-toursky", "13003", 43.3130, 5.3800, ("theatre", "music")),
    ("le-gymnase", "13001", 43.2990, 5.3790, ("comedy", "dance")),
    ("anthea", "06600", 43.5840, 7.1190, ("opera", "dance")),
    ("la-garance", "84300", 43.8370, 5.0380, ("circus", "music")),
]


# A season of sales paid long after they opened -------------------------------------------


def build_season(db, seed: int = 16) -> None:
    rng = random.Random(seed)
    buyers = [(f"spectateur{n:03d}@exemple.fr", rng.choice(TOWNS).postcode,
               rng.choice((None, 1958, 1971, 1986, 1994, 1999, 2001, 2004)))
              for n in range(90)]
    first_purchase: set[tuple[str, int]] = set()
    sales = []
    for slug, postcode, lat, lng, disciplines in VENUES:
        venue = Venue(slug=slug, name=slug.replace("-", " ").title(), postcode=postcode,
                      city="Ville", lat=lat, lng=lng, address="1 place du Théâtre")
        shows = [Show(venue=venue, title=f"{slug} {d}", discipline=d) for d in disciplines]
        db.session.add_all([venue, *shows])
        db.session.flush()
        # Every other evening from mid-September to the end of November.
        day = date(2026, 9, 20) + timedelta(days=rng.randint(0, 2))
        while day < date(2026, 11, 30):
            starts_at = datetime(day.year, day.month, day.day, 20, 30, tzinfo=PARIS)
            performance = Performance(show=rng.choice(shows), venue=venue,
                                      starts_at=starts_at.astimezone(UTC))
            # Sales open 8 to 20 days before curtain: for the first performances of a
            # period, in the period before.
            opens = starts_at - timedelta(days=rng.randint(8, 20), hours=rng.randint(0, 9))
            release = Release(
                performance=performance, venue_id=venue.id, category="Plein tarif",
                face_price_cents=rng.choice((1800, 2400, 3200)), quantity=rng.randint(12, 40),
                sold=0, held=0, start_discount=25, max_discount=60, sales_open_at=opens,
                max_discount_at=starts_at, sales_close_at=starts_at)
            db.session.add(release)
            db.session.flush()
            left = release.quantity
            for _ in range(rng.randint(0, 14)):
                # Paid days after sales opened (2 days at the soonest), before curtain.
                window = (starts_at - opens).total_seconds() - 2 * 86400
                paid_at = opens + timedelta(days=2, seconds=rng.uniform(0, window))
                quantity = rng.randint(1, 4)
                status = rng.choice(("paid",) * 8 + ("refunded", "cancelled"))
                if status == "paid" and quantity > left:
                    continue  # the inventory never sells more than a release holds
                if status == "paid":
                    left -= quantity
                sales.append((paid_at, release, venue, quantity, status, rng.choice(buyers),
                              rng.random() < 0.3, rng.random() < 0.04))
            release.sold = release.quantity - left
            day += timedelta(days=rng.choice((1, 2, 3)))
    db.session.flush()
    # Orders in the order they were paid, each buyer new to a venue on their first order.
    for paid_at, release, venue, quantity, status, buyer, shout, erased in sorted(
            sales, key=lambda s: s[0]):
        email, postcode, birth_year = buyer
        new = status == "paid" and (email, venue.id) not in first_purchase
        if status == "paid":
            first_purchase.add((email, venue.id))
        unit = release.face_price_cents // 2
        hold = Hold(release_id=release.id, quantity=quantity, unit_price_cents=unit,
                    status="converted", expires_at=paid_at, created_at=paid_at)
        db.session.add(hold)
        db.session.flush()
        order = Order(
            hold_id=hold.id, release_id=release.id, venue_id=venue.id, status=status,
            quantity=quantity, unit_price_cents=unit, total_cents=quantity * unit,
            face_price_cents=release.face_price_cents, discount_percent=50,
            buyer_email=None if erased else (email.upper() if shout else email),
            buyer_name=None if erased else "Camille Spectatrice",
            buyer_postcode=None if erased else postcode,
            buyer_birth_year=None if erased else birth_year, token_hash="0" * 64,
            payment_provider="demo", new_to_venue=new, created_at=paid_at, paid_at=paid_at,
            anonymised_at=paid_at if erased else None)
        db.session.add(order)
        db.session.flush()
        db.session.add_all([Ticket(order_id=order.id) for _ in range(quantity)])
    db.session.commit()


# The recount: simple SELECTs, then loops ---------------------------------------------------


class Raw:
    """The rows, as the database holds them."""

    def __init__(self, session) -> None:
        self.venues = {v.id: v for v in session.execute(
            select(Venue.id, Venue.slug, Venue.postcode, Venue.lat, Venue.lng))}
        self.disciplines = dict(session.execute(select(Show.id, Show.discipline)).all())
        self.performances = {p.id: p for p in session.execute(
            select(Performance.id, Performance.show_id, Performance.venue_id,
                   Performance.starts_at))}
        self.releases = {r.id: r for r in session.execute(
            select(Release.id, Release.performance_id, Release.quantity,
                   Release.sales_open_at))}
        self.orders = list(session.execute(
            select(Order.id, Order.release_id, Order.status, Order.quantity, Order.total_cents,
                   Order.face_price_cents, Order.buyer_email, Order.buyer_postcode,
                   Order.buyer_birth_year, Order.new_to_venue, Order.paid_at)))
        self.tickets: dict[str, int] = defaultdict(int)
        for (order_id,) in session.execute(select(Ticket.order_id)):
            self.tickets[order_id] += 1
        # Where a postcode is: the region's table of towns, else the venues sharing it.
        shared = defaultdict(list)
        for v in self.venues.values():
            shared[v.postcode].append((v.lat, v.lng))
        self.places = {code: (sum(p[0] for p in ps) / len(ps), sum(p[1] for p in ps) / len(ps))
                       for code, ps in shared.items()}
        self.places.update({town.postcode: (town.lat, town.lng) for town in TOWNS})

    def day(self, performance_id: int) -> date:
        starts_at = self.performances[performance_id].starts_at
        if starts_at.tzinfo is None:  # SQLite gives naive UTC
            starts_at = starts_at.replace(tzinfo=UTC)
        return starts_at.astimezone(PARIS).date()

    def group(self, performance_id: int, group_by: str) -> str:
        performance = self.performances[performance_id]
        venue = self.venues[performance.venue_id]
        if group_by == "venue":
            return venue.slug
        if group_by == "discipline":
            return self.disciplines[performance.show_id]
        if group_by == "postcode_area":
            return venue.postcode[:2]
        if group_by == "week":
            year, week, _ = self.day(performance_id).isocalendar()
            return f"{year}-W{week:02d}"
        return "all"

    def figures(self, start: date, end: date, group_by: str,
                hide: bool = True) -> dict[str, dict]:
        """Every row of the period as its definitions say (`hide`: as shown, the few-buyer
        rows' shares hidden)."""
        released: dict[str, int] = defaultdict(int)
        for release in self.releases.values():
            if start <= self.day(release.performance_id) <= end:
                released[self.group(release.performance_id, group_by)] += release.quantity
        sales: dict[str, list] = defaultdict(list)
        for order in self.orders:
            performance_id = self.releases[order.release_id].performance_id
            if order.status == "paid" and start <= self.day(performance_id) <= end:
                sales[self.group(performance_id, group_by)].append((order, performance_id))
        return {group: self.row(released[group], sales[group], end, hide)
                for group in set(released) | set(sales)}

    def row(self, released: int, sales: list, end: date, hide: bool = True) -> dict:
        buyers, sold, revenue, face = set(), 0, 0, 0
        new = aged = young = 0
        distances = []
        for order, performance_id in sales:
            buyers.add(order.buyer_email.lower() if order.buyer_email else f"erased {order.id}")
            sold += self.tickets[order.id]  # one ticket per seat
            revenue += order.total_cents
            face += order.quantity * order.face_price_cents
            new += order.new_to_venue is True
            if order.buyer_birth_year is not None:
                aged += 1
                young += order.buyer_birth_year > end.year - 30
            place = self.places.get(order.buyer_postcode) if order.buyer_postcode else None
            if place is not None:
                venue = self.venues[self.performances[performance_id].venue_id]
                distances.append(haversine_km(*place, venue.lat, venue.lng))
        hidden = hide and len(buyers) < HIDDEN_BELOW
        distances.sort()
        return {
            "released": released, "sold": sold,
            "sell_through": round(sold / released, 4) if released else None,
            "revenue_cents": revenue, "face_value_cents": face,
            "avg_discount_percent": round(100 * (1 - revenue / face), 1) if face else None,
            "orders": len(sales), "buyers": len(buyers),
            "new_to_venue_share": None if hidden or not sales else round(new / len(sales), 4),
            "under_30_share": None if hidden or not aged else round(young / aged, 4),
            "median_buyer_distance_km": None if hidden or not distances
            else round(distances[(len(distances) + 1) // 2 - 1], 1),
        }


# What the agency is shown ------------------------------------------------------------------


def api_rows(client, headers, start: date, end: date, group_by: str) -> dict[str, dict]:
    response = client.get(f"/api/v1/agency/uptake?from={start}&to={end}&group_by={group_by}",
                          headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return {row.pop("group"): row for row in response.get_json()["rows"]}


def headline(client, start: date, end: date) -> dict[str, float | None]:
    """This period's column of the dashboard's headline export, in English (0.1234)."""
    response = client.get(f"/agency/export/headline.csv?from={start}&to={end}&lang=en")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")),
                           delimiter=";"))
    by_label = {row[0]: row[1] for row in rows[1:]}
    labels = {"Seats sold": "sold", "Seats released": "released",
              "Sell-through": "sell_through", "Orders": "orders", "Buyers": "buyers",
              "New to the venue": "new_to_venue_share", "Under 30": "under_30_share"}
    return {name: float(by_label[label]) if by_label[label] else None
            for label, name in labels.items()}


def check_period(client, headers, raw: Raw, start: date, end: date) -> dict:
    """The API equals the recount for every grouping; what must hold, holds."""
    for group_by in GROUPINGS:
        expected = raw.figures(start, end, group_by)
        assert api_rows(client, headers, start, end, group_by) == expected, group_by
        for group, row in expected.items():
            assert row["sold"] <= row["released"], (group_by, group)  # fill rate ≤ 100 %
            assert row["sell_through"] is None or row["sell_through"] <= 1, (group_by, group)
    region = raw.figures(start, end, "all")["all"]
    shown = headline(client, start, end)
    assert shown["sold"] == region["sold"] and shown["released"] == region["released"]
    assert shown["sell_through"] == region["sell_through"] <= 1
    assert shown["orders"] == region["orders"] and shown["buyers"] == region["buyers"]
    assert shown["new_to_venue_share"] == region["new_to_venue_share"]
    assert shown["under_30_share"] == region["under_30_share"]
    # The headline is an aggregate of the rows, whatever the grouping.
    for group_by in GROUPINGS:
        rows = raw.figures(start, end, group_by, hide=False).values()
        assert sum(r["released"] for r in rows) == region["released"]
        assert sum(r["sold"] for r in rows) == region["sold"]
        assert sum(r["orders"] for r in rows) == region["orders"]
        assert max(r["buyers"] for r in rows) <= region["buyers"] <= sum(
            r["buyers"] for r in rows)
        for share in ("sell_through", "new_to_venue_share", "under_30_share"):
            values = [r[share] for r in rows if r[share] is not None]
            assert min(values) - 1e-4 <= region[share] <= max(values) + 1e-4, (
                group_by, share, region[share], values)
    return region


@pytest.fixture
def season(db):
    build_season(db)
    return Raw(db.session)


@pytest.fixture
def agency_client(db, client, now):
    person = StaffFactory(agency_role="staff", name="Agnès Dupré")
    token = issue_token(db.session, venue=None, now=now)
    db.session.commit()
    log_in(client, person)
    return client, {"Authorization": f"Bearer {token}"}


def test_the_season_pays_its_sales_days_after_they_opened_and_across_periods(season):
    paid = [o for o in season.orders if o.status == "paid"]
    assert len(paid) > 300
    late = crossing = 0
    for order in paid:
        release = season.releases[order.release_id]
        paid_at, opened = (at.replace(tzinfo=at.tzinfo or UTC)
                           for at in (order.paid_at, release.sales_open_at))
        late += paid_at - opened >= timedelta(days=2)
        # Played in the second period, sold (and opened) in the first.
        crossing += (SECOND[0] <= season.day(release.performance_id) <= SECOND[1]
                     and opened.astimezone(PARIS).date() <= FIRST[1]
                     and paid_at.astimezone(PARIS).date() <= FIRST[1])
    assert late == len(paid)
    assert crossing > 10


@pytest.mark.parametrize("period", [FIRST, SECOND, (date(2026, 10, 20), date(2026, 10, 26))],
                         ids=["first", "second", "one-week-across-both"])
def test_every_figure_is_its_written_definition_and_never_above_100_percent(
        db, season, agency_client, period):
    client, headers = agency_client
    region = check_period(client, headers, season, *period)
    assert region["sold"] > 100


def test_the_dashboard_table_and_map_show_the_recounted_sell_through(db, season,
                                                                      agency_client):
    client, _ = agency_client
    start, end = SECOND
    page = client.get(f"/agency/?from={start}&to={end}&group_by=venue&lang=en").get_data(
        as_text=True)
    for slug, row in season.figures(start, end, "venue").items():
        share = f"{round(100 * row['sell_through'])}%"
        assert f'data-share="{row["sell_through"]}"' in page, slug
        assert share in page, slug


# The demo region ---------------------------------------------------------------------------


@pytest.fixture
def demo(db, now):
    seed_demo(db.session, now=now)
    db.session.commit()
    return Raw(db.session)


def test_the_demo_region_figures_are_their_definitions_for_a_week_and_a_month(
        db, demo, agency_client, now):
    client, headers = agency_client
    today = now.astimezone(PARIS).date()
    for days in (7, 30):
        region = check_period(client, headers, demo, today - timedelta(days=days - 1), today)
        assert 0 < region["sell_through"] <= 1
