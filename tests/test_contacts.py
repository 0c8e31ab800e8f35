"""Each paid order lands in the selling venue's own contact base, with honest consent."""

from __future__ import annotations

import hashlib
import hmac
import time
from datetime import timedelta

from sqlalchemy import select

from marketplace.domain.contacts.models import Contact, WebhookDelivery
from marketplace.domain.contacts.services import (
    record_cancelled_order,
    record_paid_order,
    refresh_stages,
)
from marketplace.domain.contacts.stages import stage_for
from marketplace.domain.contacts.webhooks import (
    SIGNATURE_HEADER,
    deliver_webhooks,
    next_attempt,
    sign,
)
from marketplace.domain.inventory.models import Hold
from marketplace.domain.orders.models import Order
from tests.factories import ReleaseFactory, VenueFactory
from tests.webhook_receiver import LOCAL, webhook_receiver

CONSENT = "J'accepte de recevoir la programmation de la salle."


def paid_order(db, release, now, *, email="Lea.Martin@Example.org ", quantity=2,
               consent=False, birth_year=None) -> Order:
    hold = Hold(release_id=release.id, quantity=quantity, unit_price_cents=1500,
                status="converted", expires_at=now, created_at=now)
    db.session.add(hold)
    db.session.flush()
    order = Order(
        hold_id=hold.id, release_id=release.id, venue_id=release.venue_id, status="paid",
        quantity=quantity, unit_price_cents=1500, total_cents=quantity * 1500,
        face_price_cents=3000, discount_percent=50, buyer_email=email, buyer_name="Léa Martin",
        buyer_postcode="13007", buyer_birth_year=birth_year, marketing_consent=consent,
        consent_text=CONSENT if consent else None, token_hash="0" * 64,
        payment_provider="demo", created_at=now, paid_at=now)
    db.session.add(order)
    db.session.flush()
    return order


def test_stage_follows_purchases_over_twelve_months(now):
    day = timedelta(days=1)
    assert stage_for([], now) == "contact"
    assert stage_for([now - day], now) == "first_time"
    assert stage_for([now - day, now - 2 * day], now) == "first_time"
    assert stage_for([now - day, now - 2 * day, now - 3 * day], now) == "regular"
    assert stage_for([now - 400 * day, now - 500 * day, now - 600 * day], now) == "lapsed"
    assert stage_for([now - day, now - 400 * day, now - 500 * day], now) == "first_time"


def test_a_paid_order_lands_in_the_selling_venues_contacts(db, now):
    release = ReleaseFactory()
    order = paid_order(db, release, now, consent=True, birth_year=1998)
    contact = record_paid_order(db.session, order, now)
    db.session.commit()
    assert contact.venue_id == release.venue_id
    assert contact.email == "lea.martin@example.org"  # trimmed, lower-cased
    assert (contact.name, contact.postcode, contact.birth_year) == ("Léa Martin", "13007", 1998)
    assert (contact.purchases, contact.amount_cents) == (1, 3000)
    assert contact.first_purchase_at == contact.last_purchase_at == now
    assert contact.stage == "first_time"
    assert contact.source == "kiosque"
    assert contact.disciplines == ["theatre"]
    assert contact.marketing_consent and contact.consent_at == now
    assert contact.consent_text == CONSENT
    assert order.new_to_venue is True and order.contact_id == contact.id


def test_the_same_buyer_is_one_contact_whatever_the_case_of_the_email(db, now):
    release = ReleaseFactory()
    for offset, email in enumerate(("lea@example.org", " LEA@example.org", "Lea@Example.org")):
        order = paid_order(db, release, now + timedelta(days=offset), email=email)
        record_paid_order(db.session, order, now + timedelta(days=offset))
    db.session.commit()
    contact = db.session.scalars(select(Contact)).one()
    assert contact.purchases == 3 and contact.stage == "regular"
    orders = db.session.scalars(select(Order).order_by(Order.paid_at)).all()
    assert [o.new_to_venue for o in orders] == [True, False, False]


def test_a_buyer_of_two_venues_lands_in_both_bases_separately(db, now):
    first, second = ReleaseFactory(), ReleaseFactory()
    record_paid_order(db.session, paid_order(db, first, now), now)
    record_paid_order(db.session, paid_order(db, second, now), now)
    db.session.commit()
    contacts = db.session.scalars(select(Contact)).all()
    assert sorted(c.venue_id for c in contacts) == sorted([first.venue_id, second.venue_id])
    assert all(c.purchases == 1 for c in contacts)


