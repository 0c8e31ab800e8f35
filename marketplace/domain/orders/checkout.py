"""Checkout: a hold becomes a pending order at the locked price, and its payment starts.

The order is written, the payment opened with the gateway and the order token handed
out in one transaction: if the provider does not answer, no order is left behind.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, or_, select, update
from sqlalchemy.orm import Session

from marketplace.domain.catalog.models import Performance, Show, Venue
from marketplace.domain.db import insert_once, transaction
from marketplace.domain.errors import (
    Conflict,
    Forbidden,
    NotFound,
    RateLimited,
    ValidationFailed,
)
from marketplace.domain.inventory.line import reserved_email
from marketplace.domain.inventory.models import Hold, Release, new_public_id
from marketplace.domain.mail.rendering import consent_text, known_locale
from marketplace.domain.orders.access import OrderLinks, new_order_token
from marketplace.domain.orders.models import Order
from marketplace.domain.orders.payments import PaymentGateway
from marketplace.domain.pricing import discount_percent_at
from marketplace.domain.validation import text

# One buyer (an e-mail address) holds at most this many seats of one performance.
MAX_SEATS_PER_BUYER = 12
# Deliberately simple: one @, something before, a dotted domain after, no spaces.
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s.]{2,}$")
_POSTCODE = re.compile(r"^[A-Z0-9][A-Z0-9 -]{1,8}[A-Z0-9]$")
_OLDEST_BUYER_AGE = 110


@dataclass(frozen=True)
class Buyer:
    email: str
    name: str
    postcode: str
    birth_year: int | None
    marketing_consent: bool


@dataclass(frozen=True)
class Checkout:
    """A pending order, the token that opens it, and where the buyer pays."""

    order: Order
    order_token: str
    redirect_url: str


def checked_email(value: object) -> str:
    """An e-mail address as given (trimmed, lower case), or 422 naming the field `email`."""
    email = text(value, "email", "The e-mail address", 254, required=True).lower()
    if not _EMAIL.match(email):
        raise ValidationFailed("This e-mail address does not look right (name@example.org).",
                               field="email")
    return email


def read_buyer(fields: Mapping[str, Any], now: datetime) -> Buyer:
    """The buyer's details, checked; each refusal names its field (422)."""
    email = checked_email(fields.get("email"))
    name = text(fields.get("name"), "name", "The name", 200, required=True)
    postcode = text(fields.get("postcode"), "postcode", "The postcode", 10, required=True)
    postcode = postcode.upper()
    if not _POSTCODE.match(postcode):
        raise ValidationFailed("The postcode should look like 13001.", field="postcode")
    birth_year = fields.get("birth_year")
    if birth_year is not None:
        if isinstance(birth_year, bool) or not isinstance(birth_year, int):
            raise ValidationFailed("The birth year must be a year, like 1990.",
                                   field="birth_year")
        if not now.year - _OLDEST_BUYER_AGE <= birth_year <= now.year:
            raise ValidationFailed("The birth year must be a year, like 1990.",
                                   field="birth_year")
    consent = fields.get("marketing_consent", False)
    if not isinstance(consent, bool):
        raise ValidationFailed("marketing_consent must be true or false.",
                               field="marketing_consent")
    return Buyer(email=email, name=name, postcode=postcode, birth_year=birth_year,
                 marketing_consent=consent)


