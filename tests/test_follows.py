"""« Suivre ce lieu » (issue 17, item 6): double opt-in, at most one message a day when the
venue puts seats on sale (never twice the same release, never at night, once under two
schedulers), one-click stop, by push when the follower's browser subscribed."""

from __future__ import annotations

import re
import threading
from dataclasses import replace
from datetime import timedelta
from email import policy
from email.parser import BytesParser

import pytest
import time_machine
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.domain.follows.digest import tell_followers
from marketplace.domain.follows.models import Follow
from marketplace.domain.follows.services import hash_token
from marketplace.domain.mail.message import MailSettings, build_message
from marketplace.domain.mail.models import OutboundEmail
from marketplace.domain.push.channel import PushChannel, generate_key_pair
from marketplace.domain.push.models import Notification, PushSubscription
from marketplace.outbound import OutboundPolicy
from marketplace.scheduler.runner import run_job
from tests.factories import ReleaseFactory, VenueFactory
from tests.jobs_helpers import JOB, email, email_keys, job_context
from tests.push_receiver import push_service, vapid_claims
from tests.webhook_receiver import offline_resolve

ADDRESS = "nadia@example.org"
PRIVATE, PUBLIC = generate_key_pair()


@pytest.fixture(autouse=True)
def _clock(now):
    with time_machine.travel(now, tick=False) as traveller:
        yield traveller


@pytest.fixture
def venue(db):
    venue = VenueFactory(slug="la-criee", name="La Criée")
    db.session.commit()
    return venue


def _follow(client, slug="la-criee", email=ADDRESS):
    return client.post(f"/lieux/{slug}/suivre", data={"email": email})


def _confirm_link() -> str:
    key = email_keys("follow-confirm:")[-1]
    return re.search(r"http://kiosque\.test(/suivis/\S+/confirmer)", email(key).body_text)[1]


def _tell(app, when, channel: PushChannel | None = None):
    ctx = job_context(app)
    if channel is not None:
        ctx = replace(ctx, push=channel)
    return run_job(JOB["tell_venue_followers"], ctx, when)


def _followed(client, venue) -> Follow:
    assert _follow(client).status_code == 303
    assert client.get(_confirm_link()).status_code == 200


def test_following_sends_a_confirmation_and_stores_only_the_token_hash(app, db, client,
                                                                       venue):
    response = _follow(client)
    assert response.status_code == 303 and "/suivis/envoye" in response.location
    assert ADDRESS in client.get(response.location).get_data(as_text=True)
    follow = db.session.scalar(select(Follow))
    token = _confirm_link().split("/")[2]
    assert follow.token_hash == hash_token(token) and follow.confirmed_at is None
    confirmation = email(email_keys("follow-confirm:")[0])
    assert "La Criée" in confirmation.subject and "/suivis/" in confirmation.body_text


def test_an_unconfirmed_follow_hears_nothing(app, db, client, venue, now):
    _follow(client)
    ReleaseFactory(performance__show__venue=venue)
    db.session.commit()
    assert _tell(app, now).count == 0
    assert email_keys("follow:") == []


def test_seats_put_on_sale_are_told_once_a_day_with_a_one_click_stop(app, db, client, venue,
                                                                     now):
    ReleaseFactory(performance__show__venue=venue)  # on sale before: not news
    db.session.commit()
    _followed(client, venue)
    assert _tell(app, now).count == 0
    first = ReleaseFactory(performance__show__venue=venue, performance__show__title="Phèdre")
    ReleaseFactory()  # another venue's
    db.session.commit()
    assert _tell(app, now).count == 1
    second = ReleaseFactory(performance__show__venue=venue,
                            performance__starts_at=now + timedelta(days=1, hours=4))
    db.session.commit()
    assert _tell(app, now + timedelta(minutes=30)).count == 0  # once a day
    [key] = email_keys("follow:")
    follow = db.session.scalar(select(Follow))
    assert key == f"follow:{follow.id}:2026-11-20"
    digest = email(key)
    assert "Phèdre" in digest.subject and f"/offers/{first.id}" in digest.body_text
    assert f"/offers/{second.id}" not in digest.body_text
    assert digest.unsubscribe_url and "/suivis/" in digest.unsubscribe_url
    # The next day: only what is new since (the second release), not the first again.
    assert _tell(app, now + timedelta(hours=17)).count == 1
    latest = email(email_keys("follow:")[-1])
    assert f"/offers/{second.id}" in latest.body_text
    assert f"/offers/{first.id}" not in latest.body_text