def test_an_unticked_box_later_does_not_withdraw_consent(db, now):
    release = ReleaseFactory()
    record_paid_order(db.session, paid_order(db, release, now, consent=True), now)
    later = now + timedelta(days=3)
    contact = record_paid_order(db.session, paid_order(db, release, later, consent=False), later)
    assert contact.marketing_consent and contact.consent_at == now


def test_no_consent_is_recorded_unless_given(db, now):
    contact = record_paid_order(db.session, paid_order(db, ReleaseFactory(), now), now)
    assert not contact.marketing_consent and contact.consent_at is None


def test_a_cancelled_order_leaves_the_history(db, now):
    release = ReleaseFactory()
    first = paid_order(db, release, now - timedelta(days=10))
    record_paid_order(db.session, first, now - timedelta(days=10))
    second = paid_order(db, release, now)
    record_paid_order(db.session, second, now)
    second.status = "refunded"
    contact = record_cancelled_order(db.session, second, now)
    assert (contact.purchases, contact.amount_cents) == (1, 3000)
    assert contact.last_purchase_at == now - timedelta(days=10)


def test_contacts_lapse_after_twelve_months_without_a_purchase(db, now):
    release = ReleaseFactory()
    bought = now - timedelta(days=30)
    record_paid_order(db.session, paid_order(db, release, bought), bought)
    db.session.commit()
    assert refresh_stages(db.session, now) == 0
    assert refresh_stages(db.session, now + timedelta(days=400)) == 1
    assert db.session.scalars(select(Contact)).one().stage == "lapsed"


def test_webhook_backoff_doubles_and_stops_after_a_day(now):
    assert next_attempt(now, 1, now) == now + timedelta(minutes=1)
    assert next_attempt(now, 3, now) == now + timedelta(minutes=4)
    assert next_attempt(now, 20, now + timedelta(hours=23)) is None


def test_the_venues_system_gets_a_signed_payload_after_commit(db, now, allow_private_webhooks):
    with webhook_receiver() as receiver:
        release = ReleaseFactory(performance__show__venue__webhook_url=receiver.url,
                                 performance__show__venue__webhook_secret="s3cret")
        order = paid_order(db, release, now, consent=True)
        record_paid_order(db.session, order, now)
        assert receiver.received == []  # nothing leaves before the commit
        db.session.commit()
        deadline = time.monotonic() + 5
        while not receiver.received and time.monotonic() < deadline:
            time.sleep(0.02)
    [call] = receiver.received
    assert call["json"]["event"] == "contact.purchase"
    assert call["json"]["contact"]["email"] == "lea.martin@example.org"
    assert call["json"]["contact"]["marketing_consent"] is True
    assert call["json"]["order"]["order_id"] == order.id
    timestamp, digest = (p.split("=", 1)[1] for p in call["headers"][SIGNATURE_HEADER].split(","))
    expected = hmac.new(b"s3cret", f"{timestamp}.".encode() + call["body"], hashlib.sha256)
    assert hmac.compare_digest(digest, expected.hexdigest())
    assert call["headers"][SIGNATURE_HEADER] == sign("s3cret", int(timestamp), call["body"])


def test_a_receiver_that_fails_three_times_gets_it_on_the_fourth_try(db, now):
    # The scheduler's job, run here by hand: a receiver on this machine needs LOCAL.
    with webhook_receiver(fail_first=3) as receiver:
        release = ReleaseFactory(performance__show__venue__webhook_url=receiver.url,
                                 performance__show__venue__webhook_secret="s3cret")
        record_paid_order(db.session, paid_order(db, release, now), now)
        db.session.info.clear()  # the retries below stand in for the after-commit send
        db.session.commit()
        engine, moment = db.engine, now
        for _ in range(4):
            deliver_webhooks(engine, moment, policy=LOCAL)
            moment += timedelta(hours=1)
        assert receiver.attempts == 4 and len(receiver.received) == 1
    delivery = db.session.scalars(select(WebhookDelivery)).one()
    assert delivery.status == "delivered" and delivery.attempts == 4


def test_a_venue_without_a_webhook_url_gets_no_delivery(db, now):
    record_paid_order(db.session, paid_order(db, ReleaseFactory(), now), now)
    db.session.commit()
    assert db.session.scalars(select(WebhookDelivery)).all() == []


def test_recording_an_order_twice_counts_and_delivers_it_once(db, now):
    venue = VenueFactory(webhook_url="http://127.0.0.1:9/never", webhook_secret="x")
    release = ReleaseFactory(performance__show__venue=venue)
    order = paid_order(db, release, now)
    record_paid_order(db.session, order, now)
    record_paid_order(db.session, order, now)
    db.session.info.clear()
    db.session.commit()
    assert len(db.session.scalars(select(WebhookDelivery)).all()) == 1
    assert db.session.scalars(select(Contact)).one().purchases == 1
