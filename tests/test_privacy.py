"""A spectator sees, limits and erases what is held about them; the accounting stays."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from marketplace.contacts.models import Contact, WebhookDelivery
from marketplace.contacts.rights import data_token
from marketplace.contacts.services import record_paid_order
from marketplace.mail.models import OutboundEmail
from marketplace.orders.models import Order
from tests.factories import ReleaseFactory, VenueFactory
from tests.test_contacts import paid_order

SECRET = "test-secret"


@pytest.fixture(autouse=True)
def _clock_at_now(now):
    """Links are signed at `now` and checked against the app's clock: both read `now`."""
    with time_machine.travel(now, tick=False):
        yield


def two_venues_bought(db, now):
    criee = VenueFactory(slug="la-criee", name="La Criée", webhook_url="http://127.0.0.1:9/x",
                         webhook_secret="s")
    silo = VenueFactory(slug="le-silo", name="Le Silo")
    for venue in (criee, silo):
        release = ReleaseFactory(performance__show__venue=venue)
        record_paid_order(db.session, paid_order(db, release, now, consent=True), now)
    other = ReleaseFactory(performance__show__venue=silo)
    record_paid_order(db.session, paid_order(db, other, now, email="someone@else.org"), now)
    db.session.info.clear()
    db.session.commit()


def test_asking_for_the_link_sends_it_and_tells_strangers_nothing_more(db, client):
    for email in ("lea.martin@example.org", "nobody@example.org"):
        response = client.post("/mes-donnees", data={"email": email})
        assert response.status_code == 200
        assert "mailbox" in response.get_data(as_text=True) or "boîte" in \
            response.get_data(as_text=True)
    sent = db.session.scalars(select(OutboundEmail).order_by(OutboundEmail.id)).all()
    assert [e.to_address for e in sent] == ["lea.martin@example.org", "nobody@example.org"]
    assert re.search(r"http://kiosque.test/mes-donnees/\S+", sent[0].body_text)


def test_a_malformed_address_is_refused_with_a_message(db, client):
    response = client.post("/mes-donnees", data={"email": "not-an-address"})
    assert response.status_code == 422
    assert "aria-invalid" in response.get_data(as_text=True)
    assert db.session.scalars(select(OutboundEmail)).all() == []


def test_the_link_shows_everything_venue_by_venue_and_nothing_of_others(db, client, now):
    two_venues_bought(db, now)
    token = data_token(SECRET, "Lea.Martin@example.org", now)
    page = client.get(f"/mes-donnees/{token}").get_data(as_text=True)
    assert "La Criée" in page and "Le Silo" in page
    body = client.get(f"/api/v1/me/data?token={token}").get_json()
    assert body["email"] == "lea.martin@example.org"
    assert sorted(v["venue"]["slug"] for v in body["venues"]) == ["la-criee", "le-silo"]
    assert len(body["orders"]) == 2
    assert "someone@else.org" not in str(body)


def test_consent_is_withdrawn_per_venue_in_one_click(db, client, now):
    two_venues_bought(db, now)
    token = data_token(SECRET, "lea.martin@example.org", now)
    response = client.post(f"/mes-donnees/{token}/consentement/la-criee")
    assert response.status_code == 303
    consents = dict(db.session.execute(
        select(Contact.venue_id, Contact.marketing_consent)
        .where(Contact.email == "lea.martin@example.org")).all())
    assert sorted(consents.values()) == [False, True]  # only La Criée stopped
    events = db.session.scalars(select(WebhookDelivery.event)).all()
    assert "contact.consent" in events  # La Criée's own system is told


def test_erasure_anonymises_people_and_keeps_the_accounting(db, client, now):
    two_venues_bought(db, now)
    token = data_token(SECRET, "lea.martin@example.org", now)
    assert client.delete(f"/api/v1/me/data?token={token}").status_code == 204
    contacts = db.session.scalars(select(Contact).where(Contact.purchases > 0)).all()
    erased = [c for c in contacts if c.email.startswith("erased-")]
    assert len(erased) == 2 and all(c.name == "" and not c.marketing_consent for c in erased)
    assert all(c.purchases == 1 for c in erased)  # the history's counts stay
    orders = db.session.scalars(select(Order).where(Order.anonymised_at.is_not(None))).all()
    assert len(orders) == 2
    assert all(o.buyer_email is None and o.buyer_name is None for o in orders)
    assert all(o.total_cents == 3000 for o in orders)
    again = client.get(f"/api/v1/me/data?token={token}").get_json()
    assert again["venues"] == [] and again["orders"] == []


def test_erasure_from_the_page_needs_the_box_ticked(db, client, now):
    two_venues_bought(db, now)
    token = data_token(SECRET, "lea.martin@example.org", now)
    assert client.post(f"/mes-donnees/{token}/effacer").status_code == 422
    assert db.session.scalar(select(Order.anonymised_at)) is None
    assert client.post(f"/mes-donnees/{token}/effacer", data={"confirm": "y"}).status_code == 200
    assert db.session.scalars(select(Order).where(Order.buyer_email.is_not(None))).all() \
        == [db.session.scalars(select(Order).where(Order.buyer_email == "someone@else.org")).one()]


def test_forged_expired_or_missing_tokens_get_nothing(db, client, now):
    two_venues_bought(db, now)
    expired = data_token(SECRET, "lea.martin@example.org", now - timedelta(days=3))
    forged = data_token("another-secret", "lea.martin@example.org", now)
    for token in (expired, forged, "garbage"):
        assert client.get(f"/api/v1/me/data?token={token}").status_code == 401
        assert client.delete(f"/api/v1/me/data?token={token}").status_code == 401
        assert client.get(f"/mes-donnees/{token}").status_code == 401
    assert client.get("/api/v1/me/data").status_code == 422
    assert db.session.scalar(select(Order.anonymised_at)) is None


def test_the_privacy_page_says_who_sees_what(client):
    page = client.get("/confidentialite").get_data(as_text=True)
    assert "agence" in page.lower()
