"""Payment confirmation, exactly once (DESIGN.md rules 4 and 5).

A provider's notice (a Stripe webhook event, the demo gateway's answer) may arrive
twice, late, out of order, or on two workers at the same moment. Three guards, in one
transaction, make each consequence happen once:

1. the notice is recorded under its (provider, event id): a second delivery of the same
   event inserts nothing and stops there;
2. the order is claimed with a guarded UPDATE (not yet paid → paid): of two different
   notices saying "paid", one claims it, the other finds it paid and stops;
3. the seats are taken with the guarded UPDATEs of marketplace.domain.inventory.seats: the hold's
   own seats if it still counts, otherwise free seats if any; when there are none left the
   payment is refunded at once and the buyer told.

Everything a paid order brings (tickets, the e-mail) lives in `on_order_paid`, run once,
inside the claiming transaction.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, joinedload

from marketplace.domain.catalog.models import Performance
from marketplace.domain.contacts.services import record_paid_order
from marketplace.domain.inventory.locking import seat_transaction
from marketplace.domain.inventory.models import Release
from marketplace.domain.inventory.seats import (
    give_back_hold,
    sell_held_seats,
    sell_seats_without_hold,
)
from marketplace.domain.orders.access import ORDER_ID_MAX_LENGTH, OrderLinks
from marketplace.domain.orders.emails import (
    AMOUNT_MISMATCH,
    PERFORMANCE_CANCELLED,
    SEATS_GONE,
    queue_confirmation,
)
from marketplace.domain.orders.models import Order, Payment, PaymentEvent, Ticket, new_ticket_code
from marketplace.domain.orders.payments import FAILED, SUCCEEDED, PaymentGateway, PaymentNotice
from marketplace.domain.orders.tickets import fresh_short_codes
from marketplace.domain.purchases.refunds import refund_claimed_order

log = logging.getLogger(__name__)
# Longer than any payment page stays open (a Stripe Checkout Session: 30 minutes).
ABANDONED_AFTER = timedelta(hours=1)
_NO_SYNC = {"synchronize_session": False}


def handle_payment_notice(session: Session, notice: PaymentNotice, now: datetime,
                          gateway: PaymentGateway, links: OrderLinks) -> Order | None:
    """Apply a provider's notice once; return its order (None, and nothing done, if unknown)."""
    known = notice.order_id is not None and len(notice.order_id) <= ORDER_ID_MAX_LENGTH \
        and session.scalar(select(Order.id).where(Order.id == notice.order_id)) is not None
    if not known:
        session.rollback()
        log.warning("payment notice %s/%s names no known order", notice.provider,
                    notice.event_id)
        return None
    with seat_transaction(session):
        if _record_once(session, notice, now):
            if notice.outcome == SUCCEEDED:
                _confirm(session, notice, now, gateway, links)
            elif notice.outcome == FAILED:
                end_unpaid_order(session, notice.order_id, now)
    return session.get(Order, notice.order_id)


def abandon_order(session: Session, order: Order, now: datetime) -> Order:
    """The buyer gives up paying: the order is cancelled and its seats go back on sale."""
    with seat_transaction(session):
        end_unpaid_order(session, order.id, now)
    session.refresh(order)
    return order


def on_order_paid(session: Session, order: Order, now: datetime, links: OrderLinks) -> None:
    """Everything an order brings once it is paid, exactly once, in the confirming transaction.

    New consequences of a sale (the venue's contact base, its webhook) hook in here.
    """
    session.add_all(Ticket(order_id=order.id, code=new_ticket_code(), short_code=short_code)
                    for short_code in fresh_short_codes(session, order.quantity))
    session.flush()
    session.refresh(order, ["tickets"])
    record_paid_order(session, order, now)  # the venue's contact base, and its webhook
    queue_confirmation(session, order, links, now)


def end_unpaid_order(session: Session, order_id: str, now: datetime) -> bool:
    """Cancel a pending order and give its hold back (in the caller's transaction)."""
    ended = session.execute(
        update(Order)
        .where(Order.id == order_id, Order.status == "pending")
        .values(status="cancelled", cancelled_at=now)
        .returning(Order.hold_id)
        .execution_options(**_NO_SYNC)
    ).first()
    if ended is None:
        return False
    give_back_hold(session, ended.hold_id, now)
    return True


def cancel_abandoned_orders(session: Session, now: datetime,
                            older_than: timedelta = ABANDONED_AFTER) -> int:
    """Cancel the orders still unpaid long after checkout; return how many (idempotent).

    Their holds have lapsed long ago; this makes the order say so. A payment that still
    turns up later is a late payment like any other: honoured or refunded.
    """
    stale = session.scalars(
        select(Order.id)
        .where(Order.status == "pending", Order.created_at < now - older_than)
        .order_by(Order.created_at)
    ).all()
    session.rollback()
    cancelled = 0
    for order_id in stale:  # one short transaction each: the order row first, as always
        with seat_transaction(session):
            cancelled += end_unpaid_order(session, order_id, now)
    return cancelled


def _record_once(session: Session, notice: PaymentNotice, now: datetime) -> bool:
    """Record the notice; False if this very event was recorded before (a redelivery)."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = (
        insert(PaymentEvent)
        .values(provider=notice.provider, event_id=notice.event_id, type=notice.type,
                order_id=notice.order_id, payload=notice.payload,
                received_at=now)
        .on_conflict_do_nothing(index_elements=["provider", "event_id"])
        .returning(PaymentEvent.id)
    )
    return session.execute(statement).first() is not None


def _confirm(session: Session, notice: PaymentNotice, now: datetime, gateway: PaymentGateway,
             links: OrderLinks) -> None:
    # A cancelled order (its payment failed or was abandoned) may still be paid after
    # all: the money is there, so it is honoured or refunded like any late payment.
    claimed = session.execute(
        update(Order)
        .where(Order.id == notice.order_id, Order.paid_at.is_(None),
               Order.status.in_(("pending", "cancelled")))
        .values(status="paid", paid_at=now, cancelled_at=None)
        .returning(Order.hold_id, Order.release_id, Order.quantity, Order.total_cents)
        .execution_options(**_NO_SYNC)
    ).first()
    if claimed is None:
        return  # paid already, through another notice; or refunded
    order = session.scalars(
        select(Order).where(Order.id == notice.order_id)
        .options(joinedload(Order.release).joinedload(Release.performance)
                 .options(joinedload(Performance.show), joinedload(Performance.venue)))
        .execution_options(populate_existing=True)
    ).one()  # with all the confirmation e-mail tells, in one query
    charged = claimed.total_cents if notice.amount_cents is None else notice.amount_cents
    session.add(Payment(order_id=order.id, kind="charge", amount_cents=charged,
                        provider=notice.provider, provider_reference=notice.charge_reference,
                        created_at=now))
    if charged != claimed.total_cents:
        log.error("order %s: paid %s cents instead of %s; refunding", order.id, charged,
                  claimed.total_cents)
        give_back_hold(session, claimed.hold_id, now)
        refund_claimed_order(session, order, notice.charge_reference, AMOUNT_MISMATCH, now,
                             gateway)
        return
    if sell_held_seats(session, claimed.hold_id, now) or sell_seats_without_hold(
            session, claimed.release_id, claimed.quantity, now):
        on_order_paid(session, order, now, links)
    else:
        cancelled = order.release.performance.status == "cancelled"
        refund_claimed_order(session, order, notice.charge_reference,
                             PERFORMANCE_CANCELLED if cancelled else SEATS_GONE, now, gateway)
