"""The waiting line of a release: seats that come back go to it first (DESIGN.md rule 11).

The hook
--------
Every seat move that puts seats back (a hold given back or lapsed, a sale refunded or
cancelled, a quantity raised: `seats.py`) calls `serve_line` in the same transaction,
right after its UPDATE of the release row. That UPDATE holds the release's row lock
until the commit, so on PostgreSQL the line of one release is served by one
transaction at a time, and each one sees what the one before it committed: the release
row is the line's lock. On SQLite the one writer at a time does the same.

Who is served
-------------
The free seats (quantity − sold − held, as stored) go to the first entry in line (by
arrival) whose quantity fits them, then to the next one that fits what is left, and so
on. An entry that asks for more seats than came back keeps its place: it is skipped
this time, a smaller request behind it may be served, and it is served first as soon
as enough seats are free at once. Seats that fit nobody's request go on public sale
(an entry only waits while there are fewer seats on sale than it asked for: joining
while enough are on sale is refused with `seats_available`).

Serving an entry is three guarded statements: the release's `held += n WHERE free >= n`
(rule 1), the hold's INSERT (the price of `now` locked in it, as for any hold) and the
entry's `waiting → offered WHERE status = 'waiting'` (never offered twice, even if two
servers ever met). The hold's expiry is the entry's `claim_until`: a window that shrinks
as curtain nears (`claim_window`) and never outlasts the sales. Unclaimed, the hold
lapses like any other, and its give-back (the sweep, or the next buyer's hold) serves
the next entry by this same hook. Only the entry's e-mail may check its hold out
(`reserved_email`).

Offers are told about through one listener (`listen_for_offers`), called in the
transaction: the waiting-list package, above inventory, writes the e-mail there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Row, exists, insert, select, update
from sqlalchemy.orm import Session

from marketplace.domain.catalog.models import Performance, Venue
from marketplace.domain.inventory.models import Hold, Release, WaitlistEntry, new_public_id
from marketplace.domain.pricing import PriceSchedule, price_at

_NO_SYNC = {"synchronize_session": False}


@dataclass(frozen=True)
class OfferedSeats:
    """Seats held for one entry of the line, as its e-mail tells them."""

    entry_id: int
    email: str
    locale: str
    release_id: int
    hold_id: str
    quantity: int
    unit_price_cents: int
    claim_until: datetime


OfferListener = Callable[[Session, list[OfferedSeats], datetime], None]
_listener: list[OfferListener] = []


def listen_for_offers(listener: OfferListener | None) -> None:
    """Call `listener` (within the serving transaction) with the entries each serve offered."""
    _listener[:] = [listener] if listener else []


def claim_window(now: datetime, starts_at: datetime, sales_close_at: datetime) -> datetime:
    """When an offer made at `now` lapses: 15 minutes, 10 in the last 6 hours before
    curtain, 5 in the last hour; never after sales close."""
    to_curtain = starts_at - now
    if to_curtain <= timedelta(hours=1):
        window = timedelta(minutes=5)
    elif to_curtain <= timedelta(hours=6):
        window = timedelta(minutes=10)
    else:
        window = timedelta(minutes=15)
    return min(now + window, sales_close_at)


def serve_line(within: Session, release_id: int, now: datetime) -> list[OfferedSeats]:
    """Hold the release's free seats for the first entries in line that fit; return them.

    Called by the seat moves that give seats back, after their UPDATE of the release row
    (which locks the line until the commit). With nobody waiting, one indexed read.
    """
    entry = _first_fitting(within, release_id)
    if entry is None:
        return []
    release = within.execute(_RELEASE_READ.where(Release.id == release_id)).one()
    if not _on_sale(release, now):
        return []  # the line waits (and lapses when sales end)
    claim_until = claim_window(now, release.starts_at, release.sales_close_at)
    price = price_at(_schedule(release), now)
    offered: list[OfferedSeats] = []
    while entry is not None:
        served = _offer(within, release_id, entry, price, claim_until, now)
        if served is None:
            break
        if served is not _SKIPPED:
            offered.append(served)
        # No seat left after this one: nobody else fits, no need to ask.
        more = served is _SKIPPED or entry.free > entry.quantity
        entry = _first_fitting(within, release_id) if more else None
    if offered:
        for listener in _listener:
            listener(within, offered, now)
    return offered


def has_waiting(within: Session, release_id: int) -> bool:
    """Whether anyone waits in the release's line."""
    return within.scalar(select(exists().where(
        WaitlistEntry.release_id == release_id, WaitlistEntry.status == "waiting")))


def end_offers(within: Session, ended: Iterable[tuple[str, str]], now: datetime) -> None:
    """The offers whose holds just ended unpaid end too: `expired` (lapsed) or `left`
    (given back). `ended` gives (hold id, the hold's new status)."""
    by_status: dict[str, list[str]] = {}
    for hold_id, status in ended:
        by_status.setdefault("left" if status == "released" else "expired", []).append(hold_id)
    for status, hold_ids in by_status.items():
        within.execute(
            update(WaitlistEntry)
            .where(WaitlistEntry.hold_id.in_(hold_ids), WaitlistEntry.status == "offered")
            .values(status=status, ended_at=now)
            .execution_options(**_NO_SYNC))


