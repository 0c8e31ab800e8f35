"""Payments are confirmed once (rule 5); late ones are honoured or refunded (rule 4)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from marketplace.domain.mail.models import OutboundEmail
from marketplace.domain.models import Hold
from marketplace.domain.orders.models import Order, PaymentEvent, Ticket
from marketplace.domain.orders.payments import DemoGateway
from tests.buying import (
    BUYER,
    bought,
    checkout,
    confirm_by_api,
    count,
    counters,
    emails_to,
    hold_seats,
    pay,
    payments_of,
    refuse,
)
from tests.factories import ReleaseFactory
from tests.smtp_server import smtp_server


@pytest.fixture
def release(db):
    release = ReleaseFactory(quantity=4, max_per_order=4)
    db.session.commit()
    return release


def test_a_confirmed_payment_sells_the_seats_issues_tickets_and_emails_once(app, db, release,
                                                                            now):
    order = checkout(app, hold_seats(release, 3, now), now).order
    paid = pay(app, order.id, now + timedelta(minutes=2))
    assert paid.status == "paid" and paid.paid_at == now + timedelta(minutes=2)
    assert counters(release.id) == (3, 0)
    assert len(paid.tickets) == 3 and len({t.code for t in paid.tickets}) == 3
    assert payments_of(order.id) == [("charge", order.total_cents)]
    [email] = emails_to(BUYER["email"])
    assert email.dedup_key == f"order:{order.id}:confirmation"
    assert email.status == "outbox"  # no SMTP_URL in tests: the outbox


def test_the_same_confirmation_twice_changes_nothing_the_second_time(app, db, release, now):
    order = checkout(app, hold_seats(release, 2, now), now).order
    pay(app, order.id, now)
    again = pay(app, order.id, now + timedelta(minutes=1))
    assert again.status == "paid" and again.paid_at == now
    assert count(Ticket) == 2 and count(PaymentEvent) == 1
    assert len(emails_to(BUYER["email"])) == 1
    assert counters(release.id) == (2, 0) and len(payments_of(order.id)) == 1


def test_a_failure_after_success_is_ignored(app, db, release, now):
    order = checkout(app, hold_seats(release, 2, now), now).order
    pay(app, order.id, now)
    after = refuse(app, order.id, now + timedelta(minutes=1))  # out of order: too late
    assert after.status == "paid" and count(Ticket) == 2
    assert counters(release.id) == (2, 0)


def test_a_refused_payment_gives_the_seats_back_at_once(app, db, release, now):
    hold = hold_seats(release, 3, now)
    order = refuse(app, checkout(app, hold, now).order.id, now + timedelta(minutes=1))
    assert order.status == "cancelled" and order.cancelled_at is not None
    assert counters(release.id) == (0, 0)
    assert db.session.scalar(select(Hold.status).where(Hold.id == hold.id)) == "released"
    assert count(Ticket) == 0 and emails_to(BUYER["email"]) == []


def test_a_success_after_a_refusal_is_a_late_payment_honoured_if_seats_remain(app, db,
                                                                              release, now):
    order = checkout(app, hold_seats(release, 2, now), now).order
    refuse(app, order.id, now)
    paid = pay(app, order.id, now + timedelta(minutes=1))
    assert paid.status == "paid" and len(paid.tickets) == 2
    assert counters(release.id) == (2, 0)


def test_a_payment_after_the_hold_lapsed_keeps_the_seats_nobody_took(app, db, release, now):
    order = checkout(app, hold_seats(release, 2, now), now).order
    late = now + timedelta(minutes=25)  # hold lapsed at +10 min, nobody reclaimed it
    paid = pay(app, order.id, late)
    assert paid.status == "paid" and len(paid.tickets) == 2
    assert counters(release.id) == (2, 0)
    assert emails_to(BUYER["email"])[0].dedup_key.endswith(":confirmation")


def test_a_late_payment_takes_free_seats_when_its_own_went_back(app, db, release, now):
    order = checkout(app, hold_seats(release, 2, now), now).order
    later = now + timedelta(minutes=12)
    # Someone holds after the lapse: the lapsed hold is reclaimed, 2 seats remain free.
    other = hold_seats(release, 2, later)
    paid = pay(app, order.id, later + timedelta(minutes=1))
    assert paid.status == "paid"
    assert counters(release.id) == (2, 2)
    assert db.session.get(Hold, other.id).status == "active"


def test_a_late_payment_is_refunded_when_the_seats_are_gone_and_the_buyer_told(app, db,
                                                                               release, now):
    order = checkout(app, hold_seats(release, 3, now), now).order
    later = now + timedelta(minutes=12)
    bought(app, release, 4, later, email="quicker@example.org")  # all 4 seats, after the lapse
    refunded = pay(app, order.id, later + timedelta(minutes=5))
    assert refunded.status == "refunded" and refunded.refunded_at == refunded.paid_at
    assert payments_of(order.id) == [("charge", order.total_cents),
                                      ("refund", order.total_cents)]
    assert count(Ticket, Ticket.order_id == order.id) == 0
    assert counters(release.id) == (4, 0)  # never oversold
    [email] = emails_to(BUYER["email"])
    assert email.dedup_key == f"order:{order.id}:refund"
    assert "rembours" in email.subject.lower()  # French: the buyer browsed in French
    assert "il n'en restait plus aucune" in email.body_text
    # A second delivery of the same payment does not refund twice.
    pay(app, order.id, later + timedelta(minutes=6))
    assert len(payments_of(order.id)) == 2 and len(emails_to(BUYER["email"])) == 1


def test_a_payment_for_a_cancelled_performance_is_refunded(app, db, release, now):
    from marketplace.domain.orders.payments import gateway_for
    from marketplace.domain.purchases.cancellation import cancel_performance

    order = checkout(app, hold_seats(release, 2, now), now).order
    cancel_performance(db.session, release.performance.venue, release.performance_id, now,
                       gateway_for(app.config))
    refunded = pay(app, order.id, now + timedelta(minutes=1))
    assert refunded.status == "refunded"
    assert counters(release.id) == (0, 0)


def test_a_notice_for_an_unknown_order_changes_nothing(app, db, now):
    from marketplace.domain.orders.access import order_links
    from marketplace.domain.orders.payments import SUCCEEDED, gateway_for
    from marketplace.domain.purchases.confirmation import handle_payment_notice

    result = handle_payment_notice(db.session, DemoGateway.notice("nobody", SUCCEEDED), now,
                                   gateway_for(app.config), order_links(app.config))
    assert result is None and count(PaymentEvent) == 0


def test_the_confirmation_email_has_the_tickets_and_the_practical_information(app, db, now):
    release = ReleaseFactory(
        performance__show__title="Le Misanthrope", performance__show__venue__name="La Criée",
        performance__show__venue__address="30 quai de Rive-Neuve",
        performance__show__venue__transport_notes="Métro 1, Vieux-Port.",
        performance__show__venue__getting_home_notes="Dernier métro à 0h30.",
        performance__show__venue__access_notes="Entrée quai de Rive-Neuve.",
        performance__show__venue__step_free_access=True)
    db.session.commit()
    order = bought(app, release, 2, now)
    [email] = emails_to(BUYER["email"])
    assert "Le Misanthrope" in email.subject
    for text in ("Le Misanthrope", "La Criée", "30 quai de Rive-Neuve", "Métro 1, Vieux-Port.",
                 "Dernier métro à 0h30.", "Entrée quai de Rive-Neuve.", "vendredi 20 novembre",
                 f"/orders/{order.id}?token=", "/calendar.ics"):
        assert text in email.body_text, text
    for ticket in order.tickets:
        short = ticket.short_code  # what a person types; the long code is in the QR
        shown = f"{short[:4]}-{short[4:8]}-{short[8]}"
        assert shown in email.body_text and shown in email.body_html
        assert f"/tickets/{ticket.code}.png" in email.body_html
    assert "Bonjour Léa Martin" in email.body_text


def test_the_email_is_in_english_for_a_buyer_who_browsed_in_english(app, db, release, now):
    from marketplace.domain.orders.access import order_links
    from marketplace.domain.orders.checkout import check_out
    from marketplace.domain.orders.payments import gateway_for

    hold = hold_seats(release, 1, now)
    order = check_out(db.session, hold.id, BUYER, now, gateway_for(app.config),
                      order_links(app.config), locale="en").order
    pay(app, order.id, now)
    [email] = emails_to(BUYER["email"])
    assert email.subject.startswith("Your tickets") and "Hello Léa Martin" in email.body_text
    assert "Friday 20 November" in email.body_text


def test_the_confirmation_goes_through_smtp_after_the_commit(app, db, release, now):
    with smtp_server() as (url, received):
        app.config["SMTP_URL"] = url
        try:
            bought(app, release, 1, now)
        finally:
            app.config["SMTP_URL"] = None
    [message] = received
    assert message["To"] == BUYER["email"]
    assert "billets" in message["Subject"].lower()
    assert db.session.scalar(select(OutboundEmail.status)) == "sent"


# Through the API ------------------------------------------------------------------------


def test_api_demo_success_confirms_and_is_idempotent(client, db, release, now):
    with time_machine.travel(now, tick=False):
        hold = client.post("/api/v1/holds", json={"offer_id": release.id, "quantity": 2})
        order = client.post(f"/api/v1/holds/{hold.get_json()['hold_id']}/checkout",
                            json=BUYER).get_json()
        first = confirm_by_api(client, order["order_id"], order["order_token"])
        second = confirm_by_api(client, order["order_id"], order["order_token"])
        assert first.status_code == second.status_code == 200
        assert first.get_json() == {"order_id": order["order_id"], "status": "paid"}
        body = client.get(f"/api/v1/orders/{order['order_id']}",
                          query_string={"token": order["order_token"]}).get_json()
    assert body["status"] == "paid" and len(body["tickets"]) == 2
    assert count(Ticket) == 2 and len(emails_to(BUYER["email"])) == 1


def test_api_demo_success_of_an_unknown_order_is_404(client, db):
    response = confirm_by_api(client, "unknown", "some-token")
    assert response.status_code == 404 and response.get_json()["error"] == "unknown_order"
    assert count(PaymentEvent) == 0


@pytest.mark.parametrize("token", [None, "", "wrong", "another order's"])
def test_the_demo_confirmation_needs_the_order_token(app, client, db, release, now, token):
    order = checkout(app, hold_seats(release, 1, now), now).order
    other = checkout(app, hold_seats(release, 1, now), now, email="paul@example.org")
    if token == "another order's":
        token = other.order_token
    with time_machine.travel(now, tick=False):
        response = confirm_by_api(client, order.id, token)
    assert response.status_code == 404 and response.get_json()["error"] == "unknown_order"
    assert db.session.get(Order, order.id).status == "pending"
    assert count(PaymentEvent) == 0 and count(Ticket) == 0


def test_the_signed_key_of_the_order_link_also_confirms(app, client, db, release, now):
    from marketplace.domain.orders.access import order_links

    order = checkout(app, hold_seats(release, 1, now), now).order
    with time_machine.travel(now, tick=False):
        response = confirm_by_api(client, order.id, order_links(app.config).key(order.id))
    assert response.status_code == 200 and response.get_json()["status"] == "paid"


def test_the_demo_endpoint_does_not_exist_with_stripe(app, client, db, release, now,
                                                      monkeypatch):
    result = checkout(app, hold_seats(release, 1, now), now)
    monkeypatch.setitem(app.config, "PAYMENT_PROVIDER", "stripe")
    response = confirm_by_api(client, result.order.id, result.order_token)
    assert response.status_code == 404
    assert db.session.get(Order, result.order.id).status == "pending"


def test_a_public_https_site_refuses_to_start_with_demo_payments(tmp_path_factory,
                                                                 monkeypatch):
    from marketplace import create_app
    from marketplace.extensions import limiter
    from tests.conftest import make_test_config

    monkeypatch.setattr(limiter, "enabled", limiter.enabled)  # one limiter for every app
    monkeypatch.setattr(limiter, "initialized", limiter.initialized)
    public = {**make_test_config(tmp_path_factory), "BASE_URL": "https://kiosque.example"}
    with pytest.raises(RuntimeError, match="PAYMENT_PROVIDER=demo"):
        create_app(public)
    assert create_app({**public, "ALLOW_DEMO_PAYMENTS": True}).config["BASE_URL"] \
        == "https://kiosque.example"  # a public demonstration, said out loud
    assert create_app({**public, "BASE_URL": "http://127.0.0.1:5000"})  # a laptop


def test_orders_left_unpaid_are_cancelled_by_the_scheduler_once(app, db, release, now):
    from marketplace.domain.purchases.confirmation import cancel_abandoned_orders

    abandoned = checkout(app, hold_seats(release, 2, now), now).order
    recent = checkout(app, hold_seats(release, 1, now + timedelta(minutes=50)),
                      now + timedelta(minutes=50)).order
    later = now + timedelta(minutes=70)
    assert cancel_abandoned_orders(db.session, later) == 1
    assert cancel_abandoned_orders(db.session, later) == 0
    db.session.expire_all()
    assert db.session.get(Order, abandoned.id).status == "cancelled"
    assert db.session.get(Order, recent.id).status == "pending"
    assert counters(release.id) == (0, 1)  # the lapsed hold's seats are back
    # The money may still turn up: a late payment like any other.
    assert pay(app, abandoned.id, later).status == "paid"
