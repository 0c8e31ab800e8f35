"""Uptake across the region, for the agency: aggregates only (DESIGN.md rule 6).

Privacy by construction: every query here aggregates in SQL (counts, sums, distinct
counts, and seat counts per buyer postcode for the distance median); no row about one
person ever reaches Python. A group with fewer than MIN_BUYERS buyers keeps its counts
but hides what is derived from the buyers themselves (age share, distance, new-buyer
share), so that nobody can be singled out.

Periods are Paris calendar days, inclusive; a sale counts on the day it was paid and a
release on the day its sales opened.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import Integer, case, cast, distinct, func, literal, select
from sqlalchemy.orm import Session

from marketplace.catalog.geo import haversine_km
from marketplace.catalog.models import Performance, Show, Venue
from marketplace.inventory.models import Release
from marketplace.orders.models import Order
from marketplace.timeutil import PARIS

GROUPINGS = ("venue", "discipline", "week", "postcode_area")
MIN_BUYERS = 10
YOUNG_AGE = 30

PostcodeLocator = Callable[[str], tuple[float, float] | None]


@dataclass
class UptakeRow:
    group: str
    released: int = 0
    sold: int = 0
    revenue_cents: int = 0
    face_value_cents: int = 0
    orders: int = 0
    buyers: int = 0
    new_to_venue_orders: int = 0
    aged_buyers: int = 0
    young_buyers: int = 0
    distances: list[tuple[float, int]] = field(default_factory=list)

    @property
    def sell_through(self) -> float | None:
        return round(self.sold / self.released, 4) if self.released else None

    @property
    def avg_discount_percent(self) -> float | None:
        if not self.face_value_cents:
            return None
        return round(100 * (1 - self.revenue_cents / self.face_value_cents), 1)

    @property
    def identifiable(self) -> bool:
        return self.buyers < MIN_BUYERS

    def as_dict(self) -> dict:
        """The row as the API and the CSV show it (buyer-derived figures hidden when few)."""
        hidden = self.identifiable
        return {
            "group": self.group, "released": self.released, "sold": self.sold,
            "sell_through": self.sell_through, "revenue_cents": self.revenue_cents,
            "face_value_cents": self.face_value_cents,
            "avg_discount_percent": self.avg_discount_percent,
            "orders": self.orders, "buyers": self.buyers,
            "new_to_venue_share": None if hidden or not self.orders
            else round(self.new_to_venue_orders / self.orders, 4),
            "under_30_share": None if hidden or not self.aged_buyers
            else round(self.young_buyers / self.aged_buyers, 4),
            "median_buyer_distance_km": None if hidden else _weighted_median(self.distances),
        }


def paris_day_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """The UTC instants from Paris midnight of `start` to Paris midnight after `end`."""
    return (datetime.combine(start, time(), PARIS),
            datetime.combine(end + timedelta(days=1), time(), PARIS))


def uptake(session: Session, start: date, end: date, group_by: str,
           locate_postcode: PostcodeLocator) -> list[UptakeRow]:
    """Uptake rows for the Paris days start..end (inclusive), grouped as asked."""
    if group_by == "week":
        return [row for week_start, week_end, label in _iso_weeks(start, end)
                for row in _rows(session, week_start, week_end, literal(label),
                                 locate_postcode)]
    return _rows(session, start, end, _GROUP_KEYS[group_by](), locate_postcode)


_GROUP_KEYS = {
    "venue": lambda: Venue.slug,
    "discipline": lambda: Show.discipline,
    "postcode_area": lambda: func.substr(Venue.postcode, 1, 2),
}


def _rows(session: Session, start: date, end: date, key, locate_postcode: PostcodeLocator,
          ) -> list[UptakeRow]:
    since, until = paris_day_bounds(start, end)
    rows: dict[str, UptakeRow] = defaultdict(lambda: UptakeRow(group=""))

    def row(group) -> UptakeRow:
        found = rows[str(group)]
        found.group = str(group)
        return found

    released = _joined(select(key.label("g"), func.sum(Release.quantity)))
    for group, seats in session.execute(
            released.where(Release.sales_open_at >= since, Release.sales_open_at < until)
            .group_by(key)):
        row(group).released = int(seats or 0)

    paid = _joined(select(key.label("g")), orders=True).where(
        Order.status == "paid", Order.paid_at >= since, Order.paid_at < until)
    cutoff = end.year - YOUNG_AGE
    sales = paid.with_only_columns(
        key.label("g"), func.sum(Order.quantity), func.sum(Order.total_cents),
        func.sum(Order.quantity * Order.face_price_cents), func.count(Order.id),
        func.count(distinct(func.lower(Order.buyer_email))),
        func.sum(case((Order.new_to_venue.is_(True), 1), else_=0)),
        func.count(distinct(case((Order.buyer_birth_year.is_not(None),
                                  func.lower(Order.buyer_email))))),
        func.count(distinct(case((Order.buyer_birth_year > cutoff,
                                  func.lower(Order.buyer_email))))),
    ).group_by(key)
    for group, *figures in session.execute(sales):
        target = row(group)
        (target.sold, target.revenue_cents, target.face_value_cents, target.orders,
         target.buyers, target.new_to_venue_orders, target.aged_buyers,
         target.young_buyers) = (int(value or 0) for value in figures)

    origins = paid.with_only_columns(
        key.label("g"), Order.buyer_postcode, Venue.lat, Venue.lng,
        cast(func.count(Order.id), Integer),
    ).group_by(key, Order.buyer_postcode, Venue.lat, Venue.lng)
    for group, postcode, lat, lng, orders in session.execute(origins):
        point = locate_postcode(postcode) if postcode else None
        if point is not None:
            row(group).distances.append((haversine_km(point[0], point[1], lat, lng), orders))
    return sorted(rows.values(), key=lambda r: r.group)


def _joined(statement, orders: bool = False):
    if orders:
        statement = statement.select_from(Order).join(Release, Release.id == Order.release_id)
    else:
        statement = statement.select_from(Release)
    return (statement.join(Performance, Performance.id == Release.performance_id)
            .join(Show, Show.id == Performance.show_id)
            .join(Venue, Venue.id == Release.venue_id))


def _iso_weeks(start: date, end: date):
    """(first day, last day, 'YYYY-Www') of each ISO week touching the period, clipped."""
    day = start - timedelta(days=start.weekday())
    while day <= end:
        year, week, _ = day.isocalendar()
        yield max(day, start), min(day + timedelta(days=6), end), f"{year}-W{week:02d}"
        day += timedelta(days=7)


def _weighted_median(values: list[tuple[float, int]]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    half, seen = sum(weight for _, weight in ordered) / 2, 0
    for distance, weight in ordered:
        seen += weight
        if seen >= half:
            return round(distance, 1)
    return round(ordered[-1][0], 1)


def venue_postcode_locator(session: Session) -> PostcodeLocator:
    """Locate a postcode at the mean position of the region's venues that share it."""
    known = {postcode: (lat, lng) for postcode, lat, lng in session.execute(
        select(Venue.postcode, func.avg(Venue.lat), func.avg(Venue.lng))
        .group_by(Venue.postcode))}
    return known.get
