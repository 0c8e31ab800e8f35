"""Helpers for the buying-path tests: a release on sale, a hold, a checkout, a payment."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Flask
from sqlalchemy import func, select

from marketplace.domain.inventory.services import place_hold
from marketplace.domain.mail.models import OutboundEmail
from marketplace.domain.models import Hold, Release
from marketplace.domain.orders.access import order_links
from marketplace.domain.orders.checkout import Checkout, check_out
from marketplace.domain.orders.models import Order, Payment
from marketplace.domain.orders.payments import FAILED, SUCCEEDED, DemoGateway, gateway_for
from marketplace.domain.purchases.confirmation import handle_payment_notice
from marketplace.extensions import db

TTL = 600
BUYER = {"email": "lea.martin@example.org", "name": "Léa Martin", "postcode": "13006",
         "birth_year": 1994, "marketing_consent": False}


def hold_seats(release: Release, quantity: int, now: datetime) -> Hold:
    return place_hold(db.session, release.id, quantity, now, TTL)


def checkout(app: Flask, hold: Hold, now: datetime, **buyer) -> Checkout:
    return check_out(db.session, hold.id, {**BUYER, **buyer}, now, gateway_for(app.config),
                     order_links(app.config))


def demo_notice(app: Flask, order_id: str, now: datetime, outcome: str = SUCCEEDED) -> Order:
    return handle_payment_notice(db.session, DemoGateway.notice(order_id, outcome), now,
                                 gateway_for(app.config), order_links(app.config))


def pay(app: Flask, order_id: str, now: datetime) -> Order:
    return demo_notice(app, order_id, now, SUCCEEDED)


def refuse(app: Flask, order_id: str, now: datetime) -> Order:
    return demo_notice(app, order_id, now, FAILED)


def confirm_by_api(client, order_id: str, token: str | None):
    """The demo provider's confirmation through the API, as its buyer (the order token)."""
    query = {"token": token} if token is not None else {}
    return client.post(f"/api/v1/payments/demo/{order_id}/succeed", query_string=query)


def bought(app: Flask, release: Release, quantity: int, now: datetime, **buyer) -> Order:
    """A paid order of `quantity` seats, through hold, checkout and the demo payment."""
    order = checkout(app, hold_seats(release, quantity, now), now, **buyer).order
    return pay(app, order.id, now + timedelta(minutes=1))


def counters(release_id: int) -> tuple[int, int]:
    """(sold, held) as stored."""
    db.session.expire_all()
    release = db.session.get(Release, release_id)
    return release.sold, release.held


def row_counts() -> dict[str, int]:
    """How many rows every table holds: what a refused request must leave as it was."""
    db.session.rollback()  # a fresh read, not the snapshot of an earlier one
    return {table.name: db.session.scalar(select(func.count()).select_from(table))
            for table in db.metadata.sorted_tables}


def count(model, *where) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def emails_to(address: str) -> list[OutboundEmail]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboundEmail)
                                   .where(OutboundEmail.to_address == address)
                                   .order_by(OutboundEmail.id)))


def payments_of(order_id: str) -> list[tuple[str, int]]:
    db.session.expire_all()
    return [(p.kind, p.amount_cents) for p in db.session.scalars(
        select(Payment).where(Payment.order_id == order_id).order_by(Payment.id))]

