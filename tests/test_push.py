"""Web Push as a channel (issue 17, item 5): the payload really is encrypted for the
browser (RFC 8291, aes128gcm) and signed for its push service (VAPID), sent under rule 9,
and anything that keeps it from the browser falls back to e-mail at once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from marketplace.domain.errors import NotFound, ValidationFailed
from marketplace.domain.mail.models import OutboundEmail
from marketplace.domain.push.channel import PushChannel, generate_key_pair, push_channel
from marketplace.domain.push.models import Notification, PushSubscription
from marketplace.domain.push.services import (
    Message,
    notify,
    save_subscription,
    subscribe_token,
    token_owner,
)
from marketplace.outbound import OutboundPolicy
from tests.push_receiver import push_service, vapid_claims
from tests.webhook_receiver import offline_resolve

EMAIL = "lea.martin@example.org"
PRIVATE, PUBLIC = generate_key_pair()
LOCAL = OutboundPolicy(allow_private=True, resolve=offline_resolve)
CHANNEL = PushChannel(private_key=PRIVATE, subject="mailto:billetterie@kiosque.example.org",
                      policy=LOCAL, timeout_seconds=0.5)


def message(key: str = "waitlist-offer:1") -> Message:
    return Message(key=key, subject="Deux places pour vous", body_text="Réservez avant 18 h.",
                   summary="Deux places pour vous jusqu'à 18 h", url="http://kiosque.test/x",
                   urgency="high")


def emails(db) -> list[OutboundEmail]:
    db.session.rollback()
    return db.session.scalars(select(OutboundEmail)).all()


def test_a_push_is_encrypted_for_the_browser_and_signed_for_its_push_service(db, now):
    with push_service() as service:
        save_subscription(db.session, EMAIL, "watch", service.subscription(), CHANNEL, now)
        assert notify(db.session, EMAIL, message(), channel=CHANNEL, now=now) == "push"
    [call] = service.received
    headers = call["headers"]
    assert headers["Content-Encoding"] == "aes128gcm" and headers["Urgency"] == "high"
    assert int(headers["TTL"]) > 0
    assert service.decrypt(call["body"]) == {
        "title": "Deux places pour vous", "body": "Deux places pour vous jusqu'à 18 h",
        "url": "http://kiosque.test/x", "tag": "waitlist-offer:1"}
    assert b"Deux places" not in call["body"]  # on the wire, only ciphertext
    claims, key = vapid_claims(headers["Authorization"])
    assert key == PUBLIC == CHANNEL.public_key
    assert claims["aud"] == service.url and claims["sub"] == CHANNEL.subject
    assert now.timestamp() < claims["exp"] <= (now + timedelta(hours=24)).timestamp()
    assert emails(db) == []
    assert db.session.scalar(select(Notification.channel)) == "push"
    assert db.session.scalar(select(PushSubscription.last_success_at)) == now


def test_a_browser_that_unsubscribed_is_forgotten_and_the_email_leaves_at_once(db, now):
    with push_service() as service:
        service.status = 410
        save_subscription(db.session, EMAIL, "follow", service.subscription(), CHANNEL, now)
        assert notify(db.session, EMAIL, message(), channel=CHANNEL, now=now) == "email"
    assert len(service.received) == 1
    assert db.session.scalars(select(PushSubscription)).all() == []
    [email] = emails(db)
    assert (email.dedup_key, email.to_address) == ("waitlist-offer:1", EMAIL)
    assert email.status in ("queued", "outbox")  # the after-commit sender may be done already
    assert db.session.scalar(select(Notification.channel)) == "email"


def test_a_404_forgets_the_browser_too(db, now):
    with push_service() as service:
        service.status = 404
        save_subscription(db.session, EMAIL, "follow", service.subscription(), CHANNEL, now)
        assert notify(db.session, EMAIL, message(), channel=CHANNEL, now=now) == "email"
    assert db.session.scalars(select(PushSubscription)).all() == []


@pytest.mark.parametrize("status", [400, 413, 429, 500, 503])
def test_a_push_service_error_falls_back_to_email_and_keeps_the_browser(db, now, status):
    with push_service() as service:
        service.status = status
        save_subscription(db.session, EMAIL, "watch", service.subscription(), CHANNEL, now)
        assert notify(db.session, EMAIL, message(), channel=CHANNEL, now=now) == "email"
    assert [e.dedup_key for e in emails(db)] == ["waitlist-offer:1"]
    assert len(db.session.scalars(select(PushSubscription)).all()) == 1


def test_a_push_service_that_does_not_answer_in_time_falls_back_to_email(db, now):
    with push_service() as service:
        service.delay_seconds = 2  # longer than the channel's 0.5 s
        save_subscription(db.session, EMAIL, "watch", service.subscription(), CHANNEL, now)
        assert notify(db.session, EMAIL, message(), channel=CHANNEL, now=now) == "email"
    assert [e.to_address for e in emails(db)] == [EMAIL]


def test_one_browser_taking_it_is_enough(db, now):
    with push_service() as gone, push_service() as alive:
        gone.status = 410
        save_subscription(db.session, EMAIL, "watch", gone.subscription(), CHANNEL, now)
        save_subscription(db.session, EMAIL, "watch", alive.subscription("/p/2"), CHANNEL, now)
        assert notify(db.session, EMAIL, message(), channel=CHANNEL, now=now) == "push"
    assert emails(db) == []
    assert [s.endpoint for s in db.session.scalars(select(PushSubscription))] == [
        alive.url + "/p/2"]


def test_a_message_is_told_once_per_key(db, now):
    with push_service() as service:
        save_subscription(db.session, EMAIL, "watch", service.subscription(), CHANNEL, now)
        assert notify(db.session, EMAIL, message(), channel=CHANNEL, now=now) == "push"
        assert notify(db.session, EMAIL, message(), channel=CHANNEL, now=now) == "already"
    assert len(service.received) == 1
    assert notify(db.session, "other@example.org", message("k2"), channel=CHANNEL,
                  now=now) == "email"
    assert notify(db.session, "other@example.org", message("k2"), channel=CHANNEL,
                  now=now) == "already"
    assert len(emails(db)) == 1


def test_without_a_vapid_key_notify_writes_the_email(db, now):
    with push_service() as service:
        save_subscription(db.session, EMAIL, "watch", service.subscription(), CHANNEL, now)
        off = PushChannel(private_key=None, policy=LOCAL)
        assert notify(db.session, EMAIL, message(), channel=off, now=now) == "email"
    assert service.received == [] and len(emails(db)) == 1


def test_a_push_endpoint_on_a_private_network_is_refused_by_rule_9(db, now):
    strict = PushChannel(private_key=PRIVATE, policy=OutboundPolicy(resolve=offline_resolve))
    with push_service() as service:
        with pytest.raises(ValidationFailed) as refused:
            save_subscription(db.session, EMAIL, "watch", service.subscription(), strict, now)
        assert refused.value.field == "endpoint"
        # Saved while allowed, then the deployment is strict: no call leaves, e-mail instead.
        save_subscription(db.session, EMAIL, "watch", service.subscription(), CHANNEL, now)
        assert notify(db.session, EMAIL, message(), channel=strict, now=now) == "email"
    assert service.received == [] and len(emails(db)) == 1


@pytest.mark.parametrize("subscription", [
    None, "x", {}, {"endpoint": "http://127.0.0.1:9/p"},
    {"endpoint": "http://127.0.0.1:9/p", "keys": {"p256dh": "AAAA", "auth": "AAAA"}},
    {"endpoint": 5, "keys": {}},
    {"endpoint": "ftp://127.0.0.1/p", "keys": {"p256dh": "A", "auth": "B"}},
])
def test_a_malformed_subscription_is_refused_and_changes_nothing(db, now, subscription):
    with pytest.raises(ValidationFailed):
        save_subscription(db.session, EMAIL, "watch", subscription, CHANNEL, now)
    assert db.session.scalars(select(PushSubscription)).all() == []


def test_the_same_browser_subscribing_again_is_one_subscription(db, now):
    with push_service() as service:
        save_subscription(db.session, EMAIL, "watch", service.subscription(), CHANNEL, now)
        save_subscription(db.session, "new@example.org", "follow", service.subscription(),
                          CHANNEL, now)
    [row] = db.session.scalars(select(PushSubscription)).all()
    assert (row.email, row.origin) == ("new@example.org", "follow")


def test_the_subscribe_token_names_its_address_and_cannot_be_forged():
    token = subscribe_token("s3cret", EMAIL, "follow")
    assert token_owner("s3cret", token) == (EMAIL, "follow")
    for forged in (token + "x", subscribe_token("other", EMAIL, "follow"), None, ""):
        with pytest.raises(NotFound):
            token_owner("s3cret", forged)


def test_the_channel_reads_its_settings_from_the_configuration():
    channel = push_channel({"VAPID_PRIVATE_KEY": PRIVATE, "MAIL_FROM": "Kiosque <b@k.org>"})
    assert channel.enabled and channel.public_key == PUBLIC
    assert channel.subject == "mailto:b@k.org" and not channel.policy.allow_private
    assert push_channel({"PUSH_ALLOW_PRIVATE": True}).policy.allow_private
    assert not push_channel({}).enabled and push_channel({}).public_key is None


def test_a_claim_left_pending_by_a_dead_sender_is_emailed_by_the_next_call(db, now):
    db.session.add(Notification(key="waitlist-offer:1", channel="pending", created_at=now))
    db.session.commit()
    # Still fresh: another sender may be pushing right now.
    assert notify(db.session, EMAIL, message(), channel=CHANNEL,
                  now=now + timedelta(minutes=5)) == "already"
    assert emails(db) == []
    later = now + timedelta(minutes=20)
    assert notify(db.session, EMAIL, message(), channel=CHANNEL, now=later) == "email"
    assert notify(db.session, EMAIL, message(), channel=CHANNEL, now=later) == "already"
    assert [e.dedup_key for e in emails(db)] == ["waitlist-offer:1"]
    assert db.session.scalar(select(Notification.channel)) == "email"
