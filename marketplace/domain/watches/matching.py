"""Which offers on sale match a watch, at their current price (the storefront's query)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from marketplace.domain.catalog.geo import haversine_km
from marketplace.domain.catalog.models import Performance, Show, Venue
from marketplace.domain.inventory.models import Release
from marketplace.domain.offers.offer import Criteria
from marketplace.domain.offers.queries import offers_statement, schedule_of
from marketplace.domain.pricing import price_at
from marketplace.domain.watches.models import Watch


@dataclass(frozen=True)
class MatchingOffer:
    release_id: int
    title: str
    venue_name: str
    city: str
    starts_at: datetime
    category: str
    face_price_cents: int
    price_cents: int
    seats_left: int


def matching_offers(session: Session, watch: Watch, now: datetime) -> list[MatchingOffer]:
    """The offers on sale at `now`, with seats left, that `watch` asks for."""
    origin = (watch.lat, watch.lng) if watch.lat is not None and watch.lng is not None else None
    criteria = Criteria(origin=origin, radius_km=watch.radius_km if origin else None,
                        when=watch.when_filter or "all", discipline=watch.discipline,
                        max_price_cents=watch.max_price_cents)
    stmt = offers_statement(now, criteria)
    if watch.venue_id is not None:
        stmt = stmt.where(Venue.id == watch.venue_id)
    if watch.show_id is not None:
        stmt = stmt.where(Show.id == watch.show_id)
    matches = []
    for row in session.execute(stmt.order_by(Performance.starts_at, Release.id)):
        price = price_at(schedule_of(row), now)
        if watch.max_price_cents is not None and price > watch.max_price_cents:
            continue
        if (criteria.radius_km is not None
                and haversine_km(*origin, row.lat, row.lng) > criteria.radius_km):
            continue
        matches.append(MatchingOffer(row.id, row.title, row.venue_name, row.city, row.starts_at,
                                     row.category, row.face_price_cents, price, row.seats_left))
    return matches
