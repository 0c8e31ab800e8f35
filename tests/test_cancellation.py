"""A venue cancels a performance or refunds an order: money back once, buyers told."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from marketplace.domain.errors import Conflict, NotFound
from marketplace.domain.inventory.services import place_hold
from marketplace.domain.models import Hold, Performance, Release
from marketplace.domain.orders.models import Order
from marketplace.domain.orders.payments import gateway_for
from marketplace.domain.purchases.cancellation import cancel_performance, refund_order
from tests.buying import (
    BUYER,
    bought,
    checkout,
    counters,
    emails_to,
    hold_seats,
    pay,
    payments_of,
)
from tests.factories import PerformanceFactory, ReleaseFactory, VenueFactory


@pytest.fixture
def gateway(app):
    return gateway_for(app.config)


@pytest.fixture
def performance(db):
    performance = PerformanceFactory(show__title="Le Misanthrope")
    db.session.commit()
    return performance


def release_of(performance, **fields):
    from marketplace.extensions import db

    release = ReleaseFactory(performance=performance, **fields)
    db.session.commit()
    return release


def test_cancelling_a_performance_refunds_every_paid_order_and_tells_each_buyer(
        app, db, performance, gateway, now):
    stalls = release_of(performance, quantity=10)
    balcony = release_of(performance, quantity=10, category="Balcon")
    orders = [bought(app, stalls, 2, now, email="a@example.org"),
              bought(app, stalls, 1, now, email="b@example.org"),
              bought(app, balcony, 3, now, email="c@example.org")]
    pending = checkout(app, hold_seats(balcony, 2, now), now, email="d@example.org").order
    lonely_hold = hold_seats(stalls, 1, now)
    venue = performance.venue

    refunded = cancel_performance(db.session, venue, performance.id,
                                  now + timedelta(hours=1), gateway)

    assert refunded == 3
    db.session.expire_all()
    assert db.session.get(Performance, performance.id).status == "cancelled"
    assert {r.status for r in db.session.scalars(select(Release))} == {"closed"}
    for order in orders:
        stored = db.session.get(Order, order.id)
        assert stored.status == "refunded"
        assert payments_of(order.id) == [("charge", order.total_cents),
                                          ("refund", order.total_cents)]
        [confirmation, notice] = emails_to(order.buyer_email)
        assert notice.dedup_key == f"order:{order.id}:refund"
        assert notice.subject.startswith("Annulé : Le Misanthrope")
    assert db.session.get(Order, pending.id).status == "cancelled"
    assert db.session.get(Hold, lonely_hold.id).status == "released"
    assert counters(stalls.id) == (0, 0) and counters(balcony.id) == (0, 0)
    # Nobody can hold seats of a cancelled performance any more.
    with pytest.raises(Conflict):
        place_hold(db.session, stalls.id, 1, now + timedelta(hours=1), 600)


def test_cancelling_twice_refunds_once(app, db, performance, gateway, now):
    release = release_of(performance)
    order = bought(app, release, 2, now)
    venue = performance.venue
    assert cancel_performance(db.session, venue, performance.id, now, gateway) == 1
    assert cancel_performance(db.session, venue, performance.id, now, gateway) == 0
    assert len(payments_of(order.id)) == 2
    assert len(emails_to(BUYER["email"])) == 2  # the tickets, then one cancellation notice


def test_a_cancellation_interrupted_by_the_gateway_is_finished_by_the_next_call(
        app, db, performance, gateway, now, monkeypatch):
    from marketplace.domain.errors import Unavailable
    from marketplace.domain.orders.payments import DemoGateway

    release = release_of(performance)
    first = bought(app, release, 1, now, email="a@example.org")
    second = bought(app, release, 1, now, email="b@example.org")
    calls = []

    def flaky_refund(self, order, reference):
        calls.append(order.id)
        if len(calls) == 2:
            raise Unavailable("down")
        return f"demo_refund_{order.id}"

    monkeypatch.setattr(DemoGateway, "refund", flaky_refund)
    with pytest.raises(Unavailable):
        cancel_performance(db.session, performance.venue, performance.id, now, gateway)
    db.session.expire_all()
    statuses = {db.session.get(Order, o.id).status for o in (first, second)}
    assert statuses == {"refunded", "paid"}  # the second stays paid: nothing half-done
    assert cancel_performance(db.session, performance.venue, performance.id, now, gateway) == 1
    db.session.expire_all()
    assert {db.session.get(Order, o.id).status for o in (first, second)} == {"refunded"}


def test_another_venues_performance_is_not_found(app, db, performance, gateway, now):
    release = release_of(performance)
    order = bought(app, release, 1, now)
    other = VenueFactory()
    db.session.commit()
    with pytest.raises(NotFound):
        cancel_performance(db.session, other, performance.id, now, gateway)
    for bad_id in (None, "12", -1, 2**40, performance.id + 1000):
        with pytest.raises(NotFound):
            cancel_performance(db.session, performance.venue, bad_id, now, gateway)
    with pytest.raises(NotFound):
        refund_order(db.session, other, order.id, now, gateway)
    db.session.expire_all()
    assert db.session.get(Performance, performance.id).status == "scheduled"
    assert db.session.get(Order, order.id).status == "paid"


def test_refunding_one_order_pays_back_once_and_puts_the_seats_back_on_sale(
        app, db, performance, gateway, now):
    release = release_of(performance, quantity=5)
    order = bought(app, release, 3, now)
    other = bought(app, release, 1, now, email="other@example.org")
    venue = performance.venue
    later = now + timedelta(minutes=30)

    refunded = refund_order(db.session, venue, order.id, later, gateway)
    again = refund_order(db.session, venue, order.id, later + timedelta(minutes=1), gateway)

    assert refunded.status == again.status == "refunded"
    assert again.refunded_at == later
    assert payments_of(order.id) == [("charge", order.total_cents),
                                      ("refund", order.total_cents)]
    assert counters(release.id) == (1, 0)  # the three seats are on sale again
    assert db.session.get(Order, other.id).status == "paid"
    notice = emails_to(BUYER["email"])[-1]
    assert notice.subject.startswith("Remboursement de votre commande")
    assert "a remboursé votre commande" in notice.body_text


def test_an_unpaid_order_cannot_be_refunded(app, db, performance, gateway, now):
    release = release_of(performance)
    order = checkout(app, hold_seats(release, 1, now), now).order
    with pytest.raises(Conflict) as refused:
        refund_order(db.session, performance.venue, order.id, now, gateway)
    assert refused.value.code == "order_not_paid"
    assert payments_of(order.id) == []


def test_a_payment_arriving_after_the_cancellation_is_refunded_too(app, db, performance,
                                                                   gateway, now):
    release = release_of(performance)
    order = checkout(app, hold_seats(release, 2, now), now).order
    cancel_performance(db.session, performance.venue, performance.id, now, gateway)
    late = pay(app, order.id, now + timedelta(minutes=2))
    assert late.status == "refunded"
    assert "annulé cette représentation" in emails_to(BUYER["email"])[-1].body_text
