"""The Stripe gateway against a local stub of Stripe's HTTP API, with webhooks signed by the
real library: Checkout Sessions, fulfilment only from signed events, refunds."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from marketplace.domain.models import Hold
from marketplace.domain.orders.models import Order, PaymentEvent, Ticket
from marketplace.domain.orders.payments import gateway_for
from marketplace.domain.purchases.cancellation import refund_order
from tests.buying import (
    BUYER,
    checkout,
    count,
    counters,
    emails_to,
    hold_seats,
    payments_of,
)
from tests.factories import ReleaseFactory
from tests.stripe_stub import SECRET_KEY, WEBHOOK_SECRET, signed, stripe_stub

WEBHOOK = "/api/v1/payments/stripe/webhook"


@pytest.fixture
def stripe(app, monkeypatch):
    with stripe_stub() as stub:
        for key, value in {"PAYMENT_PROVIDER": "stripe", "STRIPE_SECRET_KEY": SECRET_KEY,
                           "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
                           "STRIPE_API_BASE": stub.url}.items():
            monkeypatch.setitem(app.config, key, value)
        yield stub


@pytest.fixture
def release(db):
    release = ReleaseFactory(quantity=4, max_per_order=4,
                             performance__show__title="Le Misanthrope")
    db.session.commit()
    return release


def deliver(client, event, secret=WEBHOOK_SECRET):
    body, headers = signed(event, secret)
    return client.post(WEBHOOK, data=body, headers=headers)


def pending_order(app, release, now, quantity=2):
    return checkout(app, hold_seats(release, quantity, now), now)


def test_checkout_opens_a_stripe_session_for_exactly_the_locked_total(app, db, stripe,
                                                                      release, now):
    hold = hold_seats(release, 3, now)
    result = checkout(app, hold, now)
    [(method, path, params)] = stripe.requests
    assert (method, path) == ("POST", "/v1/checkout/sessions")
    assert params["metadata"] == {"order_id": result.order.id}
    [item] = params["line_items"]
    assert (int(item["quantity"]), int(item["price_data"]["unit_amount"])) == \
        (3, hold.unit_price_cents)
    assert item["price_data"]["currency"] == "eur"
    assert "Le Misanthrope" in item["price_data"]["product_data"]["name"]
    assert params["customer_email"] == BUYER["email"] and params["locale"] == "fr"
    session = stripe.sessions[result.order.payment_reference]
    assert session["amount_total"] == result.order.total_cents
    assert result.redirect_url == session["url"]
    assert result.order.payment_provider == "stripe"
    # The way back never carries the order token itself.
    assert result.order_token not in params["success_url"]


def test_the_session_is_created_with_a_fixed_idempotency_key_per_order(app, db, stripe,
                                                                       release, now):
    order = pending_order(app, release, now).order
    gateway = gateway_for(app.config)
    again = gateway.start_payment(order, "key", "title", now)
    assert again.reference == order.payment_reference  # the same session, not a second one
    assert len(stripe.sessions) == 1


def test_when_stripe_does_not_answer_no_order_is_left_behind(app, client, db, stripe,
                                                             release, now):
    stripe.fail_next = 10
    with time_machine.travel(now, tick=False):
        hold = hold_seats(release, 2, now)
        response = client.post(f"/api/v1/holds/{hold.id}/checkout", json=BUYER)
    assert response.status_code == 503
    assert response.get_json()["error"] == "payment_unavailable"
    assert count(Order) == 0
    assert db.session.get(Hold, hold.id).status == "active"  # the buyer may try again


def test_a_signed_completed_event_pays_the_order_once(app, client, db, stripe, release, now):
    order = pending_order(app, release, now).order
    stripe.complete(order.payment_reference)
    event = stripe.event("checkout.session.completed", order.payment_reference)
    for _ in range(3):  # Stripe redelivers until it gets a 2xx, and sometimes after
        response = deliver(client, event)
        assert response.status_code == 200 and response.get_json() == {"received": True}
    db.session.expire_all()
    paid = db.session.get(Order, order.id)
    assert paid.status == "paid" and len(paid.tickets) == 2
    assert counters(release.id) == (2, 0)
    assert count(PaymentEvent) == 1 and len(emails_to(BUYER["email"])) == 1
    intent = stripe.sessions[order.payment_reference]["payment_intent"]
    assert payments_of(order.id) == [("charge", order.total_cents)]
    from marketplace.domain.orders.models import Payment
    assert db.session.scalar(select(Payment.provider_reference)) == intent


@pytest.mark.parametrize("tamper", ["unsigned", "wrong_secret", "altered_body", "garbage"])
def test_an_unsigned_or_badly_signed_event_is_refused_and_changes_nothing(app, client, db,
                                                                          stripe, release, now,
                                                                          tamper):
    order = pending_order(app, release, now).order
    stripe.complete(order.payment_reference)
    event = stripe.event("checkout.session.completed", order.payment_reference)
    body, headers = signed(event, "whsec_someone_else" if tamper == "wrong_secret"
                           else WEBHOOK_SECRET)
    if tamper == "unsigned":
        headers.pop("Stripe-Signature")
    if tamper == "altered_body":
        body = body.replace(b'"amount_total": ', b'"amount_total": 1')
    if tamper == "garbage":
        headers["Stripe-Signature"] = "t=nope,v1=nope"
    response = client.post(WEBHOOK, data=body, headers=headers)
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_signature"
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == "pending"
    assert count(PaymentEvent) == 0 and count(Ticket) == 0
    assert counters(release.id) == (0, 2)


def test_events_out_of_order_still_make_one_paid_order(app, client, db, stripe, release, now):
    order = pending_order(app, release, now).order
    # A bank transfer: completed but unpaid first (nothing to do), then the money arrives;
    # the session's expiry notice comes last, after the payment.
    completed = stripe.event("checkout.session.completed", order.payment_reference)
    stripe.complete(order.payment_reference)
    succeeded = stripe.event("checkout.session.async_payment_succeeded",
                             order.payment_reference)
    expired = stripe.event("checkout.session.expired", order.payment_reference)
    for event in (completed, succeeded, expired, succeeded, completed):
        assert deliver(client, event).status_code == 200
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == "paid"
    assert count(Ticket) == 2 and len(emails_to(BUYER["email"])) == 1
    assert count(PaymentEvent) == 3


def test_an_expired_session_gives_the_seats_back(app, client, db, stripe, release, now):
    order = pending_order(app, release, now).order
    assert deliver(client, stripe.event("checkout.session.expired",
                                        order.payment_reference)).status_code == 200
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == "cancelled"
    assert counters(release.id) == (0, 0)


def test_an_event_about_another_system_is_acknowledged_and_ignored(app, client, db, stripe,
                                                                   release, now):
    order = pending_order(app, release, now).order
    event = stripe.event("checkout.session.completed", order.payment_reference,
                         metadata={"order_id": "not-ours"}, client_reference_id=None)
    assert deliver(client, event).status_code == 200
    other = stripe.event("customer.created", order.payment_reference)
    assert deliver(client, other).status_code == 200
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == "pending"


def test_a_late_stripe_payment_with_no_seat_left_is_refunded_through_stripe(app, client, db,
                                                                          stripe, release,
                                                                          now):
    order = pending_order(app, release, now, quantity=3).order
    later = now + timedelta(minutes=31)
    quicker = checkout(app, hold_seats(release, 4, later), later,
                       email="quicker@example.org").order
    stripe.complete(quicker.payment_reference)
    with time_machine.travel(later, tick=False):
        assert deliver(client, stripe.event("checkout.session.completed",
                                            quicker.payment_reference)).status_code == 200
    stripe.complete(order.payment_reference)
    with time_machine.travel(later + timedelta(minutes=1), tick=False):
        assert deliver(client, stripe.event("checkout.session.completed",
                                            order.payment_reference)).status_code == 200
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == "refunded"
    [refund] = stripe.refunds.values()
    assert refund["payment_intent"] == stripe.sessions[order.payment_reference]["payment_intent"]
    refund_call = [r for r in stripe.requests if r[1] == "/v1/refunds"]
    assert len(refund_call) == 1
    assert counters(release.id) == (4, 0)
    assert emails_to(BUYER["email"])[-1].dedup_key == f"order:{order.id}:refund"


def test_a_venue_refund_goes_through_stripe_once(app, client, db, stripe, release, now):
    order = pending_order(app, release, now).order
    stripe.complete(order.payment_reference)
    deliver(client, stripe.event("checkout.session.completed", order.payment_reference))
    venue = release.performance.venue
    gateway = gateway_for(app.config)
    refund_order(db.session, venue, order.id, now + timedelta(hours=1), gateway)
    refund_order(db.session, venue, order.id, now + timedelta(hours=1), gateway)
    assert len(stripe.refunds) == 1
    [(_, _, params)] = [r for r in stripe.requests if r[1] == "/v1/refunds"]
    assert params["payment_intent"] == stripe.sessions[order.payment_reference]["payment_intent"]
    assert payments_of(order.id) == [("charge", order.total_cents),
                                      ("refund", order.total_cents)]


def test_the_pending_order_page_links_back_to_the_open_session(app, client, db, stripe,
                                                               release, now):
    result = pending_order(app, release, now)
    page = client.get(f"/orders/{result.order.id}", query_string={"token": result.order_token})
    assert page.status_code == 200
    assert stripe.sessions[result.order.payment_reference]["url"] in page.get_data(as_text=True)


def test_a_checkout_sent_again_returns_to_the_same_open_session(app, db, stripe, release, now):
    hold = hold_seats(release, 2, now)
    first = checkout(app, hold, now)
    again = checkout(app, hold, now + timedelta(minutes=1))
    assert again.order.id == first.order.id and again.redirect_url == first.redirect_url
    assert len(stripe.sessions) == 1 and count(Order) == 1


def test_the_webhook_does_not_exist_in_a_demo_deployment(client, db):
    body = json.dumps({"id": "evt_1", "type": "checkout.session.completed"}).encode()
    assert client.post(WEBHOOK, data=body,
                       headers={"Content-Type": "application/json"}).status_code == 404