def test_the_digest_carries_list_unsubscribe_one_click(app, db, client, venue, now):
    _followed(client, venue)
    ReleaseFactory(performance__show__venue=venue)
    db.session.commit()
    _tell(app, now)
    sent = build_message(email(email_keys("follow:")[0]), MailSettings(), now)
    headers = BytesParser(policy=policy.default).parsebytes(sent.data)
    assert "/suivis/" in headers["List-Unsubscribe"]
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_nobody_is_told_at_night(app, db, client, venue, now):
    _followed(client, venue)
    ReleaseFactory(performance__show__venue=venue)
    db.session.commit()
    assert _tell(app, now.replace(hour=22)).count == 0  # 23:00 in Paris
    assert _tell(app, now.replace(hour=6)).count == 0  # 07:00
    assert _tell(app, now.replace(hour=7)).count == 1  # 08:00


def test_two_schedulers_at_once_tell_once(app, db, client, venue, now):
    _followed(client, venue)
    ReleaseFactory(performance__show__venue=venue)
    db.session.commit()
    counts, start, engine = [], threading.Barrier(2), db.engine

    links = job_context(app).links

    def scheduler():
        with Session(engine) as session:
            start.wait()
            counts.append(tell_followers(session, links, PushChannel(), now))

    threads = [threading.Thread(target=scheduler) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(counts) == [0, 1]
    assert len(email_keys("follow:")) == 1
    assert len(db.session.scalars(select(Notification)).all()) == 1


def test_one_click_stops_it_and_a_forged_link_changes_nothing(app, db, client, venue, now):
    _followed(client, venue)
    stop = db.session.scalar(select(OutboundEmail).where(
        OutboundEmail.dedup_key.startswith("follow-confirm:"))).body_text
    link = re.search(r"http://kiosque\.test(/suivis/\S+/arreter)", stop)[1]
    assert client.get(link).status_code == 200  # a page with the button; nothing changed
    assert db.session.scalar(select(Follow.unfollowed_at)) is None
    assert client.post(link[:-9] + "x/arreter").status_code == 404
    assert client.post(link).status_code == 200  # the mail client's one-click POST, no CSRF
    db.session.expire_all()
    assert db.session.scalar(select(Follow.unfollowed_at)) == now
    ReleaseFactory(performance__show__venue=venue)
    db.session.commit()
    assert _tell(app, now).count == 0
    assert client.get(_confirm_link()).status_code == 404  # a stopped follow stays stopped


def test_bad_input_gets_a_clear_answer_and_records_nothing(app, db, client, venue):
    response = _follow(client, email="not-an-address")
    assert response.status_code == 422 and "adresse" in response.get_data(as_text=True)
    assert _follow(client, email="a@b.org\r\nBcc: x@y.org").status_code == 422
    assert _follow(client, slug="nowhere").status_code == 404
    assert client.get("/suivis/forged/confirmer").status_code == 404
    assert db.session.scalar(select(Follow)) is None and email_keys() == []


def test_following_again_sends_nothing_new_and_an_address_gets_three_confirmations_a_day(
        app, db, client, venue, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_ENABLED", True)
    for _ in range(5):
        assert _follow(client).status_code == 303  # the same answer every time
    assert len(email_keys("follow-confirm:")) == 3
    assert len(db.session.scalars(select(Follow)).all()) == 1
    client.get(_confirm_link())
    assert _follow(client).status_code == 303  # already following: nothing sent
    assert len(email_keys("follow-confirm:")) == 3


def test_the_offer_page_offers_to_follow_its_venue(app, db, client, venue):
    release = ReleaseFactory(performance__show__venue=venue)
    db.session.commit()
    page = client.get(f"/offers/{release.id}").get_data(as_text=True)
    assert 'action="/lieux/la-criee/suivre"' in page and "Suivre La Criée" in page


def test_the_notifications_button_is_there_only_with_a_vapid_key(app, db, client, venue,
                                                                  monkeypatch):
    _follow(client)
    link = _confirm_link()
    page = client.get(link).get_data(as_text=True)
    assert "push-offer" not in page and "Vous suivez La Criée" in page
    monkeypatch.setitem(app.config, "VAPID_PRIVATE_KEY", PRIVATE)
    page = client.get(link).get_data(as_text=True)
    assert f'data-push-key="{PUBLIC}"' in page and " hidden " in page  # shown by JS only
    assert "/static/js/push.js" in page and "/static/js/push-sw.js" in page


def test_a_follower_whose_browser_subscribed_is_told_by_push(app, db, client, venue, now,
                                                             monkeypatch):
    monkeypatch.setitem(app.config, "VAPID_PRIVATE_KEY", PRIVATE)
    monkeypatch.setitem(app.config, "PUSH_ALLOW_PRIVATE", True)
    _follow(client)
    page = client.get(_confirm_link()).get_data(as_text=True)
    token = re.search(r'data-push-token="([^"]+)"', page)[1]
    channel = PushChannel(private_key=PRIVATE, policy=OutboundPolicy(
        allow_private=True, resolve=offline_resolve), timeout_seconds=1)
    with push_service() as service:
        answer = client.post("/push/abonnements", json={
            "token": token, "subscription": service.subscription()})
        assert answer.status_code == 201, answer.get_json()
        ReleaseFactory(performance__show__venue=venue, performance__show__title="Phèdre")
        db.session.commit()
        assert _tell(app, now, channel).count == 1
    [call] = service.received
    shown = service.decrypt(call["body"])
    assert shown["title"].startswith("La Criée") and "Phèdre" in shown["body"]
    assert vapid_claims(call["headers"]["Authorization"])[1] == PUBLIC
    assert email_keys("follow:") == []  # told by push: no e-mail
    assert db.session.scalar(select(PushSubscription.origin)) == "follow"


def test_a_subscription_needs_the_pages_token_and_a_real_subscription(app, db, client,
                                                                      monkeypatch):
    assert client.post("/push/abonnements", json={}).status_code == 400  # push is off
    monkeypatch.setitem(app.config, "VAPID_PRIVATE_KEY", PRIVATE)
    monkeypatch.setitem(app.config, "PUSH_ALLOW_PRIVATE", True)
    answer = client.post("/push/abonnements", json={"token": "forged", "subscription": {}})
    assert answer.status_code == 404 and answer.get_json()["error"] == "unknown_token"
    assert client.post("/push/abonnements", data="x").status_code == 400
    from marketplace.domain.push.services import subscribe_token
    token = subscribe_token(app.config["SECRET_KEY"], ADDRESS, "follow")
    answer = client.post("/push/abonnements", json={"token": token, "subscription": {
        "endpoint": "http://127.0.0.1:9/p", "keys": {"p256dh": "AAAA", "auth": "AAAA"}}})
    assert answer.status_code == 422 and answer.get_json()["field"] == "subscription"
    monkeypatch.setitem(app.config, "PUSH_ALLOW_PRIVATE", False)
    with push_service() as service:
        answer = client.post("/push/abonnements", json={
            "token": token, "subscription": service.subscription()})
    assert answer.status_code == 422 and answer.get_json()["field"] == "endpoint"  # rule 9
    assert db.session.scalar(select(PushSubscription)) is None


def test_a_watch_alert_goes_by_push_to_a_subscribed_browser(app, db, client, now,
                                                            monkeypatch):
    from tests.jobs_helpers import email_keys as keys

    monkeypatch.setitem(app.config, "VAPID_PRIVATE_KEY", PRIVATE)
    monkeypatch.setitem(app.config, "PUSH_ALLOW_PRIVATE", True)
    release = ReleaseFactory(performance__show__title="Le Misanthrope")
    db.session.commit()
    client.post("/alertes", data={"email": ADDRESS, "offer_id": str(release.id),
                                  "max_price": "7"})
    [key] = keys("watch-confirm:")
    link = re.search(r"http://kiosque\.test(/alertes/\S+/confirmer)", email(key).body_text)[1]
    page = client.get(link).get_data(as_text=True)
    token = re.search(r'data-push-token="([^"]+)"', page)[1]
    channel = PushChannel(private_key=PRIVATE, policy=OutboundPolicy(
        allow_private=True, resolve=offline_resolve), timeout_seconds=1)
    ctx = replace(job_context(app), push=channel)
    with push_service() as service:
        assert client.post("/push/abonnements", json={
            "token": token, "subscription": service.subscription()}).status_code == 201
        assert run_job(JOB["alert_watches"], ctx, now + timedelta(hours=1)).count == 1
    [call] = service.received
    assert "Le Misanthrope" in service.decrypt(call["body"])["title"]
    assert keys("watch-alert:") == []  # told by push, no e-mail
    assert db.session.scalar(select(PushSubscription.origin)) == "watch"
