"""Recording a spectator's rating and comment after the show, on their contact at the venue."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.domain.contacts.models import Contact
from marketplace.domain.contacts.services import normalise_email
from marketplace.domain.db import insert_once, transaction
from marketplace.domain.errors import NotFound, ValidationFailed
from marketplace.domain.feedback.models import Feedback
from marketplace.domain.orders.models import Order

MAX_COMMENT = 2000


def feedback_order(session: Session, order_id: str | None) -> Order:
    """The paid, not erased order a feedback link points at (NotFound otherwise)."""
    order = session.get(Order, order_id) if order_id else None
    if order is None or order.status != "paid" or order.anonymised_at is not None:
        raise NotFound("This link does not lead to an order.")
    return order


def record_feedback(session: Session, order: Order, rating: int, comment: str | None,
                    now: datetime) -> Feedback:
    """Set the order's rating (1–5) and, when given, its comment; commits."""
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise ValidationFailed("Choose a rating from 1 to 5.", field="rating")
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise ValidationFailed("At most %(max)d characters, please.", field="comment",
                               params={"max": MAX_COMMENT})
    with transaction(session):
        # Two taps at once on a first rating: the unique order_id lets one insert win.
        insert_once(session, Feedback, {
            "order_id": order.id, "venue_id": order.venue_id,
            "contact_id": _contact_id(session, order), "rating": rating, "comment": "",
            "created_at": now, "updated_at": now}, key="order_id")
        feedback = session.scalars(select(Feedback).where(Feedback.order_id == order.id)
                                   .execution_options(populate_existing=True)).one()
        feedback.rating = rating
        if comment:
            feedback.comment = comment
        feedback.updated_at = now
    return feedback


def _contact_id(session: Session, order: Order) -> int | None:
    """The buyer's contact at the selling venue (the order's link, else by e-mail)."""
    if order.contact_id is not None:
        return order.contact_id
    return session.scalar(select(Contact.id).where(
        Contact.venue_id == order.venue_id,
        Contact.email == normalise_email(order.buyer_email or "")))


def feedback_of(session: Session, order_id: str) -> Feedback | None:
    return session.scalar(select(Feedback).where(Feedback.order_id == order_id))
