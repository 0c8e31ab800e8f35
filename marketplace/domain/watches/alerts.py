"""The alert job: each confirmed watch hears about new matches at most once a (Paris) day,
never twice about the same offer (watch_alerts is unique per watch and release). An alert
that cannot be written is recorded failed under its key, and the other watches go on.

With a push channel, an alert goes through push.notify: to the browsers the address
subscribed (after confirming an alert or a follow), and by e-mail when it has none or
none of them took it; the key stays watch-alert:<watch>:<day>."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.domain.db import insert_once
from marketplace.domain.mail.links import MailLinks
from marketplace.domain.mail.mailer import queue_email, record_unwritten
from marketplace.domain.mail.rendering import euros, gettext_for, render_email
from marketplace.domain.push.channel import PushChannel
from marketplace.domain.push.services import Message, notify
from marketplace.domain.timeutil import to_paris
from marketplace.domain.watches.description import watched
from marketplace.domain.watches.matching import matching_offers
from marketplace.domain.watches.models import Watch, WatchAlert


def active_watches(now: datetime):
    return select(Watch).where(Watch.confirmed_at.is_not(None), Watch.unsubscribed_at.is_(None),
                               Watch.expires_at > now).order_by(Watch.id)


def evaluate_watches(session: Session, links: MailLinks, now: datetime,
                     channel: PushChannel | None = None) -> int:
    """Send one alert per watch with news today (by push through `channel` when the address
    subscribed, else by e-mail); return how many were sent or queued."""
    today = to_paris(now).date()
    queued = 0
    for watch in session.scalars(active_watches(now)).all():
        if watch.last_alerted_at is not None and to_paris(watch.last_alerted_at).date() == today:
            continue
        told = set(session.scalars(select(WatchAlert.release_id)
                                   .where(WatchAlert.watch_id == watch.id)))
        news = [o for o in matching_offers(session, watch, now) if o.release_id not in told]
        if news:
            try:
                queued += _queue_alert(session, watch, news, links, now, channel)
            except Exception as error:
                session.rollback()
                record_unwritten(session, dedup_key=_key(watch, now), to=watch.email,
                                 error=error, now=now)
                watch.last_alerted_at = now  # tried today: once a day, as any alert
            session.commit()
    return queued


def _key(watch: Watch, now: datetime) -> str:
    return f"watch-alert:{watch.id}:{to_paris(now).date()}"


def _queue_alert(session: Session, watch: Watch, offers: list, links: MailLinks,
                 now: datetime, channel: PushChannel | None = None) -> bool:
    gettext = gettext_for(watch.locale)
    first = offers[0]
    if len(offers) == 1:
        subject = gettext("%(title)s: %(price)s on Kiosque") % {
            "title": first.title, "price": euros(first.price_cents, watch.locale)}
    else:
        subject = gettext("%(count)d offers for you on Kiosque") % {"count": len(offers)}
    unsubscribe_url = links.unsubscribe_url(watch.id)
    text, html = render_email(
        "watch_alert", watch.locale, watch=watch, watched=watched(session, watch), offers=offers,
        offer_urls={o.release_id: links.offer_url(o.release_id) for o in offers},
        unsubscribe_url=unsubscribe_url, site_url=links.base_url)
    for offer in offers:
        insert_once(session, WatchAlert, {
            "watch_id": watch.id, "release_id": offer.release_id, "reason": "alerted",
            "price_cents": offer.price_cents, "created_at": now}, key=("watch_id", "release_id"))
    watch.last_alerted_at = now
    if channel is not None:
        url = links.offer_url(first.release_id) if len(offers) == 1 else links.base_url + "/"
        summary = ", ".join(f"{o.title} {euros(o.price_cents, watch.locale)}"
                            for o in offers[:3])
        message = Message(key=_key(watch, now), subject=subject, body_text=text,
                          body_html=html, summary=summary, url=url,
                          unsubscribe_url=unsubscribe_url)
        # Commits the alert's records with its claim, then pushes or queues the e-mail.
        return notify(session, watch.email, message, channel=channel, now=now) != "already"
    return queue_email(session, dedup_key=_key(watch, now),
                       to=watch.email, subject=subject, body_text=text, body_html=html,
                       unsubscribe_url=unsubscribe_url, now=now)
