"""Setting and testing a venue's webhook, through the API and the portal, under rule 9.

PATCH /venue/me and the profile form refuse an address that leads inside (nothing is
saved); POST /venue/webhooks/test and « Tester » answer delivered or not and the status
code, never what the receiver said; an address whose name later points inside reaches
nothing. Names resolve through the `dns` fixture: never the network.
"""

from __future__ import annotations

import re
import socket
from html import unescape

import pytest
import time_machine
from flask_babel import force_locale, format_decimal
from sqlalchemy import select

from marketplace.domain.accounts.services import issue_token
from marketplace.domain.contacts.models import WebhookDelivery
from marketplace.domain.contacts.webhooks import WebhookTestResult, send_test_event
from marketplace.outbound import MSG_HTTPS_ONLY, NO_ANSWER, NOT_ALLOWED, OutboundPolicy
from tests.factories import MembershipFactory, ReleaseFactory, VenueFactory, log_in
from tests.test_contacts_portal import sale
from tests.waiting import wait_for
from tests.webhook_receiver import PUBLIC_IP, webhook_receiver
from venues_portal.views.contacts_webhooks import webhook_test_answer

OLD_URL, OLD_SECRET = "https://crm.lacriee.example/kiosque", "whsec_old_secret_kept"
RECEIVER_BODY = "INTERNAL-ANSWER-7f3a: stack trace of the venue's tool"

# Each way of pointing a webhook inside, as a manager could type it.
INSIDE = [
    "https://127.0.0.1/hook", "https://localhost:8443/hook", "https://2130706433:8443/",
    "https://0x7f.1/", "https://[::1]/", "https://[::ffff:127.0.0.1]/",
    "https://10.0.0.12/hook", "https://169.254.169.254/latest/meta-data/",
    "https://192.168.1.20/hook", "https://intranet.lacriee.example/hook",  # -> 10.1.2.3
]


@pytest.fixture
def frozen(now):
    with time_machine.travel(now, tick=False):
        yield now


@pytest.fixture
def names(dns):
    dns.answers.update({"crm.lacriee.example": [PUBLIC_IP],
                        "hooks.lacriee.example": [PUBLIC_IP, "2606:4700::1111"],
                        "intranet.lacriee.example": ["10.1.2.3"]})
    return dns


@pytest.fixture
def venue(db, frozen, names):
    venue = VenueFactory(name="La Criée", webhook_url=OLD_URL, webhook_secret=OLD_SECRET)
    db.session.commit()
    return venue


@pytest.fixture
def auth(db, venue, frozen):
    token = issue_token(db.session, venue=venue, label="CRM", now=frozen)
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def stored(db, venue) -> tuple[str | None, str | None]:
    db.session.expire_all()
    return venue.webhook_url, venue.webhook_secret


def set_url(db, venue, url: str) -> None:
    """An address stored as it was before rule 9 (or whose name changed since)."""
    venue.webhook_url = url
    db.session.commit()



# PATCH /venue/me -----------------------------------------------------------------------


@pytest.mark.parametrize("url", [*INSIDE, "http://crm.lacriee.example/kiosque",
                                 "https://user:pw@crm.lacriee.example/", "ftp://x.example/"])
def test_the_api_refuses_an_address_rule_9_forbids_and_saves_nothing(db, client, venue, auth,
                                                                      url):
    response = client.patch("/api/v1/venue/me", json={"webhook_url": url,
                                                      "webhook_secret": "x" * 40},
                            headers=auth)
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"] == "webhook_url_not_allowed" and body["field"] == "webhook_url"
    assert body["message"]
    assert stored(db, venue) == (OLD_URL, OLD_SECRET)  # the secret given with it neither


