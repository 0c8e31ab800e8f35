"""Signed webhooks that carry each venue's contacts into its own tools.

A delivery is recorded (once per `dedup_key`) in the transaction that caused it, sent
after the commit, and retried with exponential backoff for 24 hours. The body is
signed with HMAC-SHA256 over "<timestamp>.<body>" with the venue's secret, sent as
`X-Kiosque-Signature: t=<timestamp>,v1=<hex digest>` (the receiver recomputes it and
rejects old timestamps, which defeats replays). Every call goes through
marketplace.outbound (DESIGN.md rule 9): never into a private network, no redirection.

When a spectator erases their details, the log forgets them too (`forget_in_log`): what
was sent about them keeps only its accounting, cannot be sent again, and each venue that
held them gets a `contact.erased` event naming the contact by its id and by the SHA-256
of its address, never by the address itself.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from marketplace.domain.catalog.models import Venue
from marketplace.domain.contacts.models import Contact, WebhookDelivery
from marketplace.domain.db import insert_once
from marketplace.domain.errors import Conflict
from marketplace.outbound import (
    NOT_ALLOWED,
    AddressNotAllowed,
    OutboundPolicy,
    check_url,
    post,
)

if TYPE_CHECKING:
    from marketplace.domain.orders.models import Order

SIGNATURE_HEADER = "X-Kiosque-Signature"
RETRY_FOR = timedelta(hours=24)
FIRST_RETRY = timedelta(minutes=1)
# How long a sender keeps a claimed delivery before another may try it (a call's timeouts
# are 3 s to connect and 5 s to answer, for up to three addresses).
CLAIM_SECONDS = 30
PENDING_IDS = "queued_webhooks"
NO_URL = "no_url"
STRICT = OutboundPolicy()


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header value for `body` sent at `timestamp` (Unix seconds)."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def contact_payload(contact: Contact, *, order: Order | None = None) -> dict:
    """What a venue's system receives about one of its contacts."""
    payload = {
        "contact": {
            "id": contact.id, "email": contact.email, "name": contact.name,
            "postcode": contact.postcode,
            "birth_year": contact.birth_year, "source": contact.source, "stage": contact.stage,
            "purchases": contact.purchases, "amount_cents": contact.amount_cents,
            "disciplines": contact.disciplines or [],
            "marketing_consent": contact.marketing_consent,
            "consent_at": _iso(contact.consent_at), "consent_text": contact.consent_text,
            "first_purchase_at": _iso(contact.first_purchase_at),
            "last_purchase_at": _iso(contact.last_purchase_at),
        },
    }
    if order is not None:
        payload["order"] = {
            "order_id": order.id, "status": order.status, "release_id": order.release_id,
            "quantity": order.quantity, "unit_price_cents": order.unit_price_cents,
            "total_cents": order.total_cents, "paid_at": _iso(order.paid_at),
        }
    return payload


def queue_webhook(within: Session, venue: Venue, *, event: str, payload: dict,
                  dedup_key: str, now: datetime) -> bool:
    """Record a delivery to the venue's URL, if it has one, in the caller's transaction
    (posted after its commit); True when newly recorded."""
    if not venue.webhook_url:
        return False
    body = {"event": event, "venue": venue.slug, "sent_for": dedup_key, **payload}
    inserted = insert_once(within, WebhookDelivery, {
        "venue_id": venue.id, "event": event, "dedup_key": dedup_key, "payload": body,
        "status": "pending", "attempts": 0, "next_attempt_at": now, "created_at": now,
    }, key="dedup_key")
    if inserted:
        within.info.setdefault(PENDING_IDS, []).append(dedup_key)
    return inserted


def deliver_webhooks(engine: Engine, now: datetime, keys: list[str] | None = None,
                     limit: int = 100, policy: OutboundPolicy = STRICT) -> int:
    """Try every due delivery (or those of `keys`) under rule 9's `policy`; return how many
    the venues accepted."""
    with Session(engine) as session:
        due = (select(WebhookDelivery.id)
               .where(WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= now)
               .order_by(WebhookDelivery.next_attempt_at))
        if keys is not None:
            due = due.where(WebhookDelivery.dedup_key.in_(keys))
        ids = session.scalars(due.limit(limit)).all()
        session.rollback()
        return sum(_attempt(session, delivery_id, now, policy) for delivery_id in ids)


