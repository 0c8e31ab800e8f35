"""Push subscriptions (saved from a confirmed alert's or follow's page) and `notify`, the
one way to tell a spectator something by push first and e-mail otherwise."""

from __future__ import annotations

import binascii
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from marketplace.domain.db import insert_once, transaction
from marketplace.domain.errors import NotFound, ValidationFailed
from marketplace.domain.mail.mailer import queue_email
from marketplace.domain.push.channel import PushChannel, b64url_decode
from marketplace.domain.push.models import Notification, PushSubscription
from marketplace.domain.push.sending import PushOutcome, payload, send_push
from marketplace.outbound import check_url

log = logging.getLogger(__name__)

SUBSCRIBE_SALT = "kiosque-push-subscribe"
# The page that offers the button is good for a day (the token it carries says whose it is).
SUBSCRIBE_TOKEN_SECONDS = 24 * 3600
# A person with more browsers than this keeps the most recent ones.
MAX_SUBSCRIPTIONS_PER_ADDRESS = 10
ORIGINS = ("watch", "follow", "waitlist")
# A claim still "pending" after this long was left by a sender that died between claiming
# and recording the outcome: the next notify() with that key sends the e-mail.
STALE_CLAIM = timedelta(minutes=15)


# Pushes a transaction asked for (queue_push), and those whose transaction has committed:
# they leave after the commit (marketplace.web.after_commit, or the job that committed).
PENDING_PUSHES = "kiosque.pending_pushes"
COMMITTED_PUSHES = "kiosque.committed_pushes"


@dataclass(frozen=True)
class Message:
    """What to tell, ready for both channels. `key` is unique for ever: a second `notify`
    with the same key tells nothing (it is also the e-mail's dedup key)."""

    key: str
    subject: str  # the e-mail's subject and the notification's title
    body_text: str  # the e-mail
    summary: str  # the notification's text: one or two short sentences
    url: str  # what tapping the notification opens
    body_html: str | None = None
    unsubscribe_url: str | None = None  # a mailing one can stop (List-Unsubscribe)
    reply_to: str | None = None
    urgency: str = "normal"  # "high" for what expires soon (a waiting-list offer)


def subscribe_token(secret_key: str, email: str, origin: str) -> str:
    """The token a confirmation page gives its subscribe button: it names the address."""
    return URLSafeTimedSerializer(secret_key, salt=SUBSCRIBE_SALT).dumps([email, origin])


def token_owner(secret_key: str, token: object) -> tuple[str, str]:
    """(email, origin) of a subscribe token; NotFound when forged, expired or malformed."""
    try:
        email, origin = URLSafeTimedSerializer(secret_key, salt=SUBSCRIBE_SALT).loads(
            str(token), max_age=SUBSCRIBE_TOKEN_SECONDS)
    except (BadSignature, ValueError, TypeError):
        raise NotFound("This page has expired: open the link of your e-mail again.",
                       code="unknown_token") from None
    if not isinstance(email, str) or origin not in ORIGINS:
        raise NotFound("This page has expired: open the link of your e-mail again.",
                       code="unknown_token")
    return email, origin


def save_subscription(session: Session, email: str, origin: str, subscription: object,
                      channel: PushChannel, now: datetime) -> PushSubscription:
    """Record a browser's subscription (PushSubscription.toJSON()) for `email`; commits.
    The same browser again updates its keys; an endpoint rule 9 refuses is refused."""
    endpoint, p256dh, auth = _checked(subscription, channel)
    with transaction(session):
        row = session.scalar(select(PushSubscription)
                             .where(PushSubscription.endpoint == endpoint))
        if row is None:
            row = PushSubscription(endpoint=endpoint, created_at=now)
            session.add(row)
        row.email, row.origin, row.p256dh, row.auth = email, origin, p256dh, auth
        session.flush()
        keep = select(PushSubscription.id).where(PushSubscription.email == email) \
            .order_by(PushSubscription.created_at.desc(), PushSubscription.id.desc()) \
            .limit(MAX_SUBSCRIPTIONS_PER_ADDRESS)
        session.execute(delete(PushSubscription).where(
            PushSubscription.email == email, PushSubscription.id.not_in(keep))
            .execution_options(synchronize_session=False))
    return row


def remove_subscription(session: Session, email: str, subscription_id: int) -> None:
    """Forget one of `email`'s browsers; commits. NotFound if it is not theirs."""
    with transaction(session):
        row = session.get(PushSubscription, subscription_id)
        if row is None or row.email != email:
            raise NotFound("You have no such notifications.", code="unknown_subscription")
        session.delete(row)


def subscriptions_of(session: Session, email: str) -> list[PushSubscription]:
    return list(session.scalars(select(PushSubscription)
                                .where(PushSubscription.email == email)
                                .order_by(PushSubscription.id)))