def check_out(session: Session, hold_id: object, fields: Mapping[str, Any], now: datetime,
              gateway: PaymentGateway, links: OrderLinks, *, locale: str = "fr",
              max_seats_per_buyer: int = MAX_SEATS_PER_BUYER) -> Checkout:
    """Turn an active hold into a pending order for `quantity × locked unit price`.

    The same checkout sent again by the same buyer (an answer lost on the way, a second
    tap) while the hold lasts gets the same pending order back, with a new token.
    404 `unknown_hold`; 409 `hold_expired`, `already_checked_out` or `sales_closed`;
    422 for the buyer's details; 429 `buyer_limit_reached` past the per-buyer cap.
    """
    buyer = read_buyer(fields, now)
    resumed = _resume(session, hold_id, buyer, now, gateway, links)
    if resumed is not None:
        return resumed
    hold = checkout_hold(session, hold_id, now)
    _check_reserved_for(session, hold.id, buyer.email)
    _check_buyer_cap(session, hold, buyer.email, now, max_seats_per_buyer)
    locale = known_locale(locale)
    token, token_hash = new_order_token()
    order_id = new_public_id()
    with transaction(session):
        inserted = insert_once(session, Order, {
            "id": order_id, "hold_id": hold.id, "release_id": hold.release_id,
            "venue_id": hold.venue_id, "status": "pending", "quantity": hold.quantity,
            "unit_price_cents": hold.unit_price_cents,
            "total_cents": hold.quantity * hold.unit_price_cents,
            "face_price_cents": hold.face_price_cents,
            "discount_percent": hold.discount_percent,
            "buyer_email": buyer.email, "buyer_name": buyer.name,
            "buyer_postcode": buyer.postcode, "buyer_birth_year": buyer.birth_year,
            "marketing_consent": buyer.marketing_consent,
            "consent_text": consent_text(hold.venue_name, locale) if buyer.marketing_consent
            else None,
            "token_hash": token_hash, "locale": locale, "payment_provider": gateway.provider,
            "created_at": now,
        }, key="hold_id")
        if not inserted:
            raise _already_checked_out()
        order = session.get(Order, order_id)
        start = gateway.start_payment(order, links.key(order_id), _payment_title(hold), now)
        session.execute(update(Order).where(Order.id == order_id)
                        .values(payment_reference=start.reference)
                        .execution_options(synchronize_session=False))
    session.refresh(order)
    return Checkout(order=order, order_token=token, redirect_url=start.redirect_url)


def _resume(session: Session, hold_id: object, buyer: Buyer, now: datetime,
            gateway: PaymentGateway, links: OrderLinks) -> Checkout | None:
    """The pending order this buyer already made from this live hold, with a fresh token.

    Only the token's hash is kept, so the lost one cannot be given back: a new one
    replaces it. Another e-mail, a paid order or a payment that can no longer be made
    (a closed Stripe session) resumes nothing: the caller answers already_checked_out.
    """
    if not (isinstance(hold_id, str) and 0 < len(hold_id) <= 32):
        return None
    order = session.scalar(
        select(Order).join(Hold, Hold.id == Order.hold_id)
        .where(Order.hold_id == hold_id, Order.status == "pending",
               Order.buyer_email == buyer.email, Hold.status == "active",
               Hold.expires_at > now))
    if order is None:
        return None
    redirect_url = gateway.payment_url(order, links.key(order.id))
    if redirect_url is None:
        return None
    token, token_hash = new_order_token()
    with transaction(session):
        renewed = session.execute(
            update(Order).where(Order.id == order.id, Order.status == "pending")
            .values(token_hash=token_hash).execution_options(synchronize_session=False))
    if renewed.rowcount != 1:  # paid or cancelled in the meantime
        return None
    session.refresh(order)
    return Checkout(order=order, order_token=token, redirect_url=redirect_url)


_HOLD_READ = (
    select(
        Hold.id, Hold.release_id, Hold.quantity, Hold.unit_price_cents, Hold.status,
        Hold.created_at, Hold.expires_at,
        Release.venue_id, Release.face_price_cents, Release.status.label("release_status"),
        Release.performance_id, Performance.starts_at,
        Performance.status.label("performance_status"),
        Release.category, Show.title, Venue.name.label("venue_name"),
        Venue.city.label("venue_city"),
    )
    .join(Release, Release.id == Hold.release_id)
    .join(Performance, Performance.id == Release.performance_id)
    .join(Show, Show.id == Performance.show_id)
    .join(Venue, Venue.id == Release.venue_id)
)


@dataclass(frozen=True)
class CheckoutHold:
    """A hold that can be checked out, with what the order and the summary need."""

    id: str
    release_id: int
    venue_id: int
    performance_id: int
    quantity: int
    unit_price_cents: int
    face_price_cents: int
    discount_percent: int
    expires_at: datetime
    starts_at: datetime
    title: str
    category: str
    venue_name: str
    venue_city: str

    @property
    def total_cents(self) -> int:
        return self.quantity * self.unit_price_cents


def checkout_hold(session: Session, hold_id: object, now: datetime) -> CheckoutHold:
    """The hold, if it can still be checked out at `now`; otherwise why not (404 or 409)."""
    row = None
    if isinstance(hold_id, str) and 0 < len(hold_id) <= 32:
        row = session.execute(_HOLD_READ.where(Hold.id == hold_id)).one_or_none()
    if row is None:
        raise NotFound("There is no such hold.", code="unknown_hold")
    if row.status == "converted" or session.scalar(
            select(Order.id).where(Order.hold_id == row.id)) is not None:
        raise _already_checked_out()
    if row.release_status == "closed" or row.performance_status != "scheduled":
        raise Conflict("This performance is cancelled.", code="sales_closed")
    if row.status != "active" or row.expires_at <= now:
        raise Conflict("Your seats were held for a limited time, and that time is up. "
                       "Choose them again to buy them.", code="hold_expired")
    return _checkout_hold(session, row)


