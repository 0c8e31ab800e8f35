"""The waiting list's e-mails: « you are in line » and « seats are held for you »."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from marketplace.domain.catalog.models import Performance, Show, Venue
from marketplace.domain.inventory.line import OfferedSeats
from marketplace.domain.inventory.models import Release, WaitlistEntry
from marketplace.domain.mail.links import MailLinks
from marketplace.domain.mail.mailer import queue_email
from marketplace.domain.mail.rendering import gettext_for, paris_datetime, render_email
from marketplace.domain.push.services import Message, queue_push

if TYPE_CHECKING:
    from marketplace.domain.waitlist.services import EntryState


def queue_joined_email(within: Session, entry: EntryState, offer: Row, email: str,
                       links: MailLinks, now: datetime) -> None:
    """Tell a new entry its place in line, how it works and how to leave (one click)."""
    locale = _locale(within, entry.entry_id)
    text, html = render_email(
        "waitlist_joined", locale, entry=entry, show_title=offer.title,
        venue_name=offer.venue_name, starts_at=offer.starts_at,
        entry_url=links.waitlist_url(entry.entry_id), site_url=links.base_url)
    _ = gettext_for(locale)
    queue_email(within, dedup_key=f"waitlist-joined:{entry.entry_id}:{now.isoformat()}",
                to=email, subject=_("You are on the waiting list"),
                body_text=text, body_html=html, now=now)


def queue_offer_emails(within: Session, offered: list[OfferedSeats], now: datetime,
                       links: MailLinks) -> None:
    """Tell each entry just served that seats are held for it, at what price, until when
    (inventory.line's listener: called in the transaction that held them)."""
    for seats in offered:
        show = _show(within, seats.release_id)
        text, html = render_email(
            "waitlist_offer", seats.locale, seats=seats, show_title=show.title,
            venue_name=show.venue_name, starts_at=show.starts_at,
            total_cents=seats.quantity * seats.unit_price_cents,
            checkout_url=links.checkout_url(seats.hold_id),
            entry_url=links.waitlist_url(seats.entry_id), site_url=links.base_url)
        _ = gettext_for(seats.locale)
        subject = _("Seats are held for you: %(title)s") % {"title": show.title}
        key = f"waitlist-offer:{seats.hold_id}"
        queue_email(within, dedup_key=key, to=seats.email, subject=subject,
                    body_text=text, body_html=html, now=now)
        # Minutes count: the browsers it turned notifications on in hear it at once too.
        queue_push(within, seats.email, Message(
            key=key, subject=subject, body_text=text, url=links.checkout_url(seats.hold_id),
            summary=_("Held for you until %(time)s: tap to buy them.") % {
                "time": paris_datetime(seats.claim_until, seats.locale, "HH:mm")},
            urgency="high"))


def _show(within: Session, release_id: int) -> Row:
    return within.execute(
        select(Show.title, Venue.name.label("venue_name"), Performance.starts_at)
        .join(Performance, Performance.show_id == Show.id)
        .join(Release, Release.performance_id == Performance.id)
        .join(Venue, Venue.id == Release.venue_id)
        .where(Release.id == release_id)).one()


def _locale(within: Session, entry_id: int) -> str:
    return within.scalar(select(WaitlistEntry.locale).where(WaitlistEntry.id == entry_id))
