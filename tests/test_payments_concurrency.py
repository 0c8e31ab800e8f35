"""Payments are confirmed once (rule 5) under real concurrency: threads, each with its own
session, start together on a Barrier (the harness of tests/test_concurrency.py).

The control runs a naive confirmation (read the status, then write) in the same harness
and does issue tickets twice, so the harness is known to be able to see the race.
The PostgreSQL races need TEST_DATABASE_URL; one SQLite race always runs, on its own file.
"""

from __future__ import annotations

import threading
import time
import urllib.request
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

from marketplace.db_events import install_sqlite_pragmas
from marketplace.domain.db import Base
from marketplace.domain.inventory.services import place_hold
from marketplace.domain.mail.models import OutboundEmail
from marketplace.domain.models import Hold, Performance, Release, Show, Venue
from marketplace.domain.orders.access import OrderLinks
from marketplace.domain.orders.checkout import check_out
from marketplace.domain.orders.models import Order, Payment, PaymentEvent, Ticket, new_ticket_code
from marketplace.domain.orders.payments import SUCCEEDED, DemoGateway
from marketplace.domain.purchases.confirmation import handle_payment_notice
from tests.buying import BUYER
from tests.smtp_server import smtp_server
from tests.stripe_stub import SECRET_KEY, WEBHOOK_SECRET, signed, stripe_stub
from tests.test_concurrency import (
    POSTGRES_POOL,
    POSTGRES_URL,
    Outcome,
    inventory_check,
    race,
    warm_up,
)

needs_postgresql = pytest.mark.skipif(not POSTGRES_URL,
                                      reason="needs PostgreSQL: set TEST_DATABASE_URL")
GATEWAY = DemoGateway("http://kiosque.test")
LINKS = OrderLinks("http://kiosque.test", "test-secret")
DELIVERIES = 20


def postgres_engine(app) -> Engine:
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"], pool_size=POSTGRES_POOL,
                           max_overflow=0, pool_timeout=60)
    warm_up(engine, 24)
    return engine


def sqlite_engine(path) -> Engine:
    engine = create_engine(f"sqlite:///{path}", pool_size=DELIVERIES, max_overflow=0,
                           pool_timeout=60,
                           connect_args={"timeout": 30, "check_same_thread": False})
    install_sqlite_pragmas(engine)
    Base.metadata.create_all(engine)
    return engine


def set_up_release(engine: Engine, now: datetime, quantity: int) -> int:
    with Session(engine) as session:
        venue = Venue(slug="la-course", name="La Course", postcode="13001", city="Marseille",
                      lat=43.3, lng=5.37)
        show = Show(venue=venue, title="Dernières places", discipline="theatre")
        performance = Performance(show=show, venue=venue, starts_at=now + timedelta(hours=4))
        session.add(performance)
        session.flush()
        release = Release(
            performance=performance, venue_id=venue.id, category="Placement libre",
            face_price_cents=3000, quantity=quantity, sold=0, held=0, start_discount=25,
            max_discount=80, curve="linear", sales_open_at=now - timedelta(days=1),
            max_discount_at=now + timedelta(hours=3), sales_close_at=now + timedelta(hours=4),
            max_per_order=6, status="open")
        session.add(release)
        session.commit()
        return release.id


def pending_order(engine: Engine, release_id: int, quantity: int, now: datetime,
                  email: str = BUYER["email"], gateway=GATEWAY) -> str:
    with Session(engine) as session:
        hold = place_hold(session, release_id, quantity, now, 600)
        return check_out(session, hold.id, {**BUYER, "email": email}, now, gateway,
                         LINKS).order.id


def tally(engine: Engine, order_id: str) -> dict:
    with Session(engine) as session:
        def count(model, *where):
            return session.scalar(select(func.count()).select_from(model).where(*where))

        order = session.get(Order, order_id)
        return {
            "status": order.status,
            "tickets": count(Ticket, Ticket.order_id == order_id),
            "emails": count(OutboundEmail, OutboundEmail.to_address == order.buyer_email),
            "events": count(PaymentEvent, PaymentEvent.order_id == order_id),
            "charges": count(Payment, Payment.order_id == order_id, Payment.kind == "charge"),
            "sold_held": session.execute(select(Release.sold, Release.held)
                                         .where(Release.id == order.release_id)).one(),
        }


