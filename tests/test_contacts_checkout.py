"""End to end: a real checkout and the demo payment land the buyer in the venue's contacts.

Hold, checkout, payment confirmation (the demo gateway, exactly as a Stripe webhook), then
the portal, the API, the CSV export and the venue's own tool (a real local HTTP server)
all know the buyer, with the right consent, stage and history. Refunds and cancelled
performances take the order out of the history again.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from marketplace.domain.accounts.services import issue_token
from marketplace.domain.contacts.models import Contact, WebhookDelivery
from marketplace.domain.contacts.webhooks import SIGNATURE_HEADER, deliver_webhooks
from marketplace.domain.orders.models import Order
from marketplace.domain.orders.payments import gateway_for
from marketplace.domain.purchases.cancellation import cancel_performance, refund_order
from marketplace.domain.timeutil import utcnow
from tests.buying import bought, checkout, hold_seats, pay
from tests.factories import (
    MembershipFactory,
    PerformanceFactory,
    ReleaseFactory,
    VenueFactory,
    log_in,
)
from tests.waiting import wait_for
from tests.webhook_receiver import webhook_receiver

CONSENT_WORDS = "programmation"  # the checkout's own wording contains it


@pytest.fixture
def frozen():
    """An hour ago, on the real clock: what is paid then is due to go out to the tool now
    (the after-commit send reads the real clock, so the test does not stop it)."""
    return utcnow().replace(microsecond=0) - timedelta(hours=1)


@pytest.fixture
def receiver():
    with webhook_receiver() as running:
        yield running


@pytest.fixture
def venue(db, frozen, receiver, allow_private_webhooks):
    return VenueFactory(name="La Criée", slug="la-criee", webhook_url=receiver.url,
                        webhook_secret="whsec_criee")


@pytest.fixture
def release(db, venue, frozen):
    performance = PerformanceFactory(show__venue=venue, show__title="Le Misanthrope",
                                     starts_at=frozen + timedelta(hours=5))
    on_sale = ReleaseFactory(performance=performance, sales_open_at=frozen - timedelta(days=1))
    db.session.commit()
    return on_sale



def contact_of(db, venue, email: str) -> Contact | None:
    db.session.expire_all()
    return db.session.scalar(select(Contact).where(Contact.venue_id == venue.id,
                                                   Contact.email == email))


def test_a_paid_checkout_lands_the_buyer_in_the_venues_base_and_tool(
        app, db, client, frozen, venue, release, receiver):
    elsewhere = ReleaseFactory(performance=PerformanceFactory(
        starts_at=frozen + timedelta(hours=5)), sales_open_at=frozen - timedelta(days=1))
    db.session.commit()
    order = bought(app, release, 2, frozen, email=" Lea.Martin@Example.org",
                   marketing_consent=True, birth_year=1994)
    assert order.status == "paid"

    contact = contact_of(db, venue, "lea.martin@example.org")
    assert contact is not None and contact.source == "kiosque"
    assert (contact.name, contact.postcode, contact.birth_year) == ("Léa Martin", "13006", 1994)
    assert (contact.purchases, contact.amount_cents) == (1, order.total_cents)
    assert contact.stage == "first_time" and contact.disciplines == ["theatre"]
    assert contact.marketing_consent and contact.consent_at == order.paid_at
    assert CONSENT_WORDS in contact.consent_text
    db.session.refresh(order)
    assert order.contact_id == contact.id and order.new_to_venue is True
    assert contact_of(db, elsewhere.performance.venue, "lea.martin@example.org") is None

    # The venue's tool got it, signed with the venue's secret.
    assert wait_for(lambda: receiver.received)
    [call] = receiver.received
    body = call["json"]
    assert body["event"] == "contact.purchase" and body["venue"] == "la-criee"
    assert body["contact"]["email"] == "lea.martin@example.org"
    assert body["contact"]["marketing_consent"] is True
    assert body["order"]["order_id"] == order.id and body["order"]["quantity"] == 2
    timestamp, digest = (p.split("=", 1)[1] for p in call["headers"][SIGNATURE_HEADER].split(","))
    expected = hmac.new(b"whsec_criee", f"{timestamp}.".encode() + call["body"], hashlib.sha256)
    assert hmac.compare_digest(digest, expected.hexdigest())

    # The portal, the export and the API know them.
    manager = MembershipFactory(venue=venue, role="manager")
    token = issue_token(db.session, venue=venue, label="CRM", now=frozen)
    db.session.commit()
    log_in(client, manager.user)
    page = client.get("/portal/venues/la-criee/contacts").get_data(as_text=True)
    assert "Léa Martin" in page and "Primo-acheteur" in page
    history = client.get(f"/portal/venues/la-criee/contacts/{contact.id}").get_data(
        as_text=True)
    assert "Le Misanthrope" in history and "Payée" in history
    export = client.get("/portal/venues/la-criee/contacts/export/marketing.csv").get_data()
    rows = list(csv.DictReader(io.StringIO(export.decode("utf-8-sig")), delimiter=";"))
    assert [r["E-mail"] for r in rows] == ["lea.martin@example.org"]
    pulled = client.get("/api/v1/venue/contacts",
                        headers={"Authorization": f"Bearer {token}"}).get_json()
    assert [(c["email"], c["stage"], c["purchases"], c["marketing_consent"])
            for c in pulled["contacts"]] == [("lea.martin@example.org", "first_time", 1, True)]


def test_an_unticked_box_lands_the_buyer_without_consent(app, db, frozen, venue, release):
    bought(app, release, 1, frozen, email="paul@example.org", marketing_consent=False)
    contact = contact_of(db, venue, "paul@example.org")
    assert contact.purchases == 1
    assert not contact.marketing_consent and contact.consent_at is None


def test_a_third_purchase_in_a_year_makes_a_regular_and_counts_once_each(
        app, db, frozen, venue, release):
    for hours in (0, 1, 2):
        bought(app, release, 1, frozen + timedelta(minutes=hours * 20), email="lea@example.org")
    contact = contact_of(db, venue, "lea@example.org")
    assert (contact.purchases, contact.stage) == (3, "regular")
    orders = db.session.scalars(select(Order).order_by(Order.paid_at)).all()
    assert [o.new_to_venue for o in orders] == [True, False, False]


def test_a_payment_confirmed_twice_lands_and_is_sent_once(app, db, frozen, venue, release,
                                                          receiver):
    order = checkout(app, hold_seats(release, 2, frozen), frozen).order
    pay(app, order.id, frozen + timedelta(minutes=1))
    pay(app, order.id, frozen + timedelta(minutes=2))
    assert contact_of(db, venue, "lea.martin@example.org").purchases == 1
    assert len(db.session.scalars(select(WebhookDelivery)).all()) == 1
    assert wait_for(lambda: receiver.received)
    time.sleep(0.2)
    assert len(receiver.received) == 1


def test_a_refund_takes_the_order_out_of_the_history_and_tells_the_tool(
        app, db, frozen, venue, release, receiver):
    first = bought(app, release, 1, frozen, email="lea@example.org")
    second = bought(app, release, 2, frozen + timedelta(minutes=5), email="lea@example.org")
    refund_order(db.session, venue, second.id, frozen + timedelta(minutes=10),
                 gateway_for(app.config))
    contact = contact_of(db, venue, "lea@example.org")
    assert (contact.purchases, contact.amount_cents) == (1, first.total_cents)
    assert contact.last_purchase_at == first.paid_at
    assert wait_for(lambda: [c for c in receiver.received
                             if c["json"]["event"] == "contact.order_cancelled"])
    cancelled = next(c["json"] for c in receiver.received
                     if c["json"]["event"] == "contact.order_cancelled")
    assert cancelled["order"]["order_id"] == second.id
    assert cancelled["order"]["status"] == "refunded"
    assert cancelled["contact"]["purchases"] == 1


def test_a_cancelled_performance_empties_its_buyers_histories(app, db, frozen, venue, release):
    bought(app, release, 1, frozen, email="lea@example.org")
    bought(app, release, 1, frozen, email="paul@example.org")
    cancel_performance(db.session, venue, release.performance_id,
                       frozen + timedelta(minutes=5), gateway_for(app.config))
    for email in ("lea@example.org", "paul@example.org"):
        contact = contact_of(db, venue, email)
        assert (contact.purchases, contact.amount_cents, contact.stage) == (0, 0, "contact")
        assert contact.last_purchase_at is None


def test_a_payment_refunded_at_once_for_want_of_seats_lands_nobody(app, db, frozen, venue):
    performance = PerformanceFactory(show__venue=venue, starts_at=frozen + timedelta(hours=5))
    release = ReleaseFactory(performance=performance, quantity=1,
                             sales_open_at=frozen - timedelta(days=1))
    db.session.commit()
    late = checkout(app, hold_seats(release, 1, frozen), frozen, email="late@example.org").order
    # The hold lapses and someone else takes the last seat before the late payment arrives.
    later = frozen + timedelta(minutes=15)
    bought(app, release, 1, later, email="quick@example.org")
    paid = pay(app, late.id, later + timedelta(minutes=2))
    assert paid.status == "refunded"
    assert contact_of(db, venue, "late@example.org") is None
    assert contact_of(db, venue, "quick@example.org").purchases == 1


def test_a_tool_that_fails_three_times_gets_the_purchase_on_the_fourth_try(
        app, db, frozen, allow_private_webhooks):
    with webhook_receiver(fail_first=3) as failing:
        venue = VenueFactory(webhook_url=failing.url, webhook_secret="s3cret")
        release = ReleaseFactory(performance=PerformanceFactory(
            show__venue=venue, starts_at=frozen + timedelta(hours=5)),
            sales_open_at=frozen - timedelta(days=1))
        db.session.commit()
        bought(app, release, 1, frozen, email="lea@example.org")
        assert wait_for(lambda: failing.attempts == 1)  # the try right after the commit
        moment = frozen + timedelta(minutes=2)
        for _ in range(3):  # the scheduler's job, each time the backoff allows
            moment += timedelta(hours=1)
            deliver_webhooks(db.engine, moment, policy=allow_private_webhooks)
        assert failing.attempts == 4 and len(failing.received) == 1
        assert failing.received[0]["json"]["contact"]["email"] == "lea@example.org"
    delivery = db.session.scalars(select(WebhookDelivery)).one()
    db.session.refresh(delivery)
    assert (delivery.status, delivery.attempts) == ("delivered", 4)
