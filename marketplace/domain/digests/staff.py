"""Digests: each venue's managers every morning, the agency every Monday.

Keys: digest:<venue_id>:<date>:<user_id> and agency-digest:<user_id>:<ISO week>; a rerun or
a second scheduler finds them taken. Each is written in the person's language, carries a
one-click stop (List-Unsubscribe), and is not written for those who stopped them. One that
cannot be written is recorded failed under its key; the others go on.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from marketplace.domain.accounts.models import Membership, User
from marketplace.domain.catalog.models import Performance, Show, Venue
from marketplace.domain.inventory.models import Release
from marketplace.domain.mail.links import MailLinks
from marketplace.domain.mail.mailer import queue_email, record_unwritten
from marketplace.domain.mail.rendering import gettext_for, known_locale, render_email
from marketplace.domain.offers.offer import Criteria
from marketplace.domain.offers.queries import offers_statement, schedule_of
from marketplace.domain.orders.models import Order
from marketplace.domain.pricing import price_at
from marketplace.domain.timeutil import PARIS, to_paris
from marketplace.domain.uptake.queries import region_postcode_locator, region_totals, uptake

TOP_VENUES = 5


@dataclass(frozen=True)
class SoldLine:
    title: str
    orders: int
    seats: int
    revenue_cents: int


@dataclass(frozen=True)
class TonightLine:
    title: str
    starts_at: datetime
    category: str
    seats_left: int
    price_cents: int


def queue_venue_digests(session: Session, links: MailLinks, now: datetime) -> int:
    """Each venue's managers: what sold yesterday, what is open tonight (when there is any)."""
    today = to_paris(now).date()
    sold, tonight = _sold_on(session, today - timedelta(days=1)), _open_tonight(session, now)
    managers: dict[int, list[User]] = defaultdict(list)
    for venue_id, user in session.execute(
            select(Membership.venue_id, User).join(User, Membership.user_id == User.id)
            .where(Membership.role == "manager", User.active.is_(True),
                   User.digests_stopped_at.is_(None))):
        managers[venue_id].append(user)
    queued = 0
    for venue in session.scalars(select(Venue).where(Venue.id.in_(managers)).order_by(Venue.id)):
        if not (sold.get(venue.id) or tonight.get(venue.id)):
            continue  # nothing to tell: no e-mail
        for user in managers[venue.id]:
            key = f"digest:{venue.id}:{today.isoformat()}:{user.id}"
            try:
                locale = known_locale(user.locale)  # the language they chose
                subject = gettext_for(locale)(
                    "%(venue)s: yesterday's sales, tonight's offers") % {"venue": venue.name}
                stop_url = links.digests_stop_url(user.id)
                text, html = render_email(
                    "digest_venue", locale, venue=venue, user=user, day=today,
                    sold=sold.get(venue.id, []), tonight=tonight.get(venue.id, []),
                    portal_url=f"{links.base_url}/portal", stop_url=stop_url)
                queued += queue_email(session, dedup_key=key, to=user.email, subject=subject,
                                      body_text=text, body_html=html, unsubscribe_url=stop_url,
                                      now=now)
            except Exception as error:
                record_unwritten(session, dedup_key=key, to=user.email, error=error, now=now)
    session.commit()
    return queued


def queue_agency_digests(session: Session, links: MailLinks, now: datetime) -> int:
    """On Mondays, every agency user: last week's uptake headlines for the region."""
    today = to_paris(now).date()
    if today.weekday() != 0:
        return 0
    start, end = today - timedelta(days=7), today - timedelta(days=1)
    year, week, _ = start.isocalendar()
    locate = region_postcode_locator(session)
    totals = region_totals(session, start, end, locate)
    venues = sorted(uptake(session, start, end, "venue", locate),
                    key=lambda row: (-row.sold, row.group))[:TOP_VENUES]
    queued = 0
    for user in session.scalars(select(User).where(User.agency_role.is_not(None),
                                                   User.active.is_(True),
                                                   User.digests_stopped_at.is_(None))
                                .order_by(User.id)):
        key = f"agency-digest:{user.id}:{year}-W{week:02d}"
        try:
            locale = known_locale(user.locale)  # the language they chose
            subject = gettext_for(locale)("Kiosque, week %(week)d: %(sold)d seats sold") % {
                "week": week, "sold": totals.sold}
            stop_url = links.digests_stop_url(user.id)
            text, html = render_email("digest_agency", locale, user=user, totals=totals,
                                      venues=venues, start=start, end=end, week=week,
                                      dashboard_url=f"{links.base_url}/agency",
                                      stop_url=stop_url)
            queued += queue_email(session, dedup_key=key, to=user.email, subject=subject,
                                  body_text=text, body_html=html, unsubscribe_url=stop_url,
                                  now=now)
        except Exception as error:
            record_unwritten(session, dedup_key=key, to=user.email, error=error, now=now)
    session.commit()
    return queued


def _sold_on(session: Session, day: date) -> dict[int, list[SoldLine]]:
    since = datetime.combine(day, time(0, 0), tzinfo=PARIS)
    until = since + timedelta(days=1)
    rows = session.execute(
        select(Order.venue_id, Show.title, func.count(Order.id), func.sum(Order.quantity),
               func.sum(Order.total_cents))
        .join(Release, Order.release_id == Release.id)
        .join(Performance, Release.performance_id == Performance.id)
        .join(Show, Performance.show_id == Show.id)
        .where(Order.status == "paid", Order.paid_at >= since, Order.paid_at < until)
        .group_by(Order.venue_id, Show.title)
        .order_by(Order.venue_id, Show.title))
    sold: dict[int, list[SoldLine]] = defaultdict(list)
    for venue_id, title, orders, seats, revenue in rows:
        sold[venue_id].append(SoldLine(title, orders, int(seats or 0), int(revenue or 0)))
    return sold


def _open_tonight(session: Session, now: datetime) -> dict[int, list[TonightLine]]:
    rows = session.execute(offers_statement(now, Criteria(when="tonight"))
                           .add_columns(Venue.id.label("venue_id"))
                           .order_by(Performance.starts_at, Release.id))
    tonight: dict[int, list[TonightLine]] = defaultdict(list)
    for row in rows:
        tonight[row.venue_id].append(TonightLine(
            row.title, row.starts_at, row.category, row.seats_left,
            price_at(schedule_of(row), now)))
    return tonight
