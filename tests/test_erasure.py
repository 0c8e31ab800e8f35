"""Erasure reaches everywhere (DESIGN.md rule 10): after it, no column of any table holds the
spectator's e-mail, name, postcode or year of birth, and each venue that held them is told
by a signed `contact.erased` event."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
import unicodedata
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import JSON, Integer, String, Text, select

from marketplace.domain.contacts.models import Contact, WebhookDelivery
from marketplace.domain.contacts.webhooks import (
    SIGNATURE_HEADER,
    deliver_webhooks,
    email_digest,
    sign,
)
from marketplace.domain.feedback.services import record_feedback
from marketplace.domain.follows.models import Follow
from marketplace.domain.follows.services import confirm_follow, follow_venue
from marketplace.domain.mail.links import mail_links
from marketplace.domain.mail.mailer import queue_email
from marketplace.domain.mail.models import OutboundEmail
from marketplace.domain.orders.models import Order, PaymentEvent
from marketplace.domain.push.channel import PushChannel, generate_key_pair
from marketplace.domain.push.models import PushSubscription
from marketplace.domain.push.services import save_subscription
from marketplace.domain.rights.services import (
    LinkEmail,
    erase,
    issue_data_link,
    send_data_link,
    withdraw_consent,
)
from marketplace.domain.waitlist.services import join_waitlist
from marketplace.domain.watches.models import Watch
from marketplace.domain.watches.services import confirm_watch, create_watch
from tests.buying import bought, checkout, hold_seats
from tests.factories import MembershipFactory, ReleaseFactory, VenueFactory, log_in
from tests.push_receiver import PushService
from tests.test_contacts import paid_order
from tests.webhook_receiver import LOCAL, webhook_receiver

EMAIL = "zephyrine.quillebeuf@example.org"
TYPED = "  Zephyrine.Quillebeuf@EXAMPLE.org "  # as typed once, before checkout lower-cased it
NAME = "Zéphyrine Quillebeuf"
POSTCODE = "04870"
BIRTH_YEAR = 1987
OTHER = "someone@else.org"


@pytest.fixture(autouse=True)
def _local_receiver(allow_private_webhooks):
    """The venues' tools are a receiver on this machine (rule 9 allows it in tests only)."""
    return allow_private_webhooks


@pytest.fixture(autouse=True)
def _clock(now):
    with time_machine.travel(now, tick=False):
        yield


def folded(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text)
                   if not unicodedata.combining(c)).casefold()


def traces(db, *, email=EMAIL, name=NAME, postcode=POSTCODE, birth_year=BIRTH_YEAR
           ) -> dict[str, set[str]]:
    """Where the person's details still stand: {table: {column, …}}, read from every text and
    JSON column of every table (JSON decoded, so escaped accents count), and from the
    year-of-birth columns."""
    words = {email, *name.lower().split(), name.lower()}
    words |= {folded(w) for w in words}
    numbers = re.compile(rf"(?<![\w]){re.escape(postcode)}(?![\w])|(?<![\w]){birth_year}(?![\w])")
    found: dict[str, set[str]] = {}
    db.session.rollback()
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, String | Text | JSON)
                       or (isinstance(c.type, Integer) and "birth" in c.name)]
            for row in conn.execute(select(*columns)) if columns else ():
                for column, value in zip(columns, row, strict=True):
                    if value is None:
                        continue
                    if isinstance(column.type, Integer):
                        hit = value == birth_year
                    else:
                        text = json.dumps(value, ensure_ascii=False) \
                            if isinstance(column.type, JSON) else str(value)
                        lowered = text.lower()
                        hit = any(w in lowered for w in words) or bool(numbers.search(text))
                    if hit:
                        found.setdefault(table.name, set()).add(column.name)
    return found


def wait_for(predicate, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.02)


def untried_now(db, now) -> list[int]:
    """Deliveries due now that the after-commit threads have not tried yet."""
    db.session.rollback()  # a fresh read
    return db.session.scalars(select(WebhookDelivery.id).where(
        WebhookDelivery.attempts == 0, WebhookDelivery.next_attempt_at <= now)).all()


