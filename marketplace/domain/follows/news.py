"""What a followed venue has on sale now (the storefront's own query, for one venue)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from marketplace.domain.catalog.models import Performance, Venue
from marketplace.domain.inventory.models import Release
from marketplace.domain.offers.offer import Criteria
from marketplace.domain.offers.queries import offers_statement, schedule_of
from marketplace.domain.pricing import price_at


@dataclass(frozen=True)
class VenueOffer:
    release_id: int
    title: str
    starts_at: datetime
    category: str
    face_price_cents: int
    price_cents: int
    seats_left: int


def venue_offers(session: Session, venue_id: int, now: datetime) -> list[VenueOffer]:
    """The venue's offers on sale at `now` with seats left, soonest curtain first."""
    stmt = offers_statement(now, Criteria())
    stmt = stmt.where(Venue.id == venue_id).order_by(Performance.starts_at, Release.id)
    return [VenueOffer(row.id, row.title, row.starts_at, row.category, row.face_price_cents,
                       price_at(schedule_of(row), now), row.seats_left)
            for row in session.execute(stmt)]
