"""The webhook log in the portal: what was sent to the venue's tool, « renvoyer », « tester »."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from marketplace.domain.contacts.models import WebhookDelivery
from marketplace.domain.contacts.webhooks import SIGNATURE_HEADER, sign
from tests.factories import MembershipFactory, ReleaseFactory, VenueFactory, log_in
from tests.test_contacts_portal import sale
from tests.waiting import wait_for
from tests.webhook_receiver import webhook_receiver

SECRET = "whsec_test"


@pytest.fixture
def frozen(now):
    with time_machine.travel(now, tick=False):
        yield now


@pytest.fixture
def receiver():
    with webhook_receiver() as running:
        yield running


@pytest.fixture
def venue(db, frozen, receiver, allow_private_webhooks):
    """A venue whose tool listens on a local receiver (allowed: WEBHOOK_ALLOW_PRIVATE)."""
    return VenueFactory(name="La Criée", webhook_url=receiver.url, webhook_secret=SECRET)


@pytest.fixture
def manager(db, client, venue):
    membership = MembershipFactory(venue=venue, role="manager")
    db.session.commit()
    log_in(client, membership.user)
    return membership


def log_url(venue, path: str = "") -> str:
    return f"/portal/venues/{venue.slug}/webhooks{path}"


def failed_delivery(db, venue, now, *, email="lea@example.org") -> WebhookDelivery:
    """A purchase the venue's tool never acknowledged: given up after 24 hours."""
    release = ReleaseFactory(performance__show__venue=venue)
    sale(db, release, now - timedelta(days=2), email=email, name="Léa Martin")
    db.session.info.clear()  # this one is not sent after the commit: it failed long ago
    delivery = db.session.scalars(select(WebhookDelivery)
                                  .where(WebhookDelivery.venue_id == venue.id)).one()
    delivery.status, delivery.attempts, delivery.last_error = "failed", 12, "HTTP 500"
    delivery.last_status_code = 500
    db.session.commit()
    return delivery



def delivery_status(db, delivery_id: int) -> str:
    db.session.expire_all()
    return db.session.get(WebhookDelivery, delivery_id).status


def test_the_log_shows_what_was_sent_and_how_it_was_answered(db, client, frozen, manager,
                                                             venue):
    failed_delivery(db, venue, frozen)
    response = client.get(log_url(venue))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Abandonné après 24 heures" in page and "12 tentatives" in page
    assert "HTTP 500" in page and "Léa Martin" in page and "Renvoyer" in page
    assert "lea@example.org" in page  # the payload, for whoever debugs the tool
    fragment = client.get(log_url(venue), headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in fragment and "Renvoyer" in fragment


def test_resend_delivers_a_failed_delivery_to_the_tool(db, client, frozen, manager, venue,
                                                       receiver):
    delivery = failed_delivery(db, venue, frozen)
    response = client.post(log_url(venue, f"/{delivery.id}/resend"))
    assert response.status_code == 302
    assert wait_for(lambda: delivery_status(db, delivery.id) == "delivered")
    [call] = receiver.received
    assert call["json"]["event"] == "contact.purchase"
    assert call["json"]["contact"]["email"] == "lea@example.org"
    timestamp = int(call["headers"][SIGNATURE_HEADER].split(",")[0][2:])
    assert call["headers"][SIGNATURE_HEADER] == sign(SECRET, timestamp, call["body"])
    page = client.get(log_url(venue)).get_data(as_text=True)
    assert "Reçu" in page and "dernière réponse : HTTP 200" in page


def test_the_test_button_sends_a_signed_test_event(db, client, frozen, manager, venue,
                                                   receiver):
    response = client.post(log_url(venue, "/test"), follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Événement d’essai reçu : votre outil a répondu HTTP 200." in page
    [call] = receiver.received  # sent before the answer: the button says how it went
    assert call["json"]["event"] == "test" and call["json"]["venue"] == venue.slug
    assert call["json"]["test"] is True and "contact" not in call["json"]
    timestamp = int(call["headers"][SIGNATURE_HEADER].split(",")[0][2:])
    assert call["headers"][SIGNATURE_HEADER] == sign(SECRET, timestamp, call["body"])
    delivery = db.session.scalars(select(WebhookDelivery)).one()
    assert (delivery.status, delivery.last_status_code) == ("delivered", 200)


def test_two_tests_in_the_same_second_are_two_deliveries(db, client, frozen, manager, venue,
                                                         receiver):
    client.post(log_url(venue, "/test"))
    client.post(log_url(venue, "/test"))
    assert len(receiver.received) == 2
    assert len(db.session.scalars(select(WebhookDelivery)).all()) == 2


def test_the_test_button_without_an_address_says_where_to_give_one(db, client, frozen,
                                                                   manager, venue):
    venue.webhook_url = None
    db.session.commit()
    response = client.post(log_url(venue, "/test"), follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Indiquez d’abord l’adresse webhook" in page
    assert "Pas encore d’adresse" in page
    assert db.session.scalars(select(WebhookDelivery)).all() == []


def test_another_venues_delivery_cannot_be_resent_from_here(db, client, frozen, manager,
                                                            venue):
    other = VenueFactory(webhook_url="http://127.0.0.1:9/never", webhook_secret="x")
    theirs = failed_delivery(db, other, frozen, email="theirs@example.org")
    response = client.post(log_url(venue, f"/{theirs.id}/resend"))
    assert response.status_code == 404
    assert "theirs@example.org" not in response.get_data(as_text=True)
    assert delivery_status(db, theirs.id) == "failed"
    assert "theirs@example.org" not in client.get(log_url(venue)).get_data(as_text=True)


def test_the_box_office_has_no_access_to_the_webhooks(db, client, frozen, venue):
    delivery = failed_delivery(db, venue, frozen)
    box_office = MembershipFactory(venue=venue, role="box_office")
    db.session.commit()
    log_in(client, box_office.user)
    assert client.get(log_url(venue)).status_code == 403
    assert client.post(log_url(venue, "/test")).status_code == 403
    assert client.post(log_url(venue, f"/{delivery.id}/resend")).status_code == 403
    assert delivery_status(db, delivery.id) == "failed"
    assert db.session.scalar(select(WebhookDelivery.event).where(
        WebhookDelivery.event == "test")) is None
