"""A spectator's rights over what is held about them: see it, withdraw consent, erase it.

A spectator has no account: they prove they own an e-mail address by opening a signed,
expiring link sent to it. Erasure anonymises personal fields everywhere and keeps the
accounting (orders keep their amounts, seats and dates; contacts keep their counts).
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import String, cast, delete, func, literal, select, update
from sqlalchemy.orm import Session

from marketplace.catalog.models import Performance, Show, Venue
from marketplace.contacts.models import Contact
from marketplace.contacts.services import normalise_email
from marketplace.contacts.webhooks import contact_payload, queue_webhook
from marketplace.errors import DomainError, NotFound
from marketplace.inventory.models import Release
from marketplace.mail.models import OutboundEmail
from marketplace.orders.models import Order
from marketplace.watches.models import Watch

LINK_VALIDITY = timedelta(hours=48)
# An erased contact's e-mail becomes "erased-<tag>-<id>@invalid" (SQL LIKE pattern).
ERASED_EMAIL_PATTERN = "erased-%@invalid"
_SALT = "kiosque-my-data"


class InvalidDataLink(DomainError):
    kind = "unauthorized"
    code = "invalid_token"
    message = "This link is not valid any more (it expired, or it was altered). Ask for a new one."


def data_token(secret: str, email: str, now: datetime) -> str:
    """The token of a "Mes données" link for `email`, issued `now`."""
    payload = {"e": normalise_email(email), "t": int(now.timestamp())}
    return URLSafeSerializer(secret, salt=_SALT).dumps(payload)


def email_from_token(secret: str, token: object, now: datetime) -> str:
    """The e-mail a valid, unexpired token was issued for; InvalidDataLink otherwise."""
    if not isinstance(token, str) or not 0 < len(token) <= 500:
        raise InvalidDataLink
    try:
        payload = URLSafeSerializer(secret, salt=_SALT).loads(token)
    except BadSignature:
        raise InvalidDataLink from None
    if not isinstance(payload, dict) or not isinstance(payload.get("e"), str) \
            or not isinstance(payload.get("t"), int):
        raise InvalidDataLink
    issued = datetime.fromtimestamp(payload["t"], tz=now.tzinfo)
    if not issued - timedelta(minutes=5) <= now <= issued + LINK_VALIDITY:
        raise InvalidDataLink
    return payload["e"]


def data_about(session: Session, email: str) -> dict:
    """Everything held about `email`, venue by venue: contact entries, orders, watches."""
    email = normalise_email(email)
    contacts = session.execute(
        select(Contact, Venue.slug, Venue.name).join(Venue, Venue.id == Contact.venue_id)
        .where(Contact.email == email).order_by(Venue.name)
    ).all()
    orders = session.execute(
        select(Order, Show.title, Performance.starts_at, Venue.name)
        .join(Release, Release.id == Order.release_id)
        .join(Performance, Performance.id == Release.performance_id)
        .join(Show, Show.id == Performance.show_id)
        .join(Venue, Venue.id == Order.venue_id)
        .where(_orders_of(email)).order_by(Order.created_at)
    ).all()
    watches = session.scalars(select(Watch).where(Watch.email == email)).all()
    return {
        "email": email,
        "venues": [{
            "venue": {"slug": slug, "name": name},
            **contact_payload(contact)["contact"],
        } for contact, slug, name in contacts],
        "orders": [{
            "order_id": order.id, "venue": venue_name, "show": title,
            "starts_at": starts_at.isoformat(), "status": order.status,
            "quantity": order.quantity, "total_cents": order.total_cents,
            "name": order.buyer_name, "postcode": order.buyer_postcode,
            "birth_year": order.buyer_birth_year, "marketing_consent": order.marketing_consent,
            "created_at": order.created_at.isoformat(),
        } for order, title, starts_at, venue_name in orders],
        "watches": [{"id": w.id, "created_at": w.created_at.isoformat(),
                     "expires_at": w.expires_at.isoformat()} for w in watches],
    }


def withdraw_consent(session: Session, email: str, venue_slug: str, now: datetime) -> None:
    """Stop one venue's marketing to `email` (idempotent); the venue's system is told."""
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
    session.commit()


def erase(session: Session, email: str, now: datetime) -> dict:
    """Anonymise every personal field about `email`; keep the accounting. Commits."""
    email = normalise_email(email)
    orders = session.execute(
        update(Order).where(_orders_of(email))
        .values(buyer_email=None, buyer_name=None, buyer_postcode=None, buyer_birth_year=None,
                anonymised_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    tag = hashlib.sha256(email.encode()).hexdigest()[:12]
    contacts = session.execute(
        update(Contact).where(Contact.email == email)
        .values(email=literal(f"erased-{tag}-") + cast(Contact.id, String) + "@invalid",
                name="", postcode="", birth_year=None, marketing_consent=False,
                consent_text=None, notes="", search_text="", updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    watches = session.execute(delete(Watch).where(Watch.email == email)).rowcount
    session.execute(
        update(OutboundEmail).where(OutboundEmail.to_address == email)
        .values(to_address="erased@invalid", body_text="(erased)", body_html=None,
                subject="(erased)")
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return {"contacts": contacts, "orders": orders, "watches": watches}


def _orders_of(email: str):
    """Orders bought with `email`, whatever case or spaces it was typed with."""
    return func.lower(func.trim(Order.buyer_email)) == email