def _checkout_hold(session: Session, row: Row) -> CheckoutHold:
    release = session.get(Release, row.release_id)
    return CheckoutHold(
        id=row.id, release_id=row.release_id, venue_id=row.venue_id,
        performance_id=row.performance_id, quantity=row.quantity,
        unit_price_cents=row.unit_price_cents, face_price_cents=row.face_price_cents,
        discount_percent=discount_percent_at(release.price_schedule(), row.created_at),
        expires_at=row.expires_at, starts_at=row.starts_at, title=row.title,
        category=row.category, venue_name=row.venue_name, venue_city=row.venue_city,
    )


def _check_reserved_for(session: Session, hold_id: str, email: str) -> None:
    """Seats offered to a waiting-list entry are bought with that entry's e-mail only."""
    reserved = reserved_email(session, hold_id)
    if reserved is not None and reserved != email:
        raise Forbidden("These seats are kept for the person in line they were offered to: "
                        "check out with the e-mail address that joined the waiting list.",
                        code="reserved_for_waitlist", field="email")


def _check_buyer_cap(session: Session, hold: CheckoutHold, email: str, now: datetime,
                     cap: int) -> None:
    """At most `cap` seats per person per performance: paid ones and live pending ones.

    A person is an address as it reaches its owner (buyer_identity): lea+1@ and lea+2@
    are the same Léa. The refusal never says how many seats that address already has:
    whoever types it may not be its owner.
    """
    identity = buyer_identity(email)
    counted = (
        select(Order.buyer_email, Order.quantity, Hold.expires_at, Order.status)
        .join(Hold, Hold.id == Order.hold_id)
        .join(Release, Release.id == Order.release_id)
        .where(Release.performance_id == hold.performance_id,
               or_(*(Order.buyer_email.like(f"%@{_like_escaped(domain)}", escape="\\")
                     for domain in _same_mailbox_domains(identity))),
               or_(Order.status == "paid",
                   (Order.status == "pending") & (Hold.status == "active")
                   & (Hold.expires_at > now)))
    )
    rows = [row for row in session.execute(counted) if buyer_identity(row.buyer_email) == identity]
    if sum(row.quantity for row in rows) + hold.quantity <= cap:
        return
    # Pending seats free up when their holds end; paid ones never do before curtain.
    pending_until = max((row.expires_at for row in rows if row.status == "pending"),
                        default=None)
    lifts_at = pending_until if pending_until is not None else hold.starts_at
    raise BuyerLimitReached(cap, retry_after=int((lifts_at - now).total_seconds()))


class BuyerLimitReached(RateLimited):
    """One person would go past the seats they may buy for one performance (429)."""

    code = "buyer_limit_reached"

    def __init__(self, cap: int, *, retry_after: int) -> None:
        super().__init__("At most %(cap)d seats per person for this performance, and this "
                         "order would go past it: choose fewer seats.",
                         field="email", retry_after=retry_after, params={"cap": cap})
        self.cap = cap


# Providers where dots in the name part do not matter, and their other names.
_DOTLESS_DOMAINS = frozenset({"gmail.com", "googlemail.com"})


def buyer_identity(email: str) -> str:
    """The mailbox an address reaches, to count one person's seats (never stored).

    Lower case, without a +tag, and for Gmail without dots and under one domain name.
    """
    local, _, domain = email.strip().lower().rpartition("@")
    local = local.split("+", 1)[0]
    if domain in _DOTLESS_DOMAINS:
        local, domain = local.replace(".", ""), "gmail.com"
    return f"{local}@{domain}"


def _same_mailbox_domains(identity: str) -> frozenset[str]:
    domain = identity.rpartition("@")[2]
    return _DOTLESS_DOMAINS if domain in _DOTLESS_DOMAINS else frozenset({domain})


def _like_escaped(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _payment_title(hold: CheckoutHold) -> str:
    return f"{hold.title} · {hold.venue_name}"


def _already_checked_out() -> Conflict:
    return Conflict("These seats are already being paid for.", code="already_checked_out")