def resend(session: Session, venue: Venue, delivery_id: int, now: datetime) -> bool:
    """Put one of the venue's deliveries back in line for an immediate try (portal button).

    False when the venue has no such delivery; Conflict when it was about a spectator who
    has since erased their details (what is left of it is not worth sending)."""
    payload = session.scalar(select(WebhookDelivery.payload).where(
        WebhookDelivery.id == delivery_id, WebhookDelivery.venue_id == venue.id))
    if isinstance(payload, dict) and payload.get("erased"):
        raise Conflict("This delivery was about a spectator who has since erased their "
                       "details: it cannot be sent again.", code="erased_contact")
    result = session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id, WebhookDelivery.venue_id == venue.id)
        .values(status="pending", next_attempt_at=now, attempts=0, created_at=now)
        .returning(WebhookDelivery.dedup_key)
        .execution_options(synchronize_session=False)
    ).first()
    if result is not None:
        session.info.setdefault(PENDING_IDS, []).append(result.dedup_key)
    return result is not None


def queue_erased_event(session: Session, venue: Venue, contact_id: int, email: str,
                       now: datetime) -> bool:
    """Tell the venue's system that its contact `contact_id` was erased (once per contact)."""
    return queue_webhook(session, venue, event="contact.erased",
                         dedup_key=f"contact.erased:{contact_id}", now=now, payload={
                             "contact": {"id": contact_id, "email_sha256": email_digest(email),
                                         "erased": True},
                             "erased_at": _iso(now)})


def email_digest(email: str) -> str:
    """How a `contact.erased` event names the address: the SHA-256 of it, trimmed, lower-cased."""
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def forget_in_log(session: Session, email: str, now: datetime) -> int:
    """Strip the person of `email` from every delivery about them; return how many.

    The deliveries keep their event, venue, order block and history; those not yet
    delivered are given up, and none can be sent again (see `resend`).
    """
    about = WebhookDelivery.payload[("contact", "email")].as_string() == email
    deliveries = session.scalars(select(WebhookDelivery).where(about)).all()
    for delivery in deliveries:
        contact = delivery.payload.get("contact") or {}
        delivery.payload = {**delivery.payload, "erased": True, "erased_at": _iso(now),
                            "contact": {"id": contact.get("id"), "erased": True}}
        if delivery.status == "pending":
            delivery.status = "failed"
            delivery.last_error = "not sent: the spectator erased their details"
    session.flush()
    return len(deliveries)


@dataclass(frozen=True)
class WebhookTestResult:
    """How the venue's tool answered a test: all a venue is told (never the body, never a
    connection error's text: those would turn the button into a network probe).

    What it adds to delivered/status is ours: how long the call took, and when rule 9
    refused the address, which of its checks did (the message the profile form gives)."""

    delivered: bool
    status: int | None
    problem: str | None = None  # no HTTP answer: outbound.NOT_ALLOWED or NO_ANSWER
    elapsed_ms: int | None = None  # from just before the call to its answer (or giving up)
    refusal: str | None = None  # rule 9's reason (English; the portal translates it)


