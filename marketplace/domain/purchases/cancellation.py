"""A venue cancels a performance, or refunds one order. Both are idempotent.

Cancelling a performance happens in two steps so that no transaction waits for rows in
an order that another one locks the other way round (see marketplace.domain.inventory):

1. one transaction stops every sale: pending orders are cancelled (order rows first),
   then inventory ends the active holds and closes the releases (hold, then release
   rows), and the performance is marked cancelled (its row last);
2. then each paid order is refunded in a transaction of its own, through its gateway,
   and its buyer e-mailed. A payment that lands later finds the release closed and is
   refunded by the confirmation itself.

A second call finds nothing left to stop or to refund; a call interrupted by a gateway
failure is finished by the next one.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from marketplace.domain.catalog.models import Performance, Venue
from marketplace.domain.errors import Conflict, NotFound
from marketplace.domain.inventory.locking import seat_transaction
from marketplace.domain.inventory.models import Release
from marketplace.domain.inventory.seats import stop_sales
from marketplace.domain.orders.emails import PERFORMANCE_CANCELLED, REFUNDED_BY_VENUE
from marketplace.domain.orders.models import Order
from marketplace.domain.orders.payments import PaymentGateway
from marketplace.domain.purchases.refunds import refund_paid_order
from marketplace.domain.validation import checked_id

_NO_SYNC = {"synchronize_session": False}


def cancel_performance(session: Session, venue: Venue, performance_id: object, now: datetime,
                       gateway: PaymentGateway) -> int:
    """Cancel one of the venue's performances and refund every paid order.

    Returns how many orders this call refunded (0 when everything was done before).
    Another venue's performance is not found (404).
    """
    performance = _venue_performance(session, venue, performance_id)
    with seat_transaction(session):
        _stop_selling(session, performance.id, now)
    paid = session.scalars(
        select(Order.id)
        .join(Release, Release.id == Order.release_id)
        .where(Release.performance_id == performance.id, Order.status == "paid")
        .order_by(Order.paid_at)
    ).all()
    session.rollback()
    return sum(refund_paid_order(session, order_id, PERFORMANCE_CANCELLED, now, gateway)
               for order_id in paid)


def refund_order(session: Session, venue: Venue, order_id: object, now: datetime,
                 gateway: PaymentGateway) -> Order:
    """Refund one paid order of the venue in full; refunding it again changes nothing.

    Another venue's order is not found (404); an order never paid cannot be refunded (409).
    """
    order = _venue_order(session, venue, order_id)
    if order.status != "refunded":
        refunded = refund_paid_order(session, order.id, REFUNDED_BY_VENUE, now, gateway)
        session.refresh(order)
        if not refunded and order.status != "refunded":
            raise Conflict("Only a paid order can be refunded.", code="order_not_paid")
    return order


def _stop_selling(session: Session, performance_id: int, now: datetime) -> None:
    release_ids = select(Release.id).where(Release.performance_id == performance_id)
    session.execute(
        update(Order)
        .where(Order.release_id.in_(release_ids), Order.status == "pending")
        .values(status="cancelled", cancelled_at=now)
        .execution_options(**_NO_SYNC)
    )
    stop_sales(session, performance_id, now)
    session.execute(
        update(Performance)
        .where(Performance.id == performance_id)
        .values(status="cancelled")
        .execution_options(**_NO_SYNC)
    )


def _venue_performance(session: Session, venue: Venue, performance_id: object) -> Performance:
    def unknown() -> NotFound:
        return NotFound("This venue has no such performance.", code="unknown_performance")

    performance = session.get(Performance, checked_id(performance_id, unknown))
    if performance is None or performance.venue_id != venue.id:
        raise unknown()
    return performance


def _venue_order(session: Session, venue: Venue, order_id: object) -> Order:
    order = session.get(Order, order_id) if isinstance(order_id, str) and order_id else None
    if order is None or order.venue_id != venue.id:
        raise NotFound("This venue has no such order.", code="unknown_order")
    return order
