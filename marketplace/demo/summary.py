"""What the demo region holds at a given instant, for the seed command's report."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from marketplace.domain.catalog.models import Performance, Venue
from marketplace.domain.contacts.models import Contact
from marketplace.domain.inventory.models import Release
from marketplace.domain.inventory.queries import is_on_sale, seats_left
from marketplace.domain.orders.models import Order

SYNTHETIC_SLUG_PREFIX = "synthetique-"


@dataclass(frozen=True)
class RegionSummary:
    venues: int
    synthetic_venues: int
    performances: int
    next_week_performances: int
    releases: int
    open_offers: int
    past_paid_orders: int
    contacts: int


def summarize(session: Session, now: datetime) -> RegionSummary:
    """Counts over the whole database at `now` (every venue, demo or not)."""
    def count(statement) -> int:
        return session.scalar(statement) or 0

    return RegionSummary(
        venues=count(select(func.count(Venue.id))),
        synthetic_venues=count(select(func.count(Venue.id)).where(
            Venue.slug.startswith(SYNTHETIC_SLUG_PREFIX))),
        performances=count(select(func.count(Performance.id))),
        next_week_performances=count(select(func.count(Performance.id)).where(
            Performance.status == "scheduled", Performance.starts_at >= now,
            Performance.starts_at < now + timedelta(days=7))),
        releases=count(select(func.count(Release.id))),
        open_offers=count(
            select(func.count(Release.id))
            .join(Performance, Release.performance_id == Performance.id)
            .join(Venue, Performance.venue_id == Venue.id)
            .where(is_on_sale(now), seats_left(now) > 0)),
        past_paid_orders=count(select(func.count(Order.id)).where(
            Order.status == "paid", Order.paid_at < now)),
        contacts=count(select(func.count(Contact.id))),
    )
