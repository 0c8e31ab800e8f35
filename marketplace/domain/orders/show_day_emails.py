"""The spectator's e-mails around a performance: practical information, then "how was it?".

Both are queued under a fixed key per order (practical:<id>, aftershow:<id>), so a rerun,
a retry or a second scheduler writes nothing new; only paid orders, never erased ones.
An e-mail whose words cannot be written (old data a template chokes on) is recorded as
failed under its key and the others go on. Both come from the selling venue (Reply-To).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta

from sqlalchemy import Select, exists, literal, select
from sqlalchemy.orm import Session, joinedload

from marketplace.domain.catalog.models import Performance
from marketplace.domain.inventory.models import Release
from marketplace.domain.mail.links import MailLinks
from marketplace.domain.mail.mailer import queue_email, record_unwritten
from marketplace.domain.mail.models import OutboundEmail
from marketplace.domain.mail.rendering import gettext_for, paris_datetime, render_email
from marketplace.domain.orders.emails import venue_reply_to
from marketplace.domain.orders.models import Order
from marketplace.domain.timeutil import PARIS, to_paris

PRACTICAL_BEFORE = timedelta(hours=3)
# The after-show e-mail leaves the morning after, from this Paris hour.
AFTERSHOW_FROM = time(9, 0)
# How far back a late scheduler still asks (after a day off, not after a month).
AFTERSHOW_LOOKBACK_DAYS = 2


def queue_practical_emails(session: Session, links: MailLinks, now: datetime) -> int:
    """Queue the practical e-mail of every paid order whose curtain is within 3 hours."""
    orders = session.scalars(
        _reachable_orders("practical:")
        .where(Performance.starts_at > now, Performance.starts_at <= now + PRACTICAL_BEFORE)
    ).unique().all()
    queued = sum(_each(session, f"practical:{order.id}", order, now,
                       lambda order=order: _queue_practical(session, order, links, now))
                 for order in orders)
    session.commit()
    return queued


def queue_aftershow_emails(session: Session, links: MailLinks, now: datetime) -> int:
    """From 09:00 (Paris), queue "how was it?" for the orders of the previous days' curtains."""
    local = to_paris(now)
    if local.time() < AFTERSHOW_FROM:
        return 0
    today = datetime.combine(local.date(), time(0, 0), tzinfo=PARIS)
    since = today - timedelta(days=AFTERSHOW_LOOKBACK_DAYS)
    orders = session.scalars(
        _reachable_orders("aftershow:")
        .where(Performance.starts_at >= since, Performance.starts_at < today)
    ).unique().all()
    queued = sum(_each(session, f"aftershow:{order.id}", order, now,
                       lambda order=order: _queue_aftershow(session, order, links, now))
                 for order in orders)
    session.commit()
    return queued


def _each(session: Session, key: str, order: Order, now: datetime,
          queue: Callable[[], bool]) -> bool:
    """Queue one order's e-mail; one that cannot be written is recorded failed, not raised."""
    try:
        return queue()
    except Exception as error:
        record_unwritten(session, dedup_key=key, to=order.buyer_email, error=error, now=now)
        return False


def _reachable_orders(key_prefix: str) -> Select:
    """Paid, not erased orders of performances still on, with no e-mail under this key yet."""
    already = exists().where(OutboundEmail.dedup_key == literal(key_prefix) + Order.id)
    return (
        select(Order)
        .join(Release, Order.release_id == Release.id)
        .join(Performance, Release.performance_id == Performance.id)
        .where(Order.status == "paid", Order.anonymised_at.is_(None),
               Order.buyer_email.is_not(None), Performance.status == "scheduled", ~already)
        .options(joinedload(Order.release).joinedload(Release.performance))
        .order_by(Order.paid_at, Order.id)
    )


def _context(order: Order) -> dict:
    performance = order.release.performance
    return {"order": order, "performance": performance, "show": performance.show,
            "venue": performance.venue, "release": order.release}


def _queue_practical(session: Session, order: Order, links: MailLinks, now: datetime) -> bool:
    context = _context(order)
    gettext = gettext_for(order.locale)
    subject = gettext("Tonight: %(title)s at %(time)s, getting there") % {
        "title": context["show"].title,
        "time": paris_datetime(context["performance"].starts_at, order.locale, "HH:mm"),
    }
    text, html = render_email("practical", order.locale, **context, site_url=links.base_url)
    return queue_email(session, dedup_key=f"practical:{order.id}", to=order.buyer_email,
                       subject=subject, body_text=text, body_html=html,
                       reply_to=venue_reply_to(order), now=now)


def _queue_aftershow(session: Session, order: Order, links: MailLinks, now: datetime) -> bool:
    context = _context(order)
    gettext = gettext_for(order.locale)
    subject = gettext("How was %(title)s?") % {"title": context["show"].title}
    text, html = render_email(
        "aftershow", order.locale, **context, feedback_url=links.feedback_url(order.id),
        rating_urls=[(n, links.feedback_url(order.id, n)) for n in range(1, 6)],
        site_url=links.base_url,
    )
    return queue_email(session, dedup_key=f"aftershow:{order.id}", to=order.buyer_email,
                       subject=subject, body_text=text, body_html=html,
                       reply_to=venue_reply_to(order), now=now)
