"""A contact's orders at a venue with what the buyer said of each performance (the portal's
contact page): feedback builds on the contact base, so the join lives here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from marketplace.domain.catalog.models import Performance, Show, Venue
from marketplace.domain.contacts.models import Contact
from marketplace.domain.feedback.models import Feedback
from marketplace.domain.inventory.models import Release
from marketplace.domain.orders.models import Order


@dataclass(frozen=True)
class HistoryLine:
    """One order of the contact at this venue."""

    order_id: str
    status: str
    paid_at: datetime
    show_title: str
    discipline: str
    starts_at: datetime
    category: str
    quantity: int
    unit_price_cents: int
    face_price_cents: int
    discount_percent: int
    total_cents: int
    rating: int | None = None  # the buyer's "how was it?" (1–5), when they answered
    comment: str = ""


def contact_history(session: Session, venue: Venue, contact: Contact) -> list[HistoryLine]:
    """The contact's orders at this venue (paid, or paid then refunded), newest first, with
    what the buyer said of each performance afterwards."""
    rows = session.execute(
        select(Order.id.label("order_id"), Order.status, Order.paid_at,
               Show.title.label("show_title"), Show.discipline, Performance.starts_at,
               Release.category, Order.quantity, Order.unit_price_cents,
               Order.face_price_cents, Order.discount_percent, Order.total_cents,
               Feedback.rating, func.coalesce(Feedback.comment, "").label("comment"))
        .join(Release, Release.id == Order.release_id)
        .outerjoin(Feedback, (Feedback.order_id == Order.id) & (Feedback.venue_id == venue.id))
        .join(Performance, Performance.id == Release.performance_id)
        .join(Show, Show.id == Performance.show_id)
        .where(Order.venue_id == venue.id, Order.contact_id == contact.id,
               Order.paid_at.is_not(None))
        .order_by(Order.paid_at.desc(), Order.id)
    ).all()
    return [HistoryLine(**row._mapping) for row in rows]


@dataclass(frozen=True)
class Comment:
    """One buyer's word on a performance, as the venue reads it."""

    rating: int
    comment: str
    created_at: datetime
    buyer_name: str | None
    show_title: str
    starts_at: datetime


@dataclass(frozen=True)
class FeedbackSummary:
    """What buyers said: how many ratings, their average, the latest comments (newest first)."""

    count: int
    average: float | None  # None without any rating
    latest: list[Comment]


LATEST_COMMENTS = 5


def performance_feedback(session: Session, venue: Venue, performance_id: int, *,
                         latest: int = LATEST_COMMENTS) -> FeedbackSummary:
    """The ratings of one of the venue's performances (the venue's own buyers only)."""
    return _summary(session, venue, Release.performance_id == performance_id, latest)


def contact_feedback(session: Session, venue: Venue, contact: Contact, *,
                     latest: int = LATEST_COMMENTS) -> FeedbackSummary:
    """What one contact said of this venue's performances (never of another venue's)."""
    return _summary(session, venue, Feedback.contact_id == contact.id, latest)


def _summary(session: Session, venue: Venue, which, latest: int) -> FeedbackSummary:
    # Feedback.venue_id and Order.venue_id both: a rating is the venue's only through its
    # own order, whatever a row says.
    scope = (select(Feedback).join(Order, Order.id == Feedback.order_id)
             .join(Release, Release.id == Order.release_id)
             .where(Feedback.venue_id == venue.id, Order.venue_id == venue.id, which)
             .subquery())
    count, average = session.execute(
        select(func.count(scope.c.id), func.avg(scope.c.rating))).one()
    rows = session.execute(
        select(Feedback.rating, Feedback.comment, Feedback.created_at,
               Order.buyer_name, Show.title, Performance.starts_at)
        .join(Order, Order.id == Feedback.order_id)
        .join(Release, Release.id == Order.release_id)
        .join(Performance, Performance.id == Release.performance_id)
        .join(Show, Show.id == Performance.show_id)
        .where(Feedback.venue_id == venue.id, Order.venue_id == venue.id, which,
               Feedback.comment != "")
        .order_by(Feedback.created_at.desc(), Feedback.id.desc()).limit(latest)).all()
    return FeedbackSummary(
        count=count, average=round(float(average), 1) if count else None,
        latest=[Comment(rating=r.rating, comment=r.comment, created_at=r.created_at,
                        buyer_name=r.buyer_name, show_title=r.title, starts_at=r.starts_at)
                for r in rows])
