"""How far buyers travel: the median distance from a buyer's postcode to the venue, per group.

A distance is per paid order (each purchase is a trip), from the postcode's position (the
region's table of towns, else the venues sharing it) to the venue, by haversine, and the
median is the lower middle one. Orders whose postcode cannot be placed do not count.

On PostgreSQL the distances and their median are computed in SQL (the known postcodes
travel as a VALUES list): only one number per group comes back. Elsewhere SQL counts
orders per (postcode, venue) and Python takes the median. Both use the same haversine
formula in the same order of operations, so they agree to the last digit kept (0.1 km).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Protocol

from sqlalchemy import Float, String, column, func, literal, select, values
from sqlalchemy.orm import Session, aliased

from marketplace.domain.catalog.geo import EARTH_RADIUS_KM, haversine_km
from marketplace.domain.catalog.models import Venue
from marketplace.domain.orders.models import Order
from marketplace.domain.uptake.grouping import Grouping
from marketplace.domain.uptake.sales import paid_orders, with_performance


class PostcodeLocator(Protocol):
    def __call__(self, postcode: str) -> tuple[float, float] | None:
        """The position of a postcode (lat, lng in degrees), None when unknown."""


def median_distances(session: Session, grouping: Grouping, start: date, end: date,
                     locate_postcode: PostcodeLocator) -> dict[str, float]:
    """Group → median distance in km, rounded to 0.1 (groups without a placed postcode left out)."""
    paid = [*paid_orders(start, end), Order.buyer_postcode.is_not(None)]
    if session.get_bind().dialect.name == "postgresql":
        return _in_sql(session, grouping, paid, _points(session, paid, locate_postcode))
    return _in_python(session, grouping, paid, locate_postcode)


def _points(session: Session, paid: list, locate_postcode: PostcodeLocator,
            ) -> list[tuple[str, float, float]]:
    known = getattr(locate_postcode, "known", None)
    postcodes = known.keys() if known is not None else session.scalars(
        with_performance(select(Order.buyer_postcode)).where(*paid).distinct())
    points = []
    for postcode in postcodes:
        point = locate_postcode(postcode)
        if point is not None:
            points.append((postcode, float(point[0]), float(point[1])))
    return points


def _in_sql(session: Session, grouping: Grouping, paid: list,
            points: list[tuple[str, float, float]]) -> dict[str, float]:
    if not points:
        return {}
    place = values(column("postcode", String), column("lat", Float), column("lng", Float),
                   name="places").data(points)
    venue = aliased(Venue, name="destination")
    phi1, phi2 = func.radians(place.c.lat), func.radians(venue.lat)
    half_dphi, half_dlambda = (phi2 - phi1) / 2, func.radians(venue.lng - place.c.lng) / 2
    a = (func.power(func.sin(half_dphi), 2)
         + func.cos(phi1) * func.cos(phi2) * func.power(func.sin(half_dlambda), 2))
    km = literal(2 * EARTH_RADIUS_KM) * func.asin(func.least(1.0, func.sqrt(a)))
    trips = (grouping.orders(km.label("km"))
             .join(place, place.c.postcode == Order.buyer_postcode)
             .join(venue, venue.id == Order.venue_id).where(*paid)).subquery()
    medians = select(trips.c.g, func.percentile_disc(0.5).within_group(trips.c.km)) \
        .group_by(trips.c.g)
    return {str(group): round(median, 1) for group, median in session.execute(medians)}


def _in_python(session: Session, grouping: Grouping, paid: list,
               locate_postcode: PostcodeLocator) -> dict[str, float]:
    distance = _memoised_distance(session, locate_postcode)
    trips: dict[str, list[tuple[float, int]]] = {}
    origins = grouping.grouped(
        grouping.orders(Order.buyer_postcode, Order.venue_id, func.count(Order.id)).where(*paid),
        Order.buyer_postcode, Order.venue_id)
    for group, postcode, venue_id, orders in session.execute(origins):
        km = distance(postcode, venue_id)
        if km is not None:
            trips.setdefault(str(group), []).append((km, orders))
    return {group: weighted_median(found) for group, found in trips.items()}


def _memoised_distance(session: Session, locate_postcode: PostcodeLocator,
                       ) -> Callable[[str, int], float | None]:
    positions = {venue_id: (lat, lng) for venue_id, lat, lng in session.execute(
        select(Venue.id, Venue.lat, Venue.lng))}
    known: dict[tuple[str, int], float | None] = {}

    def distance(postcode: str, venue_id: int) -> float | None:
        key = (postcode, venue_id)
        if key not in known:
            point = locate_postcode(postcode)
            known[key] = None if point is None else haversine_km(*point, *positions[venue_id])
        return known[key]

    return distance


def weighted_median(values_: list[tuple[float, int]]) -> float | None:
    """The median of values repeated by their weights, to 0.1 (the lower middle if even)."""
    if not values_:
        return None
    ordered = sorted(values_)
    half, seen = sum(weight for _, weight in ordered) / 2, 0
    for distance, weight in ordered:
        seen += weight
        if seen >= half:
            return round(distance, 1)
    return round(ordered[-1][0], 1)