def confirm_concurrently(engine: Engine, order_id: str, now: datetime) -> Outcome:
    outcome = Outcome()

    def deliver(session: Session) -> None:
        handle_payment_notice(session, DemoGateway.notice(order_id, SUCCEEDED), now, GATEWAY,
                              LINKS)

    with Session(engine) as session:
        release_id = session.get(Order, order_id).release_id
    race(engine, [deliver] * DELIVERIES, inventory_check(release_id, now), outcome)
    return outcome


def assert_paid_once(engine: Engine, order_id: str, quantity: int, outcome: Outcome) -> None:
    assert not outcome.errors, outcome.errors[:3]
    assert not outcome.violations, outcome.violations[:3]
    assert tally(engine, order_id) == {
        "status": "paid", "tickets": quantity, "emails": 1, "events": 1, "charges": 1,
        "sold_held": (quantity, 0)}


@pytest.mark.postgres
@needs_postgresql
def test_twenty_deliveries_of_the_same_confirmation_make_one_paid_order_on_postgresql(app, now):
    engine = postgres_engine(app)
    try:
        order_id = pending_order(engine, set_up_release(engine, now, 10), 3, now)
        outcome = confirm_concurrently(engine, order_id, now + timedelta(minutes=1))
        assert_paid_once(engine, order_id, 3, outcome)
    finally:
        engine.dispose()


def test_concurrent_deliveries_of_the_same_confirmation_make_one_paid_order_on_sqlite(
        tmp_path, now):
    engine = sqlite_engine(tmp_path / "payments.sqlite")
    try:
        order_id = pending_order(engine, set_up_release(engine, now, 10), 2, now)
        outcome = confirm_concurrently(engine, order_id, now + timedelta(minutes=1))
        assert_paid_once(engine, order_id, 2, outcome)
    finally:
        engine.dispose()