def claim_offer(within: Session, hold_id: str, now: datetime) -> None:
    """The offer whose hold was just paid for is claimed."""
    within.execute(
        update(WaitlistEntry)
        .where(WaitlistEntry.hold_id == hold_id, WaitlistEntry.status == "offered")
        .values(status="claimed", ended_at=now)
        .execution_options(**_NO_SYNC))


def lapse_unserved(within: Session, now: datetime) -> int:
    """Entries still waiting when their release's sales end lapse (`expired`); how many."""
    ended = select(Release.id).where(Release.sales_close_at <= now).scalar_subquery()
    return within.execute(
        update(WaitlistEntry)
        .where(WaitlistEntry.status == "waiting", WaitlistEntry.release_id.in_(ended))
        .values(status="expired", ended_at=now)
        .execution_options(**_NO_SYNC)).rowcount


def lapse_line(within: Session, release_ids, now: datetime) -> None:
    """The lines of releases whose sales stopped (a cancelled performance) lapse."""
    within.execute(
        update(WaitlistEntry)
        .where(WaitlistEntry.status == "waiting", WaitlistEntry.release_id.in_(release_ids))
        .values(status="expired", ended_at=now)
        .execution_options(**_NO_SYNC))


def reserved_email(session: Session, hold_id: str) -> str | None:
    """The e-mail of the entry this hold was offered to (only it may check out), or None."""
    return session.scalar(
        select(WaitlistEntry.email)
        .where(WaitlistEntry.hold_id == hold_id, WaitlistEntry.status == "offered"))


# Internals ------------------------------------------------------------------------------

_RELEASE_READ = (
    select(
        Release.status, Release.sales_open_at, Release.sales_close_at,
        Release.face_price_cents, Release.start_discount, Release.max_discount,
        Release.max_discount_at, Release.curve, Release.step_minutes,
        Performance.status.label("performance_status"), Performance.starts_at,
        Venue.status.label("venue_status"),
    )
    .join(Performance, Performance.id == Release.performance_id)
    .join(Venue, Venue.id == Release.venue_id)
)


def _first_fitting(within: Session, release_id: int) -> Row | None:
    """The first waiting entry (by arrival) whose quantity fits the release's free seats."""
    free = (select(Release.quantity - Release.sold - Release.held)
            .where(Release.id == release_id).scalar_subquery())
    return within.execute(
        select(WaitlistEntry.id, WaitlistEntry.email, WaitlistEntry.locale,
               WaitlistEntry.quantity, free.label("free"))
        .where(WaitlistEntry.release_id == release_id, WaitlistEntry.status == "waiting",
               WaitlistEntry.quantity <= free)
        .order_by(WaitlistEntry.joined_at, WaitlistEntry.id)
        .limit(1)).first()


def _on_sale(release: Row, now: datetime) -> bool:
    return (release.status == "open" and release.performance_status == "scheduled"
            and release.venue_status == "active" and release.starts_at > now
            and release.sales_open_at <= now < release.sales_close_at)


def _schedule(release: Row) -> PriceSchedule:
    return PriceSchedule(
        face_price_cents=release.face_price_cents, start_discount=release.start_discount,
        max_discount=release.max_discount, sales_open_at=release.sales_open_at,
        max_discount_at=release.max_discount_at, curve=release.curve,
        step_minutes=release.step_minutes)


_SKIPPED = object()


def _offer(within: Session, release_id: int, entry: Row, unit_price_cents: int,
           claim_until: datetime, now: datetime) -> OfferedSeats | object | None:
    """Hold the entry's seats and mark it offered: what it was offered, None if the seats
    are not free after all, _SKIPPED if the entry left the line meanwhile."""
    taken = within.execute(
        update(Release)
        .where(Release.id == release_id,
               Release.quantity - Release.sold - Release.held >= entry.quantity)
        .values(held=Release.held + entry.quantity, updated_at=now)
        .returning(Release.id)
        .execution_options(**_NO_SYNC)).first()
    if taken is None:
        return None
    hold_id = new_public_id()
    within.execute(insert(Hold).values(
        id=hold_id, release_id=release_id, quantity=entry.quantity,
        unit_price_cents=unit_price_cents, status="active", created_at=now,
        expires_at=claim_until, ended_at=None))
    offered = within.execute(
        update(WaitlistEntry)
        .where(WaitlistEntry.id == entry.id, WaitlistEntry.status == "waiting")
        .values(status="offered", hold_id=hold_id, offered_at=now, claim_until=claim_until)
        .returning(WaitlistEntry.id)
        .execution_options(**_NO_SYNC)).first()
    if offered is None:  # left the line meanwhile: these seats go to the next one
        within.execute(update(Hold).where(Hold.id == hold_id)
                       .values(status="released", ended_at=now).execution_options(**_NO_SYNC))
        within.execute(update(Release).where(Release.id == release_id)
                       .values(held=Release.held - entry.quantity)
                       .execution_options(**_NO_SYNC))
        return _SKIPPED
    return OfferedSeats(entry_id=entry.id, email=entry.email, locale=entry.locale,
                        release_id=release_id, hold_id=hold_id, quantity=entry.quantity,
                        unit_price_cents=unit_price_cents, claim_until=claim_until)