def notify(session: Session, recipient: str, message: Message, *, channel: PushChannel,
           now: datetime) -> str:
    """Tell `recipient` (an e-mail address) `message`: by push to each browser they
    subscribed, else by e-mail. Returns "push", "email" or "already".

    - Once per `message.key`, ever: the key is claimed first (unique row in
      `notifications`), so a retry, a rerun or a second scheduler tells nothing twice
      ("already"). A claim left pending for STALE_CLAIM by a sender that died before
      recording its outcome is taken over by the next call: the e-mail goes ("email").
    - No subscription, or the channel off (no VAPID key): the e-mail is queued at once
      under `message.key`, in the same commit as the claim.
    - Subscribed: the push leaves after the claim is committed; a browser that answers
      404/410 (unsubscribed) is forgotten; if no browser took it (any other 4xx/5xx, no
      answer within PUSH_TIMEOUT_SECONDS, an address rule 9 refuses) the e-mail is queued
      at once. E-mails leave after the commit (the request's after-commit hook, or the
      scheduler's job that called this).
    - Commits (through `transaction()`): call it outside any `transaction()` block, after
      your own changes are flushed or committed; whatever the session has pending is
      committed with the claim.
    """
    recipient = recipient.strip().lower()
    subscriptions = subscriptions_of(session, recipient) if channel.enabled else []
    with transaction(session):
        claimed = insert_once(session, Notification, {
            "key": message.key, "channel": "pending" if subscriptions else "email",
            "created_at": now}, key="key")
        if claimed and not subscriptions:
            _queue(session, recipient, message, now)
    if not claimed:
        return "email" if _took_over_stale_claim(session, recipient, message, now) \
            else "already"
    if not subscriptions:
        return "email"
    delivered, gone = _push_to(subscriptions, message, channel, now)
    with transaction(session):
        _record(session, delivered, gone, now)
        if not delivered:
            _queue(session, recipient, message, now)
        session.execute(update(Notification).where(Notification.key == message.key)
                        .values(channel="push" if delivered else "email")
                        .execution_options(synchronize_session=False))
    return "push" if delivered else "email"


def queue_push(within: Session, recipient: str, message: Message) -> None:
    """Push `message` to `recipient`'s browsers once this transaction commits, in addition
    to its e-mail, which the caller queues in the same transaction: the push is the fast
    way (a claim window of minutes), the e-mail the sure one. Forgotten on rollback."""
    within.info.setdefault(PENDING_PUSHES, []).append((recipient.strip().lower(), message))


def push_now(session: Session, recipient: str, message: Message, *, channel: PushChannel,
             now: datetime) -> int:
    """Send `message` to each browser of `recipient` (its e-mail already went its own way);
    forget the browsers that are gone; commits. How many browsers took it."""
    subscriptions = subscriptions_of(session, recipient) if channel.enabled else []
    if not subscriptions:
        return 0
    delivered, gone = _push_to(subscriptions, message, channel, now)
    with transaction(session):
        _record(session, delivered, gone, now)
    return len(delivered)


def push_committed(session: Session, channel: PushChannel, now: datetime) -> int:
    """Send the pushes whose transactions this session committed (a job's, after its work)."""
    pushes = session.info.pop(COMMITTED_PUSHES, [])
    return sum(push_now(session, recipient, message, channel=channel, now=now)
               for recipient, message in pushes)


def _push_to(subscriptions: list[PushSubscription], message: Message, channel: PushChannel,
             now: datetime) -> tuple[list[int], list[int]]:
    """Send to each browser: (ids that took it, ids that are gone for good)."""
    data = payload(message.subject, message.summary, message.url, message.key)
    outcomes = [(row.id, _send(row, data, channel, now, message.urgency))
                for row in subscriptions]
    return ([row_id for row_id, outcome in outcomes if outcome.delivered],
            [row_id for row_id, outcome in outcomes if outcome.gone])


def _record(within: Session, delivered: list[int], gone: list[int], now: datetime) -> None:
    if gone:
        within.execute(delete(PushSubscription).where(PushSubscription.id.in_(gone))
                       .execution_options(synchronize_session=False))
    if delivered:
        within.execute(update(PushSubscription).where(PushSubscription.id.in_(delivered))
                       .values(last_success_at=now)
                       .execution_options(synchronize_session=False))


def _took_over_stale_claim(session: Session, recipient: str, message: Message,
                           now: datetime) -> bool:
    with transaction(session):
        taken = session.execute(
            update(Notification)
            .where(Notification.key == message.key, Notification.channel == "pending",
                   Notification.created_at < now - STALE_CLAIM)
            .values(channel="email").returning(Notification.id)
            .execution_options(synchronize_session=False)).first()
        if taken is not None:
            _queue(session, recipient, message, now)
    return taken is not None


def _send(row: PushSubscription, data: bytes, channel: PushChannel, now: datetime,
          urgency: str):
    try:
        outcome = send_push(row, data, channel, now, urgency)
    except Exception as error:  # keys the encoder refuses: this browser, not the others
        log.warning("push %s not sent: %s", row.id, type(error).__name__)
        return PushOutcome(delivered=False, gone=False, status=None)
    if not outcome.delivered:
        log.info("push %s not delivered (%s)", row.id, outcome.status or "no answer")
    return outcome


def _queue(session: Session, recipient: str, message: Message, now: datetime) -> None:
    queue_email(session, dedup_key=message.key, to=recipient, subject=message.subject,
                body_text=message.body_text, body_html=message.body_html,
                unsubscribe_url=message.unsubscribe_url, reply_to=message.reply_to, now=now)


def _checked(subscription: object, channel: PushChannel) -> tuple[str, str, str]:
    if not isinstance(subscription, dict):
        raise ValidationFailed("This browser gave no subscription.", field="subscription")
    endpoint, keys = subscription.get("endpoint"), subscription.get("keys")
    if not isinstance(endpoint, str) or not 0 < len(endpoint) <= 2000 \
            or not isinstance(keys, dict):
        raise ValidationFailed("This browser gave no subscription.", field="subscription")
    check_url(endpoint, channel.policy, field="endpoint")
    p256dh, auth = keys.get("p256dh"), keys.get("auth")
    try:
        point = b64url_decode(p256dh) if isinstance(p256dh, str) else b""
        secret = b64url_decode(auth) if isinstance(auth, str) else b""
    except (binascii.Error, ValueError):
        point = secret = b""
    if len(point) != 65 or point[0] != 4 or len(secret) != 16:
        raise ValidationFailed("This browser gave no subscription.", field="subscription")
    return endpoint, p256dh, auth
