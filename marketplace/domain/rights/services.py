"""A spectator's rights over what is held about them: see it, withdraw consent, stop an
alert, erase it.

A spectator has no account: they prove they own an e-mail address by opening a link sent
to it. The link carries only a random token, nothing readable; the address it opens is
stored against the token's SHA-256 (`data_links`) for 48 hours. An erasure deletes the
address's links, so the link that asked for it stops working at once. Erasure itself
(every table, every venue told) is marketplace.domain.rights.erasure.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from marketplace.domain.catalog.models import Performance, Show, Venue
from marketplace.domain.contacts.models import Contact, DataLink
from marketplace.domain.contacts.services import normalise_email
from marketplace.domain.contacts.webhooks import contact_payload, queue_webhook
from marketplace.domain.db import transaction
from marketplace.domain.errors import DomainError, NotFound
from marketplace.domain.feedback.models import Feedback
from marketplace.domain.follows.models import Follow
from marketplace.domain.follows.services import unfollow
from marketplace.domain.inventory.models import Release
from marketplace.domain.mail.caps import RecipientCap, recipient_capped
from marketplace.domain.mail.mailer import queue_email
from marketplace.domain.mail.models import OutboundEmail
from marketplace.domain.orders.access import OrderLinks
from marketplace.domain.orders.models import Order
from marketplace.domain.push.services import remove_subscription, subscriptions_of
from marketplace.domain.rights.erasure import erase_person, orders_of
from marketplace.domain.waitlist.services import entries_of
from marketplace.domain.watches.models import Watch
from marketplace.domain.watches.services import unsubscribe

LINK_VALIDITY = timedelta(hours=48)
LINK_KIND = "my-data-link"
# Anyone can ask for a link to any address: at most three a day reach one mailbox.
LINK_CAP = RecipientCap(kind=LINK_KIND, limit=3)
TOKEN_MAX_LENGTH = 200
EMAILS_LISTED = 100


class InvalidDataLink(DomainError):
    kind = "unauthorized"
    code = "invalid_token"
    message = "This link is not valid any more (it expired, or it was altered). Ask for a new one."


@dataclass(frozen=True)
class IssuedLink:
    token: str  # only ever in the e-mail; the database keeps its SHA-256
    link_id: int


@dataclass(frozen=True)
class LinkEmail:
    subject: str
    body_text: str


def issue_data_link(session: Session, email: str, now: datetime) -> IssuedLink:
    """A new "Mes données" link for `email`, valid LINK_VALIDITY from `now`; flushes only."""
    session.execute(delete(DataLink).where(DataLink.expires_at <= now)
                    .execution_options(synchronize_session=False))  # lapsed links: forgotten
    token = secrets.token_urlsafe(32)
    link = DataLink(token_hash=_hash(token), email=normalise_email(email), created_at=now,
                    expires_at=now + LINK_VALIDITY)
    session.add(link)
    session.flush()
    return IssuedLink(token, link.id)


def email_for_link(session: Session, token: object, now: datetime) -> str:
    """The address a live link was issued for; InvalidDataLink if unknown, lapsed or erased."""
    if not isinstance(token, str) or not 0 < len(token) <= TOKEN_MAX_LENGTH:
        raise InvalidDataLink
    email = session.scalar(select(DataLink.email).where(DataLink.token_hash == _hash(token),
                                                        DataLink.expires_at > now))
    if email is None:
        raise InvalidDataLink
    return email


def send_data_link(session: Session, email: str, now: datetime, *,
                   compose: Callable[[str], LinkEmail],
                   cap: RecipientCap | None = LINK_CAP) -> bool:
    """E-mail a new link to `email` (`compose(token)` writes the e-mail); commits.

    False, with nothing recorded, when the address already had its share of links
    (`cap`; None when per-client caps are off)."""
    address = normalise_email(email)
    with transaction(session):
        if cap is not None and recipient_capped(session, cap, address, now):
            return False
        link = issue_data_link(session, address, now)
        message = compose(link.token)
        queue_email(session, dedup_key=f"{LINK_KIND}:{link.link_id}", to=address,
                    subject=message.subject, body_text=message.body_text, now=now)
    return True


def data_about(session: Session, email: str, now: datetime, links: OrderLinks) -> dict:
    """Everything held about `email`: venues' contact entries, orders (with the link to
    their tickets), alerts, waiting-list entries, the e-mails sent to it and the data links
    it asked for."""
    email = normalise_email(email)
    contacts = session.execute(
        select(Contact, Venue.slug, Venue.name).join(Venue, Venue.id == Contact.venue_id)
        .where(Contact.email == email).order_by(Venue.name)
    ).all()
    return {
        "email": email,
        "venues": [{
            "venue": {"slug": slug, "name": name},
            **contact_payload(contact)["contact"],
        } for contact, slug, name in contacts],
        "orders": _orders(session, email, links),
        "watches": _watches(session, email, now),
        "follows": _follows(session, email),
        "push_subscriptions": [{
            "id": row.id, "service": urlsplit(row.endpoint).hostname, "origin": row.origin,
            "created_at": row.created_at.isoformat(),
            "last_success_at": row.last_success_at.isoformat() if row.last_success_at
            else None,
        } for row in subscriptions_of(session, email)],
        "waitlist": [{"show": row.title, "venue": row.venue_name,
                      "starts_at": row.starts_at.isoformat(), "quantity": row.quantity,
                      "status": row.status, "joined_at": row.joined_at.isoformat()}
                     for row in entries_of(session, email)],
        "emails": [{"subject": subject, "created_at": created_at.isoformat(), "status": status}
                   for subject, created_at, status in session.execute(
                       select(OutboundEmail.subject, OutboundEmail.created_at,
                              OutboundEmail.status)
                       .where(OutboundEmail.to_address == email)
                       .order_by(OutboundEmail.created_at.desc(), OutboundEmail.id.desc())
                       .limit(EMAILS_LISTED))],
        "data_links": [{"created_at": created.isoformat(), "expires_at": expires.isoformat()}
                       for created, expires in session.execute(
                           select(DataLink.created_at, DataLink.expires_at)
                           .where(DataLink.email == email, DataLink.expires_at > now)
                           .order_by(DataLink.created_at))],
    }


def withdraw_consent(session: Session, email: str, venue_slug: str, now: datetime) -> None:
    """Stop one venue's marketing to `email` (idempotent); the venue's system is told."""
    with transaction(session):
        row = session.execute(
            select(Contact, Venue).join(Venue, Venue.id == Contact.venue_id)
            .where(Contact.email == normalise_email(email), Venue.slug == venue_slug)
        ).first()
        if row is None:
            raise NotFound("This venue holds no contact for you.", code="unknown_contact")
        contact, venue = row
        if contact.marketing_consent:
            contact.marketing_consent, contact.consent_at, contact.updated_at = False, now, now
            queue_webhook(session, venue, event="contact.consent",
                          dedup_key=f"contact.consent:{contact.id}:{int(now.timestamp())}",
                          payload=contact_payload(contact), now=now)


def stop_alert(session: Session, email: str, watch_id: int, now: datetime) -> None:
    """End one of `email`'s alerts (again is fine); commits. NotFound if it is not theirs."""
    watch = session.get(Watch, watch_id)
    if watch is None or watch.email != normalise_email(email):
        raise NotFound("You have no such alert.", code="unknown_alert")
    unsubscribe(session, watch, now)