def test_the_api_sets_a_public_https_address_and_a_secret(db, client, venue, auth, names):
    response = client.patch("/api/v1/venue/me", headers=auth, json={
        "webhook_url": "https://hooks.lacriee.example/kiosque",
        "webhook_secret": "whsec_from_our_crm_0123456789"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["slug"] == venue.slug and body["webhook_url"] == \
        "https://hooks.lacriee.example/kiosque"
    assert "webhook_secret" not in body  # given by the caller: never echoed
    assert stored(db, venue) == ("https://hooks.lacriee.example/kiosque",
                                 "whsec_from_our_crm_0123456789")
    assert "hooks.lacriee.example" in names.asked  # checked, not taken on trust


def test_an_address_without_a_secret_gets_one_shown_once(db, client, frozen, names):
    venue = VenueFactory(webhook_url=None, webhook_secret=None)
    token = issue_token(db.session, venue=venue, now=frozen)
    db.session.commit()
    auth = {"Authorization": f"Bearer {token}"}
    first = client.patch("/api/v1/venue/me", json={"webhook_url": "https://crm.lacriee.example/k"},
                         headers=auth).get_json()
    assert first["webhook_secret"].startswith("whsec_")
    assert stored(db, venue) == ("https://crm.lacriee.example/k", first["webhook_secret"])
    again = client.patch("/api/v1/venue/me", json={"webhook_url": "https://crm.lacriee.example/"},
                         headers=auth).get_json()
    assert "webhook_secret" not in again  # kept, and not shown again
    assert stored(db, venue)[1] == first["webhook_secret"]


def test_the_address_can_be_removed_and_an_empty_patch_changes_nothing(db, client, venue,
                                                                       auth):
    assert client.patch("/api/v1/venue/me", json={}, headers=auth).status_code == 200
    assert stored(db, venue) == (OLD_URL, OLD_SECRET)
    response = client.patch("/api/v1/venue/me", json={"webhook_url": None}, headers=auth)
    assert response.status_code == 200 and response.get_json()["webhook_url"] is None
    assert stored(db, venue) == (None, OLD_SECRET)


@pytest.mark.parametrize("body", [
    {"colour": "red"}, {"name": "Renamed by the API"}, {"webhook_url": 42},
    {"webhook_url": "https://crm.lacriee.example/" + "a" * 500},
    {"webhook_secret": "short"}, {"webhook_secret": "with spaces in it, sixteen+"},
    {"webhook_secret": None}])
def test_the_api_refuses_other_bad_changes_and_saves_nothing(db, client, venue, auth, body):
    response = client.patch("/api/v1/venue/me", json=body, headers=auth)
    assert response.status_code == 422
    assert response.get_json()["error"] == "validation_error"
    assert stored(db, venue) == (OLD_URL, OLD_SECRET) and venue.name == "La Criée"


def test_a_patch_without_a_body_is_refused(db, client, venue, auth):
    for data in (None, "null", "[]"):
        response = client.patch("/api/v1/venue/me", data=data, headers=auth,
                                content_type="application/json" if data else None)
        assert response.status_code == 422, data
    assert stored(db, venue) == (OLD_URL, OLD_SECRET)


# POST /venue/webhooks/test -------------------------------------------------------------


def test_the_api_test_says_delivered_and_the_status(db, client, venue, auth,
                                                    allow_private_webhooks):
    with webhook_receiver(body=RECEIVER_BODY.encode()) as receiver:
        set_url(db, venue, receiver.url)
        response = client.post("/api/v1/venue/webhooks/test", headers=auth)
    assert response.status_code == 200
    assert response.get_json() == {"delivered": True, "status": 200}
    assert RECEIVER_BODY not in response.get_data(as_text=True)
    [call] = receiver.received
    assert call["json"]["event"] == "test" and call["json"]["venue"] == venue.slug
    delivery = db.session.scalars(select(WebhookDelivery)).one()
    assert (delivery.event, delivery.status, delivery.last_status_code) == ("test",
                                                                            "delivered", 200)


def test_the_api_test_gives_the_status_of_a_refusal_never_its_body(db, client, venue, auth,
                                                                   allow_private_webhooks):
    with webhook_receiver(status=500, body=RECEIVER_BODY.encode()) as receiver:
        set_url(db, venue, receiver.url)
        response = client.post("/api/v1/venue/webhooks/test", headers=auth)
    assert response.get_json() == {"delivered": False, "status": 500}
    assert RECEIVER_BODY not in response.get_data(as_text=True)
    delivery = db.session.scalars(select(WebhookDelivery)).one()
    assert (delivery.status, delivery.attempts) == ("failed", 1)  # a test is not retried
    assert RECEIVER_BODY not in repr(delivery.last_error)


def test_the_api_test_of_a_closed_port_says_no_status_and_no_error_text(
        db, client, venue, auth, allow_private_webhooks):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        set_url(db, venue, f"http://127.0.0.1:{closed.getsockname()[1]}/")
    response = client.post("/api/v1/venue/webhooks/test", headers=auth)
    assert response.status_code == 200
    assert response.get_json() == {"delivered": False, "status": None}
    assert "refused" not in response.get_data(as_text=True).lower()


def test_the_api_test_follows_no_redirection(db, client, venue, auth, allow_private_webhooks):
    with webhook_receiver() as inside, \
            webhook_receiver(status=302, headers={"Location": inside.url}) as outside:
        set_url(db, venue, outside.url)
        response = client.post("/api/v1/venue/webhooks/test", headers=auth)
        assert response.get_json() == {"delivered": False, "status": 302}
        assert inside.connections == 0 and len(outside.received) == 1


def test_the_api_test_of_an_inside_address_sends_nothing(db, client, venue, auth):
    with webhook_receiver() as receiver:
        set_url(db, venue, receiver.url)  # stored before rule 9; WEBHOOK_ALLOW_PRIVATE off
        response = client.post("/api/v1/venue/webhooks/test", headers=auth)
        assert response.get_json() == {"delivered": False, "status": None}
        assert receiver.connections == 0


def test_the_api_test_without_an_address_says_so(db, client, venue, auth):
    set_url(db, venue, None)
    response = client.post("/api/v1/venue/webhooks/test", headers=auth)
    assert response.status_code == 409
    assert response.get_json()["error"] == "no_webhook_url"
    assert db.session.scalars(select(WebhookDelivery)).all() == []


# DNS rebinding -------------------------------------------------------------------------


def test_a_name_that_points_inside_after_it_was_saved_reaches_nothing(
        app, db, client, monkeypatch, frozen, venue, auth, names):
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_HTTP", True)  # to see a stray request
    with webhook_receiver() as receiver:
        url = f"http://crm.lacriee.example:{receiver.port}/kiosque"
        saved = client.patch("/api/v1/venue/me", json={"webhook_url": url}, headers=auth)
        assert saved.status_code == 200  # public when saved ...
        names.answers["crm.lacriee.example"] = ["127.0.0.1"]  # ... inside when sent
        tested = client.post("/api/v1/venue/webhooks/test", headers=auth)
        assert tested.get_json() == {"delivered": False, "status": None}
        sale(db, ReleaseFactory(performance__show__venue=venue), frozen,
             email="lea@example.org")
        db.session.commit()  # the purchase goes to the venue's tool right after the commit
        purchase = select(WebhookDelivery).where(WebhookDelivery.event == "contact.purchase")
        # Claimed (attempts + 1) before the call, answered after it: wait for the answer.
        assert wait_for(lambda: db.session.expire_all() or db.session.scalars(purchase).one()
                        .last_error is not None)
        assert receiver.connections == 0 and receiver.received == []
    delivery = db.session.scalars(purchase).one()
    assert (delivery.status, delivery.attempts, delivery.last_error) == (
        "pending", 1, "address_not_allowed")  # tried again later: names change back


def test_the_control_the_same_purchase_reaches_a_receiver_that_is_allowed(
        db, frozen, venue, names, allow_private_webhooks):
    with webhook_receiver() as receiver:
        names.answers["crm.lacriee.example"] = ["127.0.0.1"]
        set_url(db, venue, f"http://crm.lacriee.example:{receiver.port}/kiosque")
        sale(db, ReleaseFactory(performance__show__venue=venue), frozen,
             email="lea@example.org")
        db.session.commit()
        assert wait_for(lambda: len(receiver.received) == 1)


# The portal -----------------------------------------------------------------------------


@pytest.fixture
def manager(db, client, venue):
    membership = MembershipFactory(venue=venue, role="manager")
    db.session.commit()
    log_in(client, membership.user)
    return membership


def profile_form(venue, webhook_url: str) -> dict:
    return {"name": venue.name, "address": venue.address, "postcode": venue.postcode,
            "city": venue.city, "lat": str(venue.lat), "lng": str(venue.lng),
            "email": "", "website": "", "webhook_url": webhook_url}


@pytest.mark.parametrize("url", INSIDE)
def test_the_profile_form_refuses_an_inside_address_next_to_the_field(db, client, venue,
                                                                      manager, url):
    response = client.post(f"/portal/venues/{venue.slug}/profile",
                           data=profile_form(venue, url))
    assert response.status_code == 422
    page = unescape(response.get_data(as_text=True))
    assert "Kiosque ne peut pas envoyer à cette adresse : elle doit mener à un serveur sur " \
           "Internet, pas à un réseau privé ou local." in page
    assert 'id="webhook_url-field"' in page and "field--error" in page
    assert stored(db, venue) == (OLD_URL, OLD_SECRET)


def test_the_profile_form_asks_for_https_in_french_and_in_english(db, client, venue,
                                                                  manager):
    url = f"/portal/venues/{venue.slug}/profile"
    french = client.post(url, data=profile_form(venue, "http://crm.lacriee.example/"))
    assert french.status_code == 422
    assert "L’adresse du webhook doit commencer par https:// (http:// n’est pas accepté)." \
        in unescape(french.get_data(as_text=True))
    english = client.post(f"{url}?lang=en",
                          data=profile_form(venue, "http://crm.lacriee.example/"))
    assert english.status_code == 422
    assert "The webhook address must start with https:// (http:// is not allowed)." \
        in unescape(english.get_data(as_text=True))
    assert stored(db, venue) == (OLD_URL, OLD_SECRET)


def test_the_profile_form_saves_a_public_https_address(db, client, venue, manager):
    response = client.post(f"/portal/venues/{venue.slug}/profile",
                           data=profile_form(venue, "https://hooks.lacriee.example/kiosque"))
    assert response.status_code == 302
    assert stored(db, venue) == ("https://hooks.lacriee.example/kiosque", OLD_SECRET)


def log_page(client, venue, *, follow_from: str | None = None) -> str:
    if follow_from:
        response = client.post(follow_from, follow_redirects=True)
    else:
        response = client.get(f"/portal/venues/{venue.slug}/webhooks")
    return unescape(response.get_data(as_text=True))


def test_the_test_button_shows_the_status_never_the_body(db, client, venue, manager,
                                                         allow_private_webhooks):
    with webhook_receiver(status=503, body=RECEIVER_BODY.encode()) as receiver:
        set_url(db, venue, receiver.url)
        page = log_page(client, venue, follow_from=f"/portal/venues/{venue.slug}/webhooks/test")
    assert "Événement d’essai non reçu : votre outil a répondu HTTP 503." in page
    assert "dernière réponse : HTTP 503" in page
    assert RECEIVER_BODY not in page and "INTERNAL-ANSWER" not in page


def test_the_test_button_says_a_redirection_is_not_followed(db, client, venue, manager,
                                                            allow_private_webhooks):
    with webhook_receiver() as inside, \
            webhook_receiver(status=301, headers={"Location": inside.url}) as outside:
        set_url(db, venue, outside.url)
        page = log_page(client, venue, follow_from=f"/portal/venues/{venue.slug}/webhooks/test")
        assert inside.connections == 0
    assert "répondu par une redirection (HTTP 301), et Kiosque n’en suit aucune" in page


def test_the_test_button_of_an_inside_address_sends_nothing_and_says_why(db, client, venue,
                                                                         manager):
    with webhook_receiver() as receiver:
        # https, so that the check that refuses it is the private network's (not http's).
        set_url(db, venue, receiver.url.replace("http://", "https://"))
        page = log_page(client, venue, follow_from=f"/portal/venues/{venue.slug}/webhooks/test")
        assert receiver.connections == 0
    assert ("Événement d’essai non envoyé. Kiosque ne peut pas envoyer à cette adresse : elle "
            "doit mener à un serveur sur Internet, pas à un réseau privé ou local.") in page
    assert "dernière réponse : aucune (adresse refusée : réseau privé ou local)" in page


def test_the_log_never_shows_a_sockets_error_text(db, client, frozen, venue, manager):
    delivery = WebhookDelivery(
        venue_id=venue.id, event="test", dedup_key="old", payload={"test": True},
        status="failed", attempts=3, next_attempt_at=frozen, created_at=frozen,
        last_error="<urlopen error [Errno 111] Connection refused>")  # from before rule 9
    db.session.add(delivery)
    db.session.commit()
    page = log_page(client, venue)
    assert "dernière réponse : aucune (pas de réponse)" in page
    assert "Errno" not in page and "refused" not in page


# « Tester »: the answer as it happened -----------------------------------------------------


def test_the_test_measures_the_call_with_the_clock_it_is_given(db, frozen, venue):
    ticks = iter([100.0, 100.25])
    with webhook_receiver(status=503, body=RECEIVER_BODY.encode()) as receiver:
        set_url(db, venue, receiver.url)
        result = send_test_event(db.session, venue, OutboundPolicy(allow_private=True),
                                 frozen, clock=lambda: next(ticks))
    assert (result.delivered, result.status, result.elapsed_ms) == (False, 503, 250)
    assert result.refusal is None and RECEIVER_BODY not in repr(result)


def test_a_refused_test_says_which_check_of_rule_9_refused_it(db, frozen, venue):
    set_url(db, venue, "http://crm.lacriee.example/kiosque")  # public, but not https
    strict = OutboundPolicy(resolve=lambda host, port: [PUBLIC_IP])
    result = send_test_event(db.session, venue, strict, frozen)
    assert (result.delivered, result.status, result.problem) == (False, None, NOT_ALLOWED)
    assert result.refusal == MSG_HTTPS_ONLY


def test_the_test_button_shows_the_status_and_the_time_taken(db, client, venue, manager,
                                                              allow_private_webhooks):
    with webhook_receiver(status=503, body=RECEIVER_BODY.encode()) as receiver:
        set_url(db, venue, receiver.url)
        page = log_page(client, venue, follow_from=f"/portal/venues/{venue.slug}/webhooks/test")
    assert re.search(r"votre outil a répondu HTTP 503\. \([\d\u202f\u00a0]+ ms\)", page)
    assert RECEIVER_BODY not in page


def test_the_test_button_says_why_rule_9_refused_the_address(db, client, venue, manager):
    set_url(db, venue, "http://crm.lacriee.example/kiosque")  # stored before rule 9
    page = log_page(client, venue, follow_from=f"/portal/venues/{venue.slug}/webhooks/test")
    assert ("Événement d’essai non envoyé. L’adresse du webhook doit commencer par https:// "
            "(http:// n’est pas accepté).") in page


def test_the_french_answer_of_each_outcome(app):
    with app.test_request_context(), force_locale("fr"):
        thousands = format_decimal(1234)
        delivered = webhook_test_answer(WebhookTestResult(True, 204, elapsed_ms=1234))
        silent = webhook_test_answer(WebhookTestResult(False, None, NO_ANSWER, elapsed_ms=3))
        inside = webhook_test_answer(WebhookTestResult(False, None, NOT_ALLOWED, elapsed_ms=1))
    assert delivered == (
        f"Événement d’essai reçu : votre outil a répondu HTTP 204. ({thousands} ms)", "success")
    assert silent[1] == "error" and silent[0].endswith("(3 ms)")
    assert inside[0].startswith("Événement d’essai non envoyé : cette adresse mène")
    assert "ms)" not in inside[0]  # nothing was sent: no time to tell