def send_test_event(session: Session, venue: Venue, policy: OutboundPolicy,
                    now: datetime, clock: Callable[[], float] = time.monotonic
                    ) -> WebhookTestResult | None:
    """Send a harmless "test" event to the venue's URL now (None if it has none) and log it.

    The call is made before anything is written, so call this outside a write transaction;
    the caller commits the log entry. A failed test is not retried: whoever pressed the
    button has had the answer. `clock` times the call (seconds; tests pass their own)."""
    if not venue.webhook_url:
        return None
    key = f"test:{venue.id}:{int(now.timestamp())}:{secrets.token_hex(4)}"
    payload = {"event": "test", "venue": venue.slug, "sent_for": key, "test": True,
               "message": "Kiosque test event: nothing to record."}
    started = clock()
    status, problem = _post(venue.webhook_url, venue.webhook_secret or "", payload, now,
                            policy)
    elapsed_ms = round((clock() - started) * 1000)
    delivered = _accepted(status)
    session.add(WebhookDelivery(
        venue_id=venue.id, event="test", dedup_key=key, payload=payload,
        status="delivered" if delivered else "failed", attempts=1, next_attempt_at=now,
        created_at=now, delivered_at=now if delivered else None,
        last_status_code=status, last_error=problem))
    session.flush()
    return WebhookTestResult(delivered=delivered, status=status, problem=problem,
                             elapsed_ms=elapsed_ms,
                             refusal=refusal_reason(venue.webhook_url, policy)
                             if problem == NOT_ALLOWED else None)


def refusal_reason(url: str, policy: OutboundPolicy) -> str | None:
    """Which of rule 9's checks refuses `url` now (its message), or None if none does.

    Asked again after a refused call: the name may have changed address in between, in
    which case the generic "private or local network" is the honest answer."""
    try:
        check_url(url, policy)
    except AddressNotAllowed as refused:
        return refused.message
    return None


def venue_deliveries(session: Session, venue: Venue, *, page: int = 1, per_page: int = 50
                     ) -> tuple[list[WebhookDelivery], int]:
    """One page of the venue's deliveries, newest first, and how many there are in all."""
    total = session.scalar(select(func.count()).select_from(WebhookDelivery)
                           .where(WebhookDelivery.venue_id == venue.id))
    deliveries = session.scalars(
        select(WebhookDelivery).where(WebhookDelivery.venue_id == venue.id)
        .order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc())
        .offset((max(1, page) - 1) * per_page).limit(per_page)
    ).all()
    return list(deliveries), total


def next_attempt(created_at: datetime, attempts: int, now: datetime) -> datetime | None:
    """When to try again after `attempts` failures: 1, 2, 4, 8 … minutes; None after 24 h."""
    later = now + FIRST_RETRY * (2 ** max(attempts - 1, 0))
    return later if later <= created_at + RETRY_FOR else None


def _attempt(session: Session, delivery_id: int, now: datetime, policy: OutboundPolicy) -> bool:
    # Claim by pushing next_attempt_at forward: a concurrent sender's UPDATE then misses.
    claimed = session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id, WebhookDelivery.status == "pending",
               WebhookDelivery.next_attempt_at <= now)
        .values(attempts=WebhookDelivery.attempts + 1,
                next_attempt_at=now + timedelta(seconds=CLAIM_SECONDS))
        .returning(WebhookDelivery.id)
        .execution_options(synchronize_session=False)
    ).first()
    session.commit()
    if claimed is None:
        return False
    delivery = session.get(WebhookDelivery, delivery_id)
    venue = session.get(Venue, delivery.venue_id)
    status_code, problem = _post(venue.webhook_url, venue.webhook_secret or "",
                                 delivery.payload, now, policy)
    delivery.last_status_code, delivery.last_error = status_code, problem
    if _accepted(status_code):
        delivery.status, delivery.delivered_at = "delivered", now
    else:
        retry_at = next_attempt(delivery.created_at, delivery.attempts, now)
        delivery.status = "pending" if retry_at else "failed"
        delivery.next_attempt_at = retry_at or now
    session.commit()
    return delivery.status == "delivered"


def _post(url: str | None, secret: str, payload: dict, now: datetime, policy: OutboundPolicy
          ) -> tuple[int | None, str | None]:
    """(HTTP status, None) or (None, one of outbound's problems or NO_URL): our own words
    only, since the log is shown to the venue."""
    if not url:
        return None, NO_URL
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    return post(url, body, {
        "Content-Type": "application/json",
        "User-Agent": "Kiosque-Webhook/1",
        SIGNATURE_HEADER: sign(secret, int(now.timestamp()), body),
    }, policy)


def _accepted(status: int | None) -> bool:
    # A redirect is not followed (rule 9), so a 3xx did not deliver anything.
    return status is not None and 200 <= status < 300


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
