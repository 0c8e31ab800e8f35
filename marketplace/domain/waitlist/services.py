"""Waiting lists of sold-out offers: join, see one's place, leave (DESIGN.md rule 11).

Serving the line (seats that come back held for the first entry that fits) is
inventory's: marketplace.domain.inventory.line, called by the seat moves themselves.
Here: what a spectator does. An entry is opened by a signed token (MailLinks), handed
out when joining and in every e-mail about it; a wrong token is the same 404 as an
unknown entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Row, and_, func, or_, select, update
from sqlalchemy.orm import Session

from marketplace.domain.catalog.models import Performance, Show, Venue
from marketplace.domain.db import insert_once, transaction
from marketplace.domain.errors import Conflict, NotFound, ValidationFailed
from marketplace.domain.inventory.models import Hold, Release, WaitlistEntry
from marketplace.domain.inventory.queries import seats_left
from marketplace.domain.inventory.services import release_hold
from marketplace.domain.mail.links import MailLinks
from marketplace.domain.mail.rendering import known_locale
from marketplace.domain.orders.checkout import checked_email
from marketplace.domain.validation import checked_id
from marketplace.domain.waitlist.emails import queue_joined_email

_NO_SYNC = {"synchronize_session": False}
# Statuses an entry can join again from (the row is reused: one per e-mail and offer).
_OVER = ("left", "expired", "claimed")


@dataclass(frozen=True)
class EntryState:
    """An entry as its owner sees it."""

    entry_id: int
    offer_id: int
    status: str
    position: int | None
    quantity: int
    hold_id: str | None
    claim_until: datetime | None
    token: str


def join_waitlist(session: Session, offer_id: object, fields: dict, links: MailLinks,
                  now: datetime, *, locale: str = "fr") -> EntryState:
    """Put an e-mail in line for a sold-out offer and send it the confirmation; commits.

    404 `unknown_offer`; 409 `sales_closed`, `seats_available` (enough seats are on sale:
    buy them), `already_waiting`; 422 for the e-mail or the quantity.
    """
    offer_id = checked_id(offer_id, _unknown_offer)
    email = checked_email(fields.get("email"))
    offer = _read_offer(session, offer_id, now)
    quantity = _quantity(fields.get("quantity"), offer.max_per_order)
    _ensure_on_sale(offer, now)
    if offer.left >= quantity:
        raise _seats_available(offer.left)
    with transaction(session):
        entry_id = _enter(session, offer_id, email, quantity, known_locale(locale), now)
        # The release row is the line's lock (inventory.line): a join waits for seats being
        # served, then sees whether they went on sale instead.
        session.execute(select(Release.id).where(Release.id == offer_id).with_for_update())
        left = session.scalar(select(seats_left(now)).where(Release.id == offer_id))
        if left >= quantity:
            raise _seats_available(left)
        state = _state(session, entry_id, links, now)
        queue_joined_email(session, state, offer, email, links, now)
    return state


def entry_state(session: Session, entry_id: object, token: object, links: MailLinks,
                now: datetime) -> EntryState:
    """The entry the token opens, as it stands at `now` (404 otherwise)."""
    return _state(session, _opened(entry_id, token, links), links, now)


def leave_waitlist(session: Session, entry_id: object, token: object, links: MailLinks,
                   now: datetime) -> EntryState:
    """Leave the line; seats being offered go to the next in line. Again: nothing more."""
    entry_id = _opened(entry_id, token, links)
    with transaction(session):
        left = session.execute(
            update(WaitlistEntry)
            .where(WaitlistEntry.id == entry_id, WaitlistEntry.status == "waiting")
            .values(status="left", ended_at=now)
            .execution_options(**_NO_SYNC)).rowcount
        hold_id = None if left else session.scalar(
            select(WaitlistEntry.hold_id)
            .where(WaitlistEntry.id == entry_id, WaitlistEntry.status == "offered"))
    if hold_id is not None:
        release_hold(session, hold_id, now)  # the entry ends `left`, the next one is served
    return _state(session, entry_id, links, now)


def entries_of(session: Session, email: str) -> list[Row]:
    """Every waiting-list entry of an address, with its show, for /mes-donnees."""
    return list(session.execute(
        select(WaitlistEntry.id, WaitlistEntry.status, WaitlistEntry.quantity,
               WaitlistEntry.joined_at, Show.title, Venue.name.label("venue_name"),
               Performance.starts_at)
        .join(Release, Release.id == WaitlistEntry.release_id)
        .join(Performance, Performance.id == Release.performance_id)
        .join(Show, Show.id == Performance.show_id)
        .join(Venue, Venue.id == Release.venue_id)
        .where(WaitlistEntry.email == email)
        .order_by(WaitlistEntry.joined_at.desc())))


# Internals ------------------------------------------------------------------------------


def _enter(session: Session, release_id: int, email: str, quantity: int, locale: str,
           now: datetime) -> int:
    """Write the entry (first statement: a write), or take a finished one back in line."""
    values = {"release_id": release_id, "email": email, "quantity": quantity,
              "locale": locale, "status": "waiting", "joined_at": now}
    if insert_once(session, WaitlistEntry, values, key=("release_id", "email")):
        return session.scalar(select(WaitlistEntry.id).where(
            WaitlistEntry.release_id == release_id, WaitlistEntry.email == email))
    again = session.execute(
        update(WaitlistEntry)
        .where(WaitlistEntry.release_id == release_id, WaitlistEntry.email == email,
               WaitlistEntry.status.in_(_OVER))
        .values(**values, hold_id=None, offered_at=None, claim_until=None, ended_at=None)
        .returning(WaitlistEntry.id)
        .execution_options(**_NO_SYNC)).first()
    if again is None:
        raise Conflict("This e-mail address is already on the waiting list of this offer.",
                       code="already_waiting", field="email")
    return again.id


def _state(session: Session, entry_id: int, links: MailLinks, now: datetime) -> EntryState:
    row = session.execute(
        select(WaitlistEntry, Hold.status.label("hold_status"), Hold.expires_at,
               Release.sales_close_at)
        .join(Release, Release.id == WaitlistEntry.release_id)
        .outerjoin(Hold, Hold.id == WaitlistEntry.hold_id)
        .where(WaitlistEntry.id == entry_id)).one_or_none()
    if row is None:
        raise _unknown_entry()
    entry = row.WaitlistEntry
    status = _status_now(entry.status, row.hold_status, row.expires_at, row.sales_close_at,
                         now)
    position = _position(session, entry) if status == "waiting" else None
    offered = status in ("offered", "claimed")
    return EntryState(entry_id=entry.id, offer_id=entry.release_id, status=status,
                      position=position, quantity=entry.quantity,
                      hold_id=entry.hold_id if offered else None,
                      claim_until=entry.claim_until if status == "offered" else None,
                      token=links.waitlist_token(entry.id))


def _status_now(status: str, hold_status: str | None, expires_at: datetime | None,
                sales_close_at: datetime, now: datetime) -> str:
    """The stored status, with what time alone changed and no job has recorded yet."""
    if status == "waiting" and sales_close_at <= now:
        return "expired"  # never served before sales ended
    if status == "offered":
        if hold_status == "converted":
            return "claimed"
        if hold_status != "active" or (expires_at is not None and expires_at <= now):
            return "expired"
    return status


def _position(session: Session, entry: WaitlistEntry) -> int:
    """1 for the first in line: waiting entries of the offer that arrived before, plus one."""
    return session.scalar(
        select(func.count()).select_from(WaitlistEntry)
        .where(WaitlistEntry.release_id == entry.release_id,
               WaitlistEntry.status == "waiting",
               or_(WaitlistEntry.joined_at < entry.joined_at,
                   and_(WaitlistEntry.joined_at == entry.joined_at,
                        WaitlistEntry.id <= entry.id)))) or 1


def _opened(entry_id: object, token: object, links: MailLinks) -> int:
    entry_id = checked_id(entry_id, _unknown_entry)
    if links.waitlist_entry(token) != entry_id:
        raise _unknown_entry()
    return entry_id


_OFFER_READ = (
    select(
        Release.id, Release.status, Release.max_per_order, Release.sales_open_at,
        Release.sales_close_at, Performance.status.label("performance_status"),
        Performance.starts_at, Venue.status.label("venue_status"),
        Venue.name.label("venue_name"), Show.title,
    )
    .join(Performance, Performance.id == Release.performance_id)
    .join(Show, Show.id == Performance.show_id)
    .join(Venue, Venue.id == Release.venue_id)
)


def _read_offer(session: Session, offer_id: int, now: datetime) -> Row:
    offer = session.execute(
        _OFFER_READ.add_columns(seats_left(now).label("left")).where(Release.id == offer_id)
    ).one_or_none()
    if offer is None:
        raise _unknown_offer()
    return offer


def _quantity(value: object, max_per_order: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationFailed("The quantity must be a whole number of seats.", field="quantity")
    if value < 1:
        raise ValidationFailed("Choose at least 1 seat.", field="quantity")
    if value > max_per_order:
        raise ValidationFailed("At most %(max)d seats per order for this offer.",
                               field="quantity", params={"max": max_per_order})
    return value


def _ensure_on_sale(offer: Row, now: datetime) -> None:
    if (offer.status != "open" or offer.performance_status != "scheduled"
            or offer.venue_status != "active" or offer.starts_at <= now
            or not offer.sales_open_at <= now < offer.sales_close_at):
        raise Conflict("Sales for this offer are closed.", code="sales_closed")


def _seats_available(left: int) -> Conflict:
    return Conflict("Seats are on sale for this offer (%(left)d left): buy them instead of "
                    "waiting.", code="seats_available", params={"left": left})


def _unknown_offer() -> NotFound:
    return NotFound("There is no such offer.", code="unknown_offer", field="offer_id")


def _unknown_entry() -> NotFound:
    return NotFound("There is no such waiting-list entry.", code="unknown_entry")


def entry_email(session: Session, entry_id: int) -> str | None:
    """The address an entry belongs to (its page offers notifications to that address)."""
    return session.scalar(select(WaitlistEntry.email).where(WaitlistEntry.id == entry_id))
