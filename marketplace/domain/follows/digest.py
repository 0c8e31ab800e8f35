"""The followers' job: each confirmed follow hears at most once a (Paris) day that its
venue put seats on sale, never twice about the same release (follow_notices is unique per
follow and release), and never at night. Each digest goes through push.notify under the
key follow:<id>:<Paris date>: claimed once in `notifications`, so two schedulers running
at once, or a rerun, tell nothing twice. One that cannot be written is recorded failed
under its key; the others go on."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.domain.catalog.models import Venue
from marketplace.domain.db import insert_once
from marketplace.domain.follows.models import Follow, FollowNotice
from marketplace.domain.follows.news import VenueOffer, venue_offers
from marketplace.domain.mail.links import MailLinks
from marketplace.domain.mail.mailer import record_unwritten
from marketplace.domain.mail.rendering import euros, gettext_for, render_email
from marketplace.domain.push.channel import PushChannel
from marketplace.domain.push.services import Message, notify
from marketplace.domain.timeutil import to_paris

# Paris hours when followers may be told (a phone that buzzes at 3 a.m. gets unfollowed).
DAY_STARTS, DAY_ENDS = 8, 21


def active_follows():
    return select(Follow).where(Follow.confirmed_at.is_not(None),
                                Follow.unfollowed_at.is_(None)).order_by(Follow.id)


def tell_followers(session: Session, links: MailLinks, channel: PushChannel,
                   now: datetime) -> int:
    """Tell each follow with news today; return how many were told (push or e-mail)."""
    local = to_paris(now)
    if not DAY_STARTS <= local.hour < DAY_ENDS:
        return 0
    told = 0
    for follow in session.scalars(active_follows()).all():
        if follow.last_notified_at is not None \
                and to_paris(follow.last_notified_at).date() == local.date():
            continue
        known = set(session.scalars(select(FollowNotice.release_id)
                                    .where(FollowNotice.follow_id == follow.id)))
        news = [o for o in venue_offers(session, follow.venue_id, now)
                if o.release_id not in known]
        if news:
            told += _tell(session, follow, news, links, channel, now)
    return told


def key_of(follow: Follow, now: datetime) -> str:
    return f"follow:{follow.id}:{to_paris(now).date().isoformat()}"


def _tell(session: Session, follow: Follow, news: list[VenueOffer], links: MailLinks,
          channel: PushChannel, now: datetime) -> bool:
    venue = session.get(Venue, follow.venue_id)
    email = follow.email
    try:
        message = digest_message(follow, venue, news, links, now)
    except Exception as error:
        session.rollback()
        record_unwritten(session, dedup_key=key_of(follow, now), to=email, error=error,
                         now=now)
        follow.last_notified_at = now  # tried today: once a day, as any digest
        session.commit()
        return False
    for offer in news:
        insert_once(session, FollowNotice, {"follow_id": follow.id, "release_id":
                                            offer.release_id, "reason": "told",
                                            "created_at": now}, key=("follow_id", "release_id"))
    follow.last_notified_at = now
    # notify commits these notices with its claim, then pushes (or queues the e-mail).
    return notify(session, email, message, channel=channel, now=now) != "already"


def digest_message(follow: Follow, venue: Venue, news: list[VenueOffer], links: MailLinks,
                   now: datetime) -> Message:
    """The day's digest of `venue` for `follow`, as an e-mail and as a notification."""
    gettext = gettext_for(follow.locale)
    first = news[0]
    if len(news) == 1:
        subject = gettext("%(venue)s: %(title)s, %(price)s on Kiosque") % {
            "venue": venue.name, "title": first.title,
            "price": euros(first.price_cents, follow.locale)}
    else:
        subject = gettext("%(venue)s puts %(count)d offers on sale on Kiosque") % {
            "venue": venue.name, "count": len(news)}
    unsubscribe_url = links.unfollow_url(follow.id)
    urls = {o.release_id: links.offer_url(o.release_id) for o in news}
    text, html = render_email("follow_digest", follow.locale, venue=venue, offers=news,
                              offer_urls=urls, unsubscribe_url=unsubscribe_url,
                              site_url=links.base_url)
    summary = ", ".join(f"{o.title} {euros(o.price_cents, follow.locale)}" for o in news[:3])
    return Message(key=key_of(follow, now), subject=subject, body_text=text, body_html=html,
                   summary=summary, url=urls[first.release_id] if len(news) == 1
                   else links.base_url + "/", unsubscribe_url=unsubscribe_url)
