"""A spectator sees, limits and erases what is held about them; the accounting stays."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from marketplace.domain.contacts.models import Contact, DataLink, WebhookDelivery
from marketplace.domain.contacts.services import record_paid_order
from marketplace.domain.mail.models import OutboundEmail
from marketplace.domain.orders.models import Order
from marketplace.domain.rights.services import issue_data_link
from marketplace.domain.watches.models import Watch
from tests.factories import ReleaseFactory, VenueFactory
from tests.test_contacts import paid_order


@pytest.fixture(autouse=True)
def _clock_at_now(now):
    """Links are issued at `now` and checked against the app's clock: both read `now`."""
    with time_machine.travel(now, tick=False):
        yield


def data_link(db, email: str, issued_at) -> str:
    """The token of a "Mes données" link issued for `email` at `issued_at`."""
    token = issue_data_link(db.session, email, issued_at).token
    db.session.commit()
    return token


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
    assert "http://kiosque.test/confidentialite" in sent[0].body_text


def test_the_link_carries_a_random_token_and_the_database_only_its_hash(db, client):
    client.post("/mes-donnees", data={"email": "Lea.Martin@Example.org"})
    email = db.session.scalars(select(OutboundEmail)).one()
    token = re.search(r"/mes-donnees/(\S+)", email.body_text)[1]
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", token)  # 256 random bits, nothing readable
    assert "lea" not in token.lower() and "lea" not in email.dedup_key
    link = db.session.scalars(select(DataLink)).one()
    assert link.email == "lea.martin@example.org"
    assert token not in link.token_hash and len(link.token_hash) == 64
    assert client.get(f"/api/v1/me/data?token={token}").get_json()["email"] \
        == "lea.martin@example.org"


def test_a_malformed_address_is_refused_with_a_message(db, client):
    response = client.post("/mes-donnees", data={"email": "not-an-address"})
    assert response.status_code == 422
    assert "aria-invalid" in response.get_data(as_text=True)
    assert db.session.scalars(select(OutboundEmail)).all() == []


def test_the_link_shows_everything_venue_by_venue_and_nothing_of_others(db, client, now):
    two_venues_bought(db, now)
    token = data_link(db, "Lea.Martin@example.org", now)
    page = client.get(f"/mes-donnees/{token}").get_data(as_text=True)
    assert "La Criée" in page and "Le Silo" in page
    body = client.get(f"/api/v1/me/data?token={token}").get_json()
    assert body["email"] == "lea.martin@example.org"
    assert sorted(v["venue"]["slug"] for v in body["venues"]) == ["la-criee", "le-silo"]
    assert len(body["orders"]) == 2
    assert "someone@else.org" not in str(body)


def test_consent_is_withdrawn_per_venue_in_one_click(db, client, now):
    two_venues_bought(db, now)
    token = data_link(db, "lea.martin@example.org", now)
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
    token = data_link(db, "lea.martin@example.org", now)
    assert client.delete(f"/api/v1/me/data?token={token}").status_code == 204
    contacts = db.session.scalars(select(Contact).where(Contact.purchases > 0)).all()
    erased = [c for c in contacts if c.email.startswith("erased-")]
    assert len(erased) == 2 and all(c.name == "" and not c.marketing_consent for c in erased)
    assert all(c.purchases == 1 for c in erased)  # the history's counts stay
    orders = db.session.scalars(select(Order).where(Order.anonymised_at.is_not(None))).all()
    assert len(orders) == 2
    assert all(o.buyer_email is None and o.buyer_name is None for o in orders)
    assert all(o.total_cents == 3000 for o in orders)
    # The link that asked for the erasure is dead: a new one finds nothing.
    assert client.get(f"/api/v1/me/data?token={token}").status_code == 401
    assert client.get(f"/mes-donnees/{token}").status_code == 401
    again = client.get(f"/api/v1/me/data?token={data_link(db, 'lea.martin@example.org', now)}")
    assert again.get_json()["venues"] == [] and again.get_json()["orders"] == []


def test_erasure_from_the_page_needs_the_box_ticked(db, client, now):
    two_venues_bought(db, now)
    token = data_link(db, "lea.martin@example.org", now)
    assert client.post(f"/mes-donnees/{token}/effacer").status_code == 422
    assert db.session.scalar(select(Order.anonymised_at)) is None
    assert client.post(f"/mes-donnees/{token}/effacer", data={"confirm": "y"}).status_code == 200
    assert db.session.scalars(select(Order).where(Order.buyer_email.is_not(None))).all() \
        == [db.session.scalars(select(Order).where(Order.buyer_email == "someone@else.org")).one()]


def test_forged_expired_or_missing_tokens_get_nothing(db, client, now):
    two_venues_bought(db, now)
    expired = data_link(db, "lea.martin@example.org", now - timedelta(days=3))
    made_up = "x" * 43
    for token in (expired, made_up, "garbage"):
        assert client.get(f"/api/v1/me/data?token={token}").status_code == 401
        assert client.delete(f"/api/v1/me/data?token={token}").status_code == 401
        assert client.get(f"/mes-donnees/{token}").status_code == 401
    assert client.get("/api/v1/me/data").status_code == 422
    assert db.session.scalar(select(Order.anonymised_at)) is None


def test_the_privacy_page_says_who_sees_what(client):
    page = client.get("/confidentialite").get_data(as_text=True)
    assert "agence" in page.lower()


def _watch(db, now, email="lea.martin@example.org", **fields) -> Watch:
    watch = Watch(email=email, token_hash=secrets.token_hex(32), created_at=now,
                  confirmed_at=now, expires_at=now + timedelta(days=30), **fields)
    db.session.add(watch)
    db.session.commit()
    return watch


