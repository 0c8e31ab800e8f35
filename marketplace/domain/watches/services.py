"""Watches ("Me prévenir"): made from the storefront's filters, confirmed by e-mail, ended
by one click, forgotten after WATCH_DAYS."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.domain.catalog.models import DISCIPLINES, Performance
from marketplace.domain.db import transaction
from marketplace.domain.errors import NotFound, ValidationFailed
from marketplace.domain.inventory.models import Release
from marketplace.domain.mail.caps import RecipientCap, recipient_capped
from marketplace.domain.mail.links import MailLinks
from marketplace.domain.mail.mailer import queue_email
from marketplace.domain.mail.rendering import gettext_for, known_locale, render_email
from marketplace.domain.offers.queries import WHENS
from marketplace.domain.validation import one_line
from marketplace.domain.watches.description import watched
from marketplace.domain.watches.matching import matching_offers
from marketplace.domain.watches.models import Watch, WatchAlert

WATCH_DAYS = 30
MAX_RADIUS_KM = 200
MAX_PRICE_EUROS = 1000
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s.]{2,}$")
# Anyone can ask for an alert for any address: at most three confirmations a day reach it.
CONFIRMATION_CAP = RecipientCap(kind="watch-confirm", limit=3)


@dataclass(frozen=True)
class NewWatch:
    email: str
    watch: Watch | None  # None when the address had its share of confirmations (the cap)
    token: str | None  # only ever in the confirmation e-mail; the database keeps its sha256


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_watch(session: Session, fields: dict, locale: str, links: MailLinks,
                 now: datetime, cap: RecipientCap | None = CONFIRMATION_CAP) -> NewWatch:
    """Record a watch from a form's `fields` and send the confirmation e-mail; commits.

    When the address already had `cap.limit` confirmations in the day, nothing is recorded
    or sent (the caller answers as usual); `cap` None when per-client caps are off."""
    values = _checked(session, fields)
    with transaction(session):
        if cap is not None and recipient_capped(session, cap, values["email"], now):
            return NewWatch(values["email"], None, None)
        token = secrets.token_urlsafe(24)
        watch = Watch(**values, token_hash=hash_token(token), locale=known_locale(locale),
                      created_at=now, expires_at=now + timedelta(days=WATCH_DAYS))
        session.add(watch)
        session.flush()
        gettext = gettext_for(watch.locale)
        about = watched(session, watch)
        text, html = render_email("watch_confirm", watch.locale, watch=watch, watched=about,
                                  confirm_url=links.confirm_url(token),
                                  unsubscribe_url=links.unsubscribe_url(watch.id),
                                  days=WATCH_DAYS, site_url=links.base_url)
        queue_email(session, dedup_key=f"watch-confirm:{watch.id}", to=watch.email,
                    subject=_confirm_subject(gettext, about.show_title), body_text=text,
                    body_html=html, now=now)
    return NewWatch(watch.email, watch, token)


def _confirm_subject(gettext, show_title: str | None) -> str:
    if show_title:
        return gettext("Confirm your Kiosque alert for %(title)s") % {"title": show_title}
    return gettext("Confirm your Kiosque alert")


def confirm_watch(session: Session, token: str, now: datetime) -> Watch:
    """Confirm the watch of `token` (again is fine); what is on sale now is not news to them."""
    with transaction(session):
        watch = session.scalar(select(Watch).where(Watch.token_hash == hash_token(token)))
        if watch is None or watch.unsubscribed_at is not None or watch.expires_at <= now:
            raise NotFound("This alert does not exist or has ended.")
        if watch.confirmed_at is None:
            watch.confirmed_at = now
            # The offers they were looking at when they asked: tell only what comes next.
            for offer in matching_offers(session, watch, now):
                session.add(WatchAlert(watch_id=watch.id, release_id=offer.release_id,
                                       reason="seen", price_cents=offer.price_cents,
                                       created_at=now))
    return watch


def watch_to_unsubscribe(session: Session, watch_id: int | None) -> Watch:
    watch = session.get(Watch, watch_id) if watch_id is not None else None
    if watch is None:
        raise NotFound("This alert does not exist.")
    return watch


def unsubscribe(session: Session, watch: Watch, now: datetime) -> Watch:
    """End the watch (again is fine): no alert leaves for it any more; commits."""
    with transaction(session):
        if watch.unsubscribed_at is None:
            watch.unsubscribed_at = now
    return watch


def _checked(session: Session, fields: dict) -> dict:
    email = one_line(str(fields.get("email") or ""), "email").strip().lower()
    if len(email) > 254 or not _EMAIL.match(email):
        raise ValidationFailed("Enter a valid e-mail address.", field="email")
    values: dict = {"email": email, "venue_id": None, "show_id": None}
    offer_id = _number(fields.get("offer_id"), int, "offer_id")
    if offer_id is not None:
        release = session.get(Release, offer_id)
        if release is None:
            raise ValidationFailed("Unknown offer.", field="offer_id")
        performance = session.get(Performance, release.performance_id)
        values.update(show_id=performance.show_id, venue_id=performance.venue_id)
    lat, lng = _number(fields.get("lat"), float, "lat"), _number(fields.get("lng"), float, "lng")
    radius = _number(fields.get("radius"), float, "radius")
    if (lat is None) != (lng is None) or (
            lat is not None and not (-90 <= lat <= 90 and -180 <= lng <= 180)):
        raise ValidationFailed("Unknown place.", field="place")
    if radius is not None and (lat is None or not 0 < radius <= MAX_RADIUS_KM):
        radius = None  # a radius needs a place: without one, the whole region
    discipline = fields.get("discipline") or None
    if discipline is not None and discipline not in DISCIPLINES:
        raise ValidationFailed("Unknown discipline.", field="discipline")
    max_price = _number(fields.get("max_price"), int, "max_price")
    if max_price is not None and not 0 < max_price <= MAX_PRICE_EUROS:
        raise ValidationFailed("The price must be between 1 and 1000 euros.", field="max_price")
    when = fields.get("when") or None
    if when is not None and when not in WHENS:
        raise ValidationFailed("Unknown time.", field="when")
    values.update(
        lat=lat, lng=lng, radius_km=radius if lat is not None else None,
        place_label=(one_line(str(fields.get("place_label") or ""), "place_label").strip()[:200]
                     or None) if lat is not None else None,
        discipline=discipline, max_price_cents=max_price * 100 if max_price else None,
        when_filter=None if when == "all" else when)
    return values


def _number(value, kind, field: str):
    if value in (None, ""):
        return None
    try:
        return kind(str(value).replace(",", ".")) if kind is float else kind(str(value))
    except ValueError:
        raise ValidationFailed("Not a number.", field=field) from None
