"""Uptake across the region, for the agency: aggregates only (DESIGN.md rule 6).

Privacy by construction: every query here aggregates in SQL (counts, sums, counts of
buyers, and a median distance or orders per buyer postcode and venue for it); no row
about one person ever reaches Python. A group with fewer than MIN_BUYERS buyers keeps its counts
but hides what is derived from the buyers themselves (age share, distance, new-buyer
share), so that nobody can be singled out.

Periods are Paris calendar days, inclusive, and select performances by their date: every
figure of a row is about those performances (marketplace.domain.uptake.sales says what a
sale and a buyer are). Each figure has one written definition, shown beside it on the
dashboard (marketplace/blueprints/agency/definitions.py) and in the README. Every ratio
is a ratio of sums over units that each belong to exactly one row (a seat, an order), so
that the region's figure is the rows' mean weighted by their own denominators, never
outside the rows' range.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, Select, case, func, select
from sqlalchemy.orm import Session

from marketplace.domain.catalog.models import Venue
from marketplace.domain.catalog.towns import TOWNS
from marketplace.domain.inventory.models import Release
from marketplace.domain.orders.models import Order
from marketplace.domain.uptake.distances import PostcodeLocator, median_distances
from marketplace.domain.uptake.grouping import TOTAL, Grouping
from marketplace.domain.uptake.sales import buyer_identity, paid_orders, performances_on
from marketplace.domain.uptake.sql import roomy

MIN_BUYERS = 10
YOUNG_AGE = 30


@dataclass
class UptakeRow:
    group: str
    released: int = 0
    sold: int = 0
    revenue_cents: int = 0
    face_value_cents: int = 0
    orders: int = 0
    buyers: int = 0
    new_orders: int = 0  # orders that were their buyer's first at the venue
    aged_orders: int = 0  # orders whose buyer gave a birth year
    young_orders: int = 0  # of which the buyer is under YOUNG_AGE
    median_km: float | None = None  # of every buyer's trip, hidden below MIN_BUYERS

    @property
    def sell_through(self) -> float | None:
        return round(self.sold / self.released, 4) if self.released else None

    @property
    def avg_discount_percent(self) -> float | None:
        if not self.face_value_cents:
            return None
        return round(100 * (1 - self.revenue_cents / self.face_value_cents), 1)

    @property
    def saved_cents(self) -> int:
        """What buyers did not pay: face value minus revenue."""
        return self.face_value_cents - self.revenue_cents

    @property
    def identifiable(self) -> bool:
        return self.buyers < MIN_BUYERS

    @property
    def new_to_venue_share(self) -> float | None:
        """Orders that were their buyer's first at the venue, of all orders (FIGURES)."""
        if self.identifiable or not self.orders:
            return None
        return round(self.new_orders / self.orders, 4)

    @property
    def under_30_share(self) -> float | None:
        """Orders by a buyer under 30, of the orders whose buyer gave a birth year."""
        if self.identifiable or not self.aged_orders:
            return None
        return round(self.young_orders / self.aged_orders, 4)

    @property
    def median_buyer_distance_km(self) -> float | None:
        return None if self.identifiable else self.median_km

    def as_dict(self) -> dict:
        """The row as the API and the CSV show it (buyer-derived figures hidden when few)."""
        return {
            "group": self.group, "released": self.released, "sold": self.sold,
            "sell_through": self.sell_through, "revenue_cents": self.revenue_cents,
            "face_value_cents": self.face_value_cents,
            "avg_discount_percent": self.avg_discount_percent,
            "orders": self.orders, "buyers": self.buyers,
            "new_to_venue_share": self.new_to_venue_share,
            "under_30_share": self.under_30_share,
            "median_buyer_distance_km": self.median_buyer_distance_km,
        }


def uptake(session: Session, start: date, end: date, group_by: str,
           locate_postcode: PostcodeLocator) -> list[UptakeRow]:
    """Uptake rows of the performances of the Paris days start..end (inclusive), grouped as
    asked, by group."""
    return _rows(session, start, end, Grouping(group_by, start, end), locate_postcode)


