"""Refunds: money back through the order's own gateway, seats back, the buyer told.

Payments are only ever appended: a refund adds a `refund` row beside the `charge` and
never changes it. The gateway call carries a fixed idempotency key per order, so a
refund retried after a failure never pays back twice.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from marketplace.domain.contacts.services import record_cancelled_order
from marketplace.domain.errors import Unavailable
from marketplace.domain.inventory.locking import seat_transaction
from marketplace.domain.inventory.seats import give_back_sold_seats
from marketplace.domain.orders.emails import (
    PERFORMANCE_CANCELLED,
    REFUNDED_BY_VENUE,
    SEATS_GONE,
    queue_refund_notice,
)
from marketplace.domain.orders.models import Order, Payment
from marketplace.domain.orders.payments import DemoGateway, PaymentGateway

_NO_SYNC = {"synchronize_session": False}


def refund_paid_order(session: Session, order_id: str, reason: str, now: datetime,
                      gateway: PaymentGateway) -> bool:
    """Refund a paid order in a transaction of its own; False if it was not paid (any more)."""
    with seat_transaction(session):
        claimed = session.execute(
            update(Order)
            .where(Order.id == order_id, Order.status == "paid")
            .values(status="refunded", refunded_at=now)
            .returning(Order.release_id, Order.quantity)
            .execution_options(**_NO_SYNC)
        ).first()
        if claimed is None:
            return False
        order = session.get(Order, order_id, populate_existing=True)
        charge_reference = session.scalar(
            select(Payment.provider_reference)
            .where(Payment.order_id == order_id, Payment.kind == "charge"))
        give_back_sold_seats(session, claimed.release_id, claimed.quantity, now)
        refund_claimed_order(session, order, charge_reference, reason, now, gateway)
    return True


def refund_claimed_order(session: Session, order: Order, charge_reference: str | None,
                         reason: str, now: datetime, gateway: PaymentGateway) -> None:
    """Refund an order this transaction has claimed: mark it, pay back, tell the buyer."""
    order.status = "refunded"
    order.refunded_at = now
    charged = session.scalar(
        select(Payment.amount_cents)
        .where(Payment.order_id == order.id, Payment.kind == "charge"))
    reference = gateway_of(order, gateway).refund(order, charge_reference)
    session.add(Payment(order_id=order.id, kind="refund",
                        amount_cents=order.total_cents if charged is None else charged,
                        provider=order.payment_provider, provider_reference=reference,
                        created_at=now))
    record_cancelled_order(session, order, now)  # out of the buyer's history at the venue
    queue_refund_notice(session, order, reason, now, site_url=gateway.base_url)


def gateway_of(order: Order, gateway: PaymentGateway) -> PaymentGateway:
    """The gateway that took this order's money (demo orders stay demo ones)."""
    if order.payment_provider == gateway.provider:
        return gateway
    if order.payment_provider == "demo":
        return DemoGateway(gateway.base_url)
    raise Unavailable("Orders paid through %(provider)s cannot be refunded here.",
                      code="refund_unavailable", params={"provider": order.payment_provider})


def refund_reason(order: Order) -> str | None:
    """Why a refunded order was refunded, as the buyer is told (None unless refunded)."""
    if order.status != "refunded":
        return None
    if order.release.performance.status == "cancelled":
        return PERFORMANCE_CANCELLED
    if not order.tickets:
        return SEATS_GONE  # refunded by the very confirmation that took the money
    return REFUNDED_BY_VENUE