@pytest.mark.postgres
@needs_postgresql
@pytest.mark.parametrize("mix", ["same_event", "two_events"])
def test_twenty_concurrent_stripe_webhooks_over_http_make_one_paid_order(app, now,
                                                                         monkeypatch, mix):
    """Twenty deliveries at once through the real webhook endpoint on a threaded HTTP
    server: of one event, or ten of `completed` and ten of `async_payment_succeeded`."""
    with stripe_stub() as stub, smtp_server() as (smtp_url, received):
        for key, value in {"PAYMENT_PROVIDER": "stripe", "STRIPE_SECRET_KEY": SECRET_KEY,
                           "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
                           "STRIPE_API_BASE": stub.url, "SMTP_URL": smtp_url}.items():
            monkeypatch.setitem(app.config, key, value)
        from marketplace.domain.orders.payments import gateway_for

        engine = postgres_engine(app)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            # The server reads the real clock: the performance is four hours from now.
            session_now = datetime.now(UTC)
            release_id = set_up_release(engine, session_now, 10)
            order_id = pending_order(engine, release_id, 2, session_now,
                                     gateway=gateway_for(app.config))
            with Session(engine) as session:
                reference = session.get(Order, order_id).payment_reference
            stub.complete(reference)
            completed = stub.event("checkout.session.completed", reference, event_id="evt_a")
            succeeded = stub.event("checkout.session.async_payment_succeeded", reference,
                                   event_id="evt_b")
            events = [completed] * DELIVERIES if mix == "same_event" else \
                [completed, succeeded] * (DELIVERIES // 2)
            url = f"http://127.0.0.1:{server.server_port}/api/v1/payments/stripe/webhook"
            statuses, lock = [], threading.Lock()

            def deliver(event):
                def post(_session: Session) -> None:
                    body, headers = signed(event)
                    request = urllib.request.Request(url, data=body, headers=headers,
                                                     method="POST")
                    with urllib.request.urlopen(request, timeout=30) as response, lock:
                        statuses.append(response.status)
                return post

            outcome = Outcome()
            race(engine, [deliver(e) for e in events], inventory_check(release_id, session_now),
                 outcome)
        finally:
            server.shutdown()
            server.server_close()
        try:
            assert not outcome.errors, outcome.errors[:3]
            assert statuses == [200] * DELIVERIES
            result = tally(engine, order_id)
            assert result == {"status": "paid", "tickets": 2, "emails": 1,
                              "events": 1 if mix == "same_event" else 2,
                              "charges": 1, "sold_held": (2, 0)}
            # One e-mail recorded, and one delivered: the SMTP server got it once.
            assert [message["To"] for message in received] == [BUYER["email"]]
        finally:
            engine.dispose()


@pytest.mark.postgres
@needs_postgresql
def test_late_payments_racing_new_buyers_never_oversell(app, now):
    """Six payments arrive after their holds lapsed, while twelve new buyers hold the
    last seats: each payment is honoured or refunded, and never one seat too many."""
    engine = postgres_engine(app)
    try:
        release_id = set_up_release(engine, now, 10)
        late_orders = [pending_order(engine, release_id, 2, now, email=f"late{n}@example.org")
                       for n in range(5)]
        later = now + timedelta(minutes=15)  # every hold above has lapsed
        held, lock = [], threading.Lock()

        def late_payment(order_id):
            def pay(session: Session) -> None:
                handle_payment_notice(session, DemoGateway.notice(order_id, SUCCEEDED), later,
                                      GATEWAY, LINKS)
            return pay

        def new_buyer(session: Session) -> None:
            from marketplace.domain.errors import Conflict
            try:
                hold = place_hold(session, release_id, 1, later, 600)
            except Conflict:
                return
            with lock:
                held.append(hold.id)

        outcome = Outcome()
        workers = [late_payment(o) for o in late_orders] + [new_buyer] * 12
        race(engine, workers, inventory_check(release_id, later), outcome)
        assert not outcome.errors, outcome.errors[:3]
        assert not outcome.violations, outcome.violations[:3]
        results = [tally(engine, order_id) for order_id in late_orders]
        paid = [r for r in results if r["status"] == "paid"]
        refunded = [r for r in results if r["status"] == "refunded"]
        assert len(paid) + len(refunded) == len(late_orders)
        assert all(r["tickets"] == 2 and r["emails"] == 1 for r in paid)
        assert all(r["tickets"] == 0 and r["emails"] == 1 for r in refunded)
        with Session(engine) as session:
            sold, held_seats, quantity = session.execute(
                select(Release.sold, Release.held, Release.quantity)
                .where(Release.id == release_id)).one()
            active = session.scalar(select(func.coalesce(func.sum(Hold.quantity), 0))
                                    .where(Hold.status == "active"))
        assert sold == 2 * len(paid) and held_seats == active == len(held)
        assert sold + held_seats <= quantity
        print(f"\nlate payments: {len(paid)} honoured, {len(refunded)} refunded; "
              f"{len(held)} new holds; {sold + held_seats}/{quantity} seats taken")
    finally:
        engine.dispose()


# The control: a naive confirmation in the same harness ----------------------------------


@pytest.mark.postgres
@needs_postgresql
def test_control_naive_confirmation_does_issue_tickets_twice(app, now):
    engine = postgres_engine(app)
    try:
        order_id = pending_order(engine, set_up_release(engine, now, 10), 2, now)

        def naive_confirm(session: Session) -> None:
            status = session.scalar(select(Order.status).where(Order.id == order_id))
            if status == "pending":
                time.sleep(0.005)  # a webhook handler doing a little work
                session.add_all(Ticket(order_id=order_id, code=new_ticket_code())
                                for _ in range(2))
                session.execute(text("UPDATE orders SET status = 'paid' WHERE id = :id"),
                                {"id": order_id})
            session.commit()

        outcome = Outcome()
        race(engine, [naive_confirm] * DELIVERIES, lambda session: None, outcome)
        assert not outcome.errors, outcome.errors[:3]
        tickets = tally(engine, order_id)["tickets"]
        print(f"\ncontrol: {DELIVERIES} naive confirmations issued {tickets} tickets for 2 seats")
        assert tickets > 2, "the naive confirmation should duplicate; the harness cannot race"
    finally:
        engine.dispose()