def test_the_page_lists_alerts_and_links_to_each_orders_tickets(db, client, now):
    two_venues_bought(db, now)
    _watch(db, now, discipline="dance", max_price_cents=1500, place_label="Marseille 7e",
           lat=43.28, lng=5.36, radius_km=10)
    _watch(db, now, email="someone@else.org", discipline="circus")
    token = data_link(db, "lea.martin@example.org", now)
    page = client.get(f"/mes-donnees/{token}").get_data(as_text=True)
    assert "Marseille 7e" in page and "Danse" in page and "15,00" in page
    assert "Cirque" not in page  # someone else's alert
    body = client.get(f"/api/v1/me/data?token={token}").get_json()
    for order in body["orders"]:
        assert order["tickets_url"].startswith(f"http://kiosque.test/orders/{order['order_id']}")
        assert f'href="{order["tickets_url"]}"' in page
        assert client.get(order["tickets_url"].removeprefix("http://kiosque.test")) \
            .status_code == 200
    [alert] = body["watches"]
    assert (alert["status"], alert["discipline"], alert["place"]) == ("active", "dance",
                                                                      "Marseille 7e")
    assert [e["subject"] for e in body["emails"]] == []  # paid_order() sends no e-mail
    assert len(body["data_links"]) == 1


def test_an_alert_is_stopped_from_the_page_and_only_ones_own(db, client, now):
    mine, theirs = _watch(db, now), _watch(db, now, email="someone@else.org")
    token = data_link(db, "lea.martin@example.org", now)
    assert client.post(f"/mes-donnees/{token}/alertes/{theirs.id}/arreter").status_code == 404
    response = client.post(f"/mes-donnees/{token}/alertes/{mine.id}/arreter")
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Watch, mine.id).unsubscribed_at == now
    assert db.session.get(Watch, theirs.id).unsubscribed_at is None
    page = client.get(f"/mes-donnees/{token}").get_data(as_text=True)
    assert "/arreter" not in page  # a stopped alert has no button any more


def test_every_public_page_links_the_privacy_pages(db, client, now):
    release = ReleaseFactory()
    db.session.commit()
    for path in ("/", f"/offers/{release.id}", "/mes-donnees", "/confidentialite",
                 "/portal/login"):
        page = client.get(path).get_data(as_text=True)
        footer = page[page.index('<footer'):]
        assert 'href="/confidentialite"' in footer and 'href="/mes-donnees"' in footer, path
        assert "Confidentialité" in footer and "Mes données" in footer


def test_the_checkout_page_and_the_buyers_emails_link_them_too(app, db, client, now):
    from tests.buying import bought, hold_seats

    release = ReleaseFactory()
    db.session.commit()
    hold = hold_seats(release, 1, now)
    db.session.commit()
    page = client.get(f"/checkout/{hold.id}").get_data(as_text=True)
    form = page[page.index("<form"):page.index("<footer")]
    assert 'href="/confidentialite"' in form and 'href="/mes-donnees"' in form
    order = bought(app, release, 1, now)
    confirmation = db.session.scalar(select(OutboundEmail).where(
        OutboundEmail.dedup_key == f"order:{order.id}:confirmation"))
    for body in (confirmation.body_text, confirmation.body_html):
        assert "http://kiosque.test/confidentialite" in body
        assert "http://kiosque.test/mes-donnees" in body
        assert "Ce que deviennent vos données" in body  # the buyer's language (French)


def _follow_and_device(db, now, email="lea.martin@example.org", name="La Criée"):
    from marketplace.domain.follows.models import Follow
    from marketplace.domain.push.models import PushSubscription
    from tests.push_receiver import PushService

    venue = VenueFactory(name=name)
    db.session.flush()
    follow = Follow(email=email, venue_id=venue.id, token_hash=secrets.token_hex(32),
                    created_at=now, confirmed_at=now)
    keys = PushService().subscription()["keys"]
    device = PushSubscription(email=email, endpoint=f"https://push.example.net/{name}",
                              p256dh=keys["p256dh"], auth=keys["auth"], origin="follow",
                              created_at=now)
    db.session.add_all([follow, device])
    db.session.commit()
    return follow, device


def test_the_page_lists_followed_venues_and_devices_and_stops_them_one_by_one(db, client,
                                                                              now):
    from marketplace.domain.follows.models import Follow
    from marketplace.domain.push.models import PushSubscription

    follow, device = _follow_and_device(db, now)
    theirs, their_device = _follow_and_device(db, now, email="someone@else.org",
                                              name="Le Silo")
    token = data_link(db, "lea.martin@example.org", now)
    page = client.get(f"/mes-donnees/{token}").get_data(as_text=True)
    assert "Lieux que vous suivez" in page and "La Criée" in page and "Le Silo" not in page
    assert "push.example.net" in page
    body = client.get(f"/api/v1/me/data?token={token}").get_json()
    assert [(f["venue"]["name"], f["status"]) for f in body["follows"]] == [("La Criée",
                                                                            "active")]
    assert [d["service"] for d in body["push_subscriptions"]] == ["push.example.net"]
    base = f"/mes-donnees/{token}"
    assert client.post(f"{base}/suivis/{theirs.id}/arreter").status_code == 404
    assert client.post(f"{base}/notifications/{their_device.id}/retirer").status_code == 404
    assert client.post(f"{base}/suivis/{follow.id}/arreter").status_code == 303
    assert client.post(f"{base}/notifications/{device.id}/retirer").status_code == 303
    db.session.expire_all()
    assert db.session.get(Follow, follow.id).unfollowed_at == now
    assert db.session.get(Follow, theirs.id).unfollowed_at is None
    assert [d.email for d in db.session.scalars(select(PushSubscription))] == [
        "someone@else.org"]