def region_totals(session: Session, start: date, end: date,
                  locate_postcode: PostcodeLocator) -> UptakeRow:
    """The whole region's figures for the period, in one row (group "all")."""
    rows = _rows(session, start, end, Grouping(TOTAL, start, end), locate_postcode)
    return rows[0] if rows else UptakeRow(group=TOTAL)


def seats(session: Session, start: date, end: date, group_by: str) -> list[UptakeRow]:
    """Only seats released and sold (and so sell-through) per group: what a chart needs."""
    grouping = Grouping(group_by, start, end)
    rows: dict[str, UptakeRow] = {}
    for side, figure in (
            (grouping.releases(func.sum(Release.quantity)).where(
                *performances_on(start, end)), "released"),
            (grouping.orders(func.sum(Order.quantity)).where(*paid_orders(start, end)), "sold")):
        for group, count in session.execute(grouping.grouped(side)):
            if count is not None:
                row = rows.setdefault(str(group), UptakeRow(group=str(group)))
                setattr(row, figure, int(count))
    return sorted(rows.values(), key=lambda r: r.group)


def _rows(session: Session, start: date, end: date, grouping: Grouping,
          locate_postcode: PostcodeLocator) -> list[UptakeRow]:
    roomy(session)
    rows: dict[str, UptakeRow] = {}

    def row(group) -> UptakeRow:
        found = rows.get(group)
        if found is None:
            found = rows[group] = UptakeRow(group=str(group))
        return found

    released = grouping.grouped(grouping.releases(func.sum(Release.quantity)).where(
        *performances_on(start, end)))
    for group, quantity in session.execute(released):
        if quantity is not None:
            row(group).released = int(quantity)

    for group, *figures in session.execute(_sales(grouping, start, end)):
        target = row(group)
        (target.sold, target.revenue_cents, target.face_value_cents, target.orders,
         target.buyers, target.new_orders, target.aged_orders,
         target.young_orders) = (int(value or 0) for value in figures)

    for group, km in median_distances(session, grouping, start, end, locate_postcode).items():
        row(group).median_km = km
    return sorted(rows.values(), key=lambda r: r.group)


def _sales(grouping: Grouping, start: date, end: date) -> Select:
    """Sales figures per group, buyers counted once each: grouped by buyer, then by group."""
    cutoff = end.year - YOUNG_AGE
    buyer = buyer_identity()

    def count(condition: ColumnElement) -> ColumnElement:
        return func.sum(case((condition, 1), else_=0))

    per_buyer = grouping.grouped(grouping.orders(
        func.sum(Order.quantity).label("sold"), func.sum(Order.total_cents).label("revenue"),
        func.sum(Order.quantity * Order.face_price_cents).label("face"),
        func.count(Order.id).label("orders"),
        count(Order.new_to_venue.is_(True)).label("new"),
        count(Order.buyer_birth_year.is_not(None)).label("aged"),
        count(Order.buyer_birth_year > cutoff).label("young"),
    ).where(*paid_orders(start, end)), buyer).subquery()
    statement = select(per_buyer.c.g, func.sum(per_buyer.c.sold), func.sum(per_buyer.c.revenue),
                       func.sum(per_buyer.c.face), func.sum(per_buyer.c.orders), func.count(),
                       func.sum(per_buyer.c.new), func.sum(per_buyer.c.aged),
                       func.sum(per_buyer.c.young))
    return statement.group_by(per_buyer.c.g)


class TableLocator:
    """A postcode locator backed by a table it can show (`known`), for SQL to join."""

    def __init__(self, known: dict[str, tuple[float, float]]) -> None:
        self.known = known

    def __call__(self, postcode: str) -> tuple[float, float] | None:
        return self.known.get(postcode)


def region_postcode_locator(session: Session) -> TableLocator:
    """Locate a buyer's postcode: the region's table of towns, else the venues sharing it
    (at their mean position)."""
    venues = {postcode: (lat, lng) for postcode, lat, lng in session.execute(
        select(Venue.postcode, func.avg(Venue.lat), func.avg(Venue.lng))
        .group_by(Venue.postcode))}
    known = {**venues, **{town.postcode: (town.lat, town.lng) for town in TOWNS}}
    return TableLocator(known)