def the_buyer_everywhere(app, db, now, receiver_url: str) -> dict:
    """The buyer in every table that can hold a spectator: orders (paid, pending, typed in
    another case), contacts at two venues, their webhook deliveries (delivered and still
    pending), payment events, feedback, e-mails (sent, queued, refused), an alert and its
    confirmation, and the data link they erase with. Someone else buys too."""
    criee = VenueFactory(slug="la-criee", name="La Criée", webhook_url=receiver_url,
                         webhook_secret="s3cret")
    silo = VenueFactory(slug="le-silo", name="Le Silo", webhook_url="http://127.0.0.1:9/x",
                        webhook_secret="s")
    gymnase = VenueFactory(slug="le-gymnase", name="Le Gymnase", webhook_url=receiver_url,
                           webhook_secret="g")
    at_criee, at_silo, at_gymnase = (ReleaseFactory(performance__show__venue=v)
                                     for v in (criee, silo, gymnase))
    db.session.commit()
    buyer = {"email": EMAIL, "name": NAME, "postcode": POSTCODE, "birth_year": BIRTH_YEAR,
             "marketing_consent": True}
    first = bought(app, at_criee, 2, now, **buyer)
    bought(app, at_silo, 1, now, **buyer)
    checkout(app, hold_seats(at_criee, 1, now), now, **buyer)  # never paid
    typed = paid_order(db, at_gymnase, now, email=TYPED)
    typed.buyer_name, typed.buyer_postcode = NAME, POSTCODE
    bought(app, at_gymnase, 1, now, email=OTHER, name="Autre Personne", postcode="13001")
    db.session.add(PaymentEvent(
        provider="stripe", event_id="evt_1", type="checkout.session.completed",
        order_id=first.id, received_at=now, payload={"id": "evt_1", "data": {"object": {
            "customer_email": EMAIL, "metadata": {"order_id": first.id},
            "customer_details": {"email": EMAIL, "name": NAME,
                                 "address": {"postal_code": POSTCODE}}}}}))
    queue_email(db.session, dedup_key="order:typed:confirmation", to=TYPED,
                subject=f"Bonjour {NAME}", body_text=f"{NAME}, {POSTCODE}", now=now)
    queue_email(db.session, dedup_key=f"my-data-link:{EMAIL}:1795190400", to=EMAIL,
                subject="Kiosque: your data", body_text="an older link", now=now)
    db.session.commit()
    refused = db.session.scalar(select(OutboundEmail).where(
        OutboundEmail.dedup_key == "order:typed:confirmation"))
    refused.status, refused.last_error = "queued", f"550 <{EMAIL}> mailbox unavailable"
    record_feedback(db.session, first, 5, f"Merci ! {NAME}", now)
    created = create_watch(db.session, {"email": EMAIL, "discipline": "dance",
                                        "place_label": f"Digne {POSTCODE}", "lat": "44.09",
                                        "lng": "6.23", "radius": "20"},
                           "fr", mail_links(app.config), now)
    confirm_watch(db.session, created.token, now)
    followed = follow_venue(db.session, "la-criee", EMAIL, "fr", mail_links(app.config), now)
    confirm_follow(db.session, followed.token, now)
    save_subscription(db.session, EMAIL, "follow",
                      PushService(url="https://198.51.100.7").subscription(),
                      PushChannel(private_key=generate_key_pair()[0], policy=LOCAL), now)
    withdraw_consent(db.session, EMAIL, silo.slug, now)  # a contact.consent delivery
    full = ReleaseFactory(performance__show__venue=gymnase, quantity=1)
    db.session.commit()
    hold_seats(full, 1, now)
    join_waitlist(db.session, full.id, {"email": EMAIL, "quantity": 1}, mail_links(app.config),
                  now)
    token = issue_data_link(db.session, EMAIL, now).token
    db.session.commit()
    # The purchases were paid a minute on: deliver what is due then (Le Silo's fail).
    wait_for(lambda: not untried_now(db, now))
    deliver_webhooks(db.engine, now + timedelta(minutes=2), policy=LOCAL)
    return {"token": token, "criee": criee, "silo": silo, "gymnase": gymnase}


