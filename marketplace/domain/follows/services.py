"""« Suivre ce lieu »: asked for from an offer's page, confirmed by e-mail (double opt-in),
ended by one click (the link in every e-mail, List-Unsubscribe, or /mes-donnees)."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.domain.catalog.models import Venue
from marketplace.domain.db import transaction
from marketplace.domain.errors import NotFound, ValidationFailed
from marketplace.domain.follows.models import Follow, FollowNotice
from marketplace.domain.follows.news import venue_offers
from marketplace.domain.mail.caps import RecipientCap, recipient_capped
from marketplace.domain.mail.links import MailLinks
from marketplace.domain.mail.mailer import queue_email
from marketplace.domain.mail.rendering import gettext_for, known_locale, render_email
from marketplace.domain.validation import one_line

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s.]{2,}$")
# Anyone can type any address: at most three confirmations a day reach it.
CONFIRMATION_CAP = RecipientCap(kind="follow-confirm", limit=3)


@dataclass(frozen=True)
class NewFollow:
    email: str
    follow: Follow | None  # None when nothing was sent (the cap, or already following)
    token: str | None  # only ever in the confirmation e-mail; the database keeps its sha256


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def checked_email(value: object) -> str:
    email = one_line(str(value or ""), "email").strip().lower()
    if len(email) > 254 or not _EMAIL.match(email):
        raise ValidationFailed("Enter a valid e-mail address.", field="email")
    return email


def follow_venue(session: Session, venue_slug: str, email: object, locale: str,
                 links: MailLinks, now: datetime,
                 cap: RecipientCap | None = CONFIRMATION_CAP) -> NewFollow:
    """Record `email`'s wish to follow the venue and send the confirmation e-mail; commits.

    Already following: nothing is sent. Over the cap: nothing is recorded or sent. The
    caller answers the same in every case (a stranger learns nothing about the address)."""
    address = checked_email(email)
    venue = session.scalar(select(Venue).where(Venue.slug == str(venue_slug)))
    if venue is None:
        raise NotFound("This venue does not exist.", code="unknown_venue")
    with transaction(session):
        follow = session.scalar(select(Follow).where(
            Follow.email == address, Follow.venue_id == venue.id,
            Follow.unfollowed_at.is_(None)).order_by(Follow.id.desc()).limit(1))
        if follow is not None and follow.confirmed_at is not None:
            return NewFollow(address, None, None)
        if cap is not None and recipient_capped(session, cap, address, now):
            return NewFollow(address, None, None)
        token = secrets.token_urlsafe(24)
        if follow is None:
            follow = Follow(email=address, venue_id=venue.id, created_at=now,
                            locale=known_locale(locale), token_hash=hash_token(token))
            session.add(follow)
        else:
            follow.token_hash, follow.locale = hash_token(token), known_locale(locale)
        session.flush()
        gettext = gettext_for(follow.locale)
        text, html = render_email("follow_confirm", follow.locale, venue=venue,
                                  confirm_url=links.confirm_follow_url(token),
                                  unsubscribe_url=links.unfollow_url(follow.id),
                                  site_url=links.base_url)
        queue_email(session, dedup_key=f"follow-confirm:{follow.id}:{token[:8]}", to=address,
                    subject=gettext("Confirm: follow %(venue)s on Kiosque")
                    % {"venue": venue.name}, body_text=text, body_html=html, now=now)
    return NewFollow(address, follow, token)


def confirm_follow(session: Session, token: str, now: datetime) -> tuple[Follow, Venue]:
    """Confirm the follow of `token` (again is fine); what is on sale now is not news."""
    with transaction(session):
        follow = session.scalar(select(Follow).where(Follow.token_hash == hash_token(token)))
        if follow is None or follow.unfollowed_at is not None:
            raise NotFound("You do not follow this venue (any more).", code="unknown_follow")
        if follow.confirmed_at is None:
            follow.confirmed_at = now
            for offer in venue_offers(session, follow.venue_id, now):
                session.add(FollowNotice(follow_id=follow.id, release_id=offer.release_id,
                                         reason="seen", created_at=now))
        venue = session.get(Venue, follow.venue_id)
    return follow, venue


def follow_to_stop(session: Session, follow_id: int | None) -> tuple[Follow, Venue]:
    follow = session.get(Follow, follow_id) if follow_id is not None else None
    if follow is None:
        raise NotFound("You do not follow this venue (any more).", code="unknown_follow")
    return follow, session.get(Venue, follow.venue_id)


def unfollow(session: Session, follow: Follow, now: datetime) -> Follow:
    """Stop following (again is fine): nothing more leaves for it; commits."""
    with transaction(session):
        if follow.unfollowed_at is None:
            follow.unfollowed_at = now
    return follow