def stop_follow(session: Session, email: str, follow_id: int, now: datetime) -> None:
    """Stop following one venue (again is fine); commits. NotFound if it is not theirs."""
    follow = session.get(Follow, follow_id)
    if follow is None or follow.email != normalise_email(email):
        raise NotFound("You do not follow this venue (any more).", code="unknown_follow")
    unfollow(session, follow, now)


def stop_push(session: Session, email: str, subscription_id: int) -> None:
    """Forget one of `email`'s browsers (no more notifications there); commits."""
    remove_subscription(session, normalise_email(email), subscription_id)


def erase(session: Session, email: str, now: datetime) -> dict[str, int]:
    """Erase every personal detail about `email`, keep the accounting, tell the venues;
    commits. Returns how many rows changed, by table."""
    with transaction(session):
        return erase_person(session, normalise_email(email), now)


def _orders(session: Session, email: str, links: OrderLinks) -> list[dict]:
    rows = session.execute(
        select(Order, Show.title, Performance.starts_at, Venue.name, Feedback)
        .join(Release, Release.id == Order.release_id)
        .join(Performance, Performance.id == Release.performance_id)
        .join(Show, Show.id == Performance.show_id)
        .join(Venue, Venue.id == Order.venue_id)
        .outerjoin(Feedback, Feedback.order_id == Order.id)
        .where(orders_of(email)).order_by(Order.created_at)
    ).all()
    return [{
        "order_id": order.id, "venue": venue_name, "show": title,
        "starts_at": starts_at.isoformat(), "status": order.status,
        "quantity": order.quantity, "total_cents": order.total_cents,
        "name": order.buyer_name, "postcode": order.buyer_postcode,
        "birth_year": order.buyer_birth_year, "marketing_consent": order.marketing_consent,
        "created_at": order.created_at.isoformat(),
        "tickets_url": links.order_url(order.id),
        "feedback": {"rating": feedback.rating, "comment": feedback.comment}
        if feedback else None,
    } for order, title, starts_at, venue_name, feedback in rows]


def _watches(session: Session, email: str, now: datetime) -> list[dict]:
    rows = session.execute(
        select(Watch, Venue.name, Show.title)
        .outerjoin(Venue, Venue.id == Watch.venue_id)
        .outerjoin(Show, Show.id == Watch.show_id)
        .where(Watch.email == email).order_by(Watch.created_at)
    ).all()
    return [{
        "id": watch.id, "status": _watch_status(watch, now),
        "show": show_title, "venue": venue_name, "place": watch.place_label,
        "radius_km": watch.radius_km, "discipline": watch.discipline,
        "max_price_cents": watch.max_price_cents, "when": watch.when_filter,
        "created_at": watch.created_at.isoformat(),
        "confirmed_at": watch.confirmed_at.isoformat() if watch.confirmed_at else None,
        "expires_at": watch.expires_at.isoformat(),
        "last_alerted_at": watch.last_alerted_at.isoformat() if watch.last_alerted_at
        else None,
    } for watch, venue_name, show_title in rows]


def _follows(session: Session, email: str) -> list[dict]:
    rows = session.execute(
        select(Follow, Venue.name, Venue.slug).join(Venue, Venue.id == Follow.venue_id)
        .where(Follow.email == email).order_by(Follow.created_at, Follow.id)).all()
    return [{
        "id": follow.id, "venue": {"slug": slug, "name": name},
        "status": "stopped" if follow.unfollowed_at is not None
        else "active" if follow.confirmed_at is not None else "unconfirmed",
        "created_at": follow.created_at.isoformat(),
        "confirmed_at": follow.confirmed_at.isoformat() if follow.confirmed_at else None,
        "last_notified_at": follow.last_notified_at.isoformat() if follow.last_notified_at
        else None,
    } for follow, name, slug in rows]


def _watch_status(watch: Watch, now: datetime) -> str:
    if watch.unsubscribed_at is not None:
        return "stopped"
    if watch.expires_at <= now:
        return "expired"
    return "active" if watch.confirmed_at is not None else "unconfirmed"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