def test_after_an_erasure_no_table_holds_the_buyer_and_each_venue_is_told(app, db, client,
                                                                          now):
    with webhook_receiver() as receiver:
        world = the_buyer_everywhere(app, db, now, receiver.url)
        before = traces(db)
        assert set(before) >= {"orders", "contacts", "webhook_deliveries", "payment_events",
                               "feedback", "outbound_emails", "watches", "data_links",
                               "follows", "push_subscriptions", "waitlist_entries"}, before
        assert "buyer_birth_year" in before["orders"] and "birth_year" in before["contacts"]
        delivered = {d.id for d in db.session.scalars(select(WebhookDelivery).where(
            WebhookDelivery.status == "delivered"))}
        assert delivered and db.session.scalar(select(WebhookDelivery.id).where(
            WebhookDelivery.status == "pending"))  # both kinds are in the log

        assert client.delete(f"/api/v1/me/data?token={world['token']}").status_code == 204
        wait_for(lambda: any(c["json"]["event"] == "contact.erased" for c in receiver.received))

    assert traces(db) == {}
    assert set(traces(db, email=OTHER, name="Autre Personne", postcode="13001",
                      birth_year=1994)) >= {"orders", "contacts", "webhook_deliveries"}
    # The link that asked for it is dead.
    assert client.get(f"/api/v1/me/data?token={world['token']}").status_code == 401
    assert client.get(f"/mes-donnees/{world['token']}").status_code == 401
    # The accounting stays.
    orders = db.session.scalars(select(Order).where(Order.anonymised_at.is_not(None))).all()
    assert len(orders) == 4 and sum(o.quantity for o in orders) == 6
    assert db.session.scalars(select(Watch)).all() == []
    assert db.session.scalars(select(Follow)).all() == []
    assert db.session.scalars(select(PushSubscription)).all() == []
    # Each venue that held them is told, signed, by contact id and address digest only.
    [told] = [c for c in receiver.received if c["json"]["event"] == "contact.erased"]
    criee_contact = db.session.scalar(select(Contact.id).where(
        Contact.venue_id == world["criee"].id))
    assert told["json"]["venue"] == "la-criee"
    assert told["json"]["contact"] == {"id": criee_contact, "email_sha256": email_digest(EMAIL),
                                       "erased": True}
    timestamp = told["headers"][SIGNATURE_HEADER].split(",")[0].split("=")[1]
    assert hmac.compare_digest(told["headers"][SIGNATURE_HEADER],
                               sign("s3cret", int(timestamp), told["body"]))
    erased_events = db.session.execute(select(WebhookDelivery.venue_id).where(
        WebhookDelivery.event == "contact.erased")).scalars().all()
    assert sorted(erased_events) == sorted([world["criee"].id, world["silo"].id])  # not Gymnase
    assert email_digest(TYPED) == hashlib.sha256(EMAIL.encode()).hexdigest()


def test_what_was_sent_about_an_erased_buyer_cannot_be_sent_again(app, db, client, now):
    with webhook_receiver() as receiver:
        world = the_buyer_everywhere(app, db, now, receiver.url)
        purchase = db.session.scalar(select(WebhookDelivery).where(
            WebhookDelivery.venue_id == world["criee"].id,
            WebhookDelivery.event == "contact.purchase"))
        still_pending = db.session.scalar(select(WebhookDelivery).where(
            WebhookDelivery.venue_id == world["silo"].id,
            WebhookDelivery.event == "contact.purchase"))
        assert still_pending.status == "pending"
        erase(db.session, EMAIL, now)
        wait_for(lambda: any(c["json"]["event"] == "contact.erased" for c in receiver.received))
        manager = MembershipFactory(venue=world["criee"], role="manager")
        db.session.commit()
        log_in(client, manager.user)
        received = len(receiver.received)
        response = client.post(f"/portal/venues/la-criee/webhooks/{purchase.id}/resend",
                               follow_redirects=True)
        assert "erased" in response.get_data(as_text=True) or "effacé" in \
            response.get_data(as_text=True)
        page = client.get("/portal/venues/la-criee/webhooks").get_data(as_text=True)
        assert NAME not in page and EMAIL not in page
        # Due retries of the pending one send nothing either: it was given up.
        assert deliver_webhooks(db.engine, now + timedelta(hours=1), policy=LOCAL) == 0
        time.sleep(0.2)
        assert len(receiver.received) == received
    db.session.expire_all()
    assert db.session.get(WebhookDelivery, still_pending.id).status == "failed"
    assert db.session.get(WebhookDelivery, purchase.id).payload["order"]["order_id"]


def test_the_erasure_is_one_transaction_and_changes_nothing_of_others(app, db, now):
    release = ReleaseFactory()
    db.session.commit()
    bought(app, release, 1, now, email=OTHER, name="Autre Personne", postcode="13001")
    before = traces(db, email=OTHER, name="Autre Personne", postcode="13001", birth_year=1994)
    counts = erase(db.session, EMAIL, now)  # nobody by that address: nothing changes
    assert set(counts.values()) == {0}
    assert traces(db, email=OTHER, name="Autre Personne", postcode="13001",
                  birth_year=1994) == before


def test_a_link_asked_for_after_the_erasure_shows_nothing_left(app, db, client, now):
    release = ReleaseFactory()
    db.session.commit()
    bought(app, release, 1, now, email=EMAIL, name=NAME, postcode=POSTCODE)
    erase(db.session, EMAIL, now)
    send_data_link(db.session, EMAIL, now, cap=None,
                   compose=lambda token: LinkEmail("link", f"/mes-donnees/{token}"))
    token = re.search(r"/mes-donnees/(\S+)", db.session.scalar(
        select(OutboundEmail.body_text).where(OutboundEmail.to_address == EMAIL)))[1]
    body = client.get(f"/api/v1/me/data?token={token}").get_json()
    assert body["venues"] == body["orders"] == body["watches"] == []
