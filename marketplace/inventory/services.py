"""Writing inventory: releases, holds and the sweep (DESIGN.md rules 1, 2 and 4).

Every function takes the session and `now`, owns its transaction (it commits on success
and rolls back on any failure) and raises domain exceptions with human messages.

Counters. A release keeps `sold` and `held`; `held` is always exactly the sum of its
active holds, lapsed ones included until they are reclaimed. Each change is one
guarded UPDATE, and the CHECK constraint `sold + held <= quantity` stands behind it:

- place a hold:   held += n      WHERE status = 'open' AND quantity - sold - held >= n
- give one back:  held -= n      (release_hold, the reclaim of lapsed holds, the sweep)
- sell one:       held -= n, sold += n   (for checkout: the hold row first, then this)

Lock order and the SQLite notes are in marketplace.inventory.locking.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, bindparam, case, insert, select, update
from sqlalchemy.orm import Session, make_transient_to_detached

from marketplace.catalog.models import Performance, Venue
from marketplace.errors import Conflict, NotFound, ValidationFailed
from marketplace.inventory.client_caps import HoldClient, check_client_cap, client_columns
from marketplace.inventory.locking import transaction
from marketplace.inventory.models import Hold, Release, new_public_id
from marketplace.inventory.queries import expired_held_seats, seats_left
from marketplace.inventory.terms import MAX_QUANTITY, release_columns
from marketplace.pricing import PriceSchedule, price_at
from marketplace.validation import checked_id, integer

# A hold that found seats on reading but lost them at the guarded UPDATE tries again.
_HOLD_ATTEMPTS = 4
_SWEEP_BATCH = 500
_NO_UPDATE_SYNC = {"synchronize_session": False}


@dataclass(frozen=True)
class SeatCounts:
    """A release's seats at one instant, lapsed holds counted as given back."""

    quantity: int
    sold: int
    held: int
    left: int


class _SeatsMoved(Exception):
    """The guarded UPDATE matched no row although a read just before saw enough seats."""


# Releases -------------------------------------------------------------------------------


def create_release(session: Session, venue: Venue, data: Mapping[str, Any],
                   now: datetime) -> Release:
    """Put seats of one of the venue's upcoming performances on sale; return the release.

    `data` uses the venue API's names (see marketplace.inventory.terms.release_columns).
    """
    with transaction(session):
        performance = _venue_performance(session, venue, data.get("performance_id"))
        release = Release(
            performance_id=performance.id,
            venue_id=venue.id,
            sold=0,
            held=0,
            status="open",
            created_at=now,
            updated_at=now,
            **release_columns(data, performance, now),
        )
        session.add(release)
    return release


def venue_release(session: Session, venue: Venue, release_id: object) -> Release:
    """The venue's own release with that id; anything else is not found (404)."""
    release = session.get(Release, checked_id(release_id, _unknown_release))
    if release is None or release.venue_id != venue.id:
        raise _unknown_release()
    return release


def change_quantity(session: Session, venue: Venue, release_id: object, quantity: object,
                    now: datetime) -> Release:
    """Set the number of seats on sale; never below what is sold and actively held (409)."""
    quantity = integer(quantity, "quantity", "The quantity", 1, MAX_QUANTITY)
    with transaction(session):
        release = venue_release(session, venue, release_id)
        reclaimed = _reclaim_lapsed_holds(session, release.id, now)
        changed = session.execute(
            update(Release)
            .where(Release.id == release.id,
                   Release.sold + Release.held - reclaimed <= quantity)
            .values(quantity=quantity, held=Release.held - reclaimed, updated_at=now)
            .returning(Release.id)
            .execution_options(**_NO_UPDATE_SYNC)
        ).first()
        if changed is None:
            counts = count_seats(session, release.id, now)
            raise Conflict(
                f"{counts.sold} seats are sold and {counts.held} held: the quantity cannot go "
                f"below {counts.sold + counts.held}.",
                code="below_sold_and_held", field="quantity")
    return release


def withdraw_release(session: Session, venue: Venue, release_id: object,
                     now: datetime) -> Release:
    """Stop selling: sold seats and active holds stay, no new hold is granted."""
    with transaction(session):
        release = venue_release(session, venue, release_id)
        session.execute(
            update(Release)
            .where(Release.id == release.id, Release.status == "open")
            .values(status="withdrawn", updated_at=now)
            .execution_options(**_NO_UPDATE_SYNC)
        )
    return release


def count_seats(session: Session, release_id: int, now: datetime) -> SeatCounts:
    """Read the release's counters at `now`, lapsed holds given back (no write)."""
    quantity, sold, held, lapsed = session.execute(
        select(Release.quantity, Release.sold, Release.held, expired_held_seats(now))
        .where(Release.id == release_id)
    ).one()
    held -= lapsed
    return SeatCounts(quantity=quantity, sold=sold, held=held, left=quantity - sold - held)


# Holds ----------------------------------------------------------------------------------


def place_hold(session: Session, offer_id: object, quantity: object, now: datetime,
               ttl_seconds: int, client: HoldClient | None = None) -> Hold:
    """Set `quantity` seats of an offer aside for `ttl_seconds`, at the price of `now`.

    Returns the hold as committed (detached: reading it needs no query). With a `client`,
    429 `too_many_seats_held` past its caps (marketplace.inventory.client_caps).
    """
    if ttl_seconds <= 0:
        raise ValueError("ttl_seconds must be positive")
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise ValidationFailed("The quantity must be a whole number of seats.", field="quantity")
    if quantity < 1:
        raise ValidationFailed("Choose at least 1 seat.", field="quantity")
    offer_id = checked_id(offer_id, _unknown_offer)
    for _attempt in range(_HOLD_ATTEMPTS):
        try:
            with transaction(session):
                offer = _read_offer(session, offer_id, now)
                if quantity > offer.max_per_order:
                    raise ValidationFailed(
                        f"At most {offer.max_per_order} seats per order for this offer.",
                        field="quantity")
                _ensure_on_sale(offer, now)
                if offer.left < quantity:
                    raise _shortage(offer.left)
                return _take_seats(session, offer, quantity, now, ttl_seconds, client)
        except _SeatsMoved:
            continue
    # Each attempt read enough seats and lost them to faster buyers: say what is left now.
    with transaction(session):
        left = count_seats(session, offer_id, now).left
    raise _shortage(left, busy=left >= quantity)


def release_hold(session: Session, hold_id: str, now: datetime) -> bool:
    """Give a hold's seats back at once; True if it did, False if they were already back.

    An unknown id is a 404 (`unknown_hold`); a hold already paid for is a 409.
    """
    if not isinstance(hold_id, str) or not 0 < len(hold_id) <= 32:
        raise _unknown_hold()
    with transaction(session):
        ended = session.execute(
            update(Hold)
            .where(Hold.id == hold_id, Hold.status == "active")
            .values(status=case((Hold.expires_at <= now, "expired"), else_="released"),
                    ended_at=now)
            .returning(Hold.release_id, Hold.quantity)
            .execution_options(**_NO_UPDATE_SYNC)
        ).first()
        if ended is not None:
            _give_back(session, ended.release_id, ended.quantity, now)
            return True
        status = session.scalar(select(Hold.status).where(Hold.id == hold_id))
    if status is None:
        raise _unknown_hold()
    if status == "converted":
        raise Conflict("These seats are paid for; the hold can no longer be released.",
                       code="hold_converted")
    return False


def sweep_expired_holds(session: Session, now: datetime, batch_size: int = _SWEEP_BATCH) -> int:
    """Expire every lapsed hold and give its seats back; return how many holds it expired.

    Idempotent, and safe beside live traffic: holds another transaction is handling are
    skipped (that transaction moves their counters) and left for the next run.
    """
    expired = 0
    while True:
        with transaction(session):
            lapsed = (
                select(Hold.id)
                .where(Hold.status == "active", Hold.expires_at <= now)
                .order_by(Hold.expires_at)
                .limit(batch_size)
                .with_for_update(skip_locked=True)
            )
            rows = session.execute(_expire(lapsed, now, Hold.release_id, Hold.quantity)).all()
            seats_by_release: dict[int, int] = defaultdict(int)
            for release_id, quantity in rows:
                seats_by_release[release_id] += quantity
            for release_id in sorted(seats_by_release):  # one lock order for every sweeper
                _give_back(session, release_id, seats_by_release[release_id], now)
        expired += len(rows)
        if len(rows) < batch_size:
            return expired


def close_ended_releases(session: Session, now: datetime) -> int:
    """Close the open releases whose sales window has ended; return how many (idempotent).

    Sales already refuse holds after `sales_close_at`; this makes the state say so.
    Holds taken before the close stay payable until they lapse.
    """
    with transaction(session):
        closed = session.execute(
            update(Release)
            .where(Release.status == "open", Release.sales_close_at <= now)
            .values(status="closed", updated_at=now)
            .execution_options(**_NO_UPDATE_SYNC)
        )
    return closed.rowcount


# Internals ------------------------------------------------------------------------------


def _venue_performance(session: Session, venue: Venue, performance_id: object) -> Performance:
    def unknown() -> NotFound:
        return NotFound("This venue has no such performance.", code="unknown_performance",
                        field="performance_id")

    performance = session.get(Performance, checked_id(performance_id, unknown))
    if performance is None or performance.venue_id != venue.id:
        raise unknown()
    return performance


# Built once: the hold path is the hottest in the app, and building this expression
# (with its lapsed-holds subquery) cost more than running it.
_NOW = bindparam("now", type_=Hold.expires_at.type)
_OFFER_READ = (
    select(
        Release.id, Release.status, Release.max_per_order,
        Release.sales_open_at, Release.sales_close_at,
        Release.face_price_cents, Release.start_discount, Release.max_discount,
        Release.max_discount_at, Release.curve, Release.step_minutes,
        seats_left(_NOW).label("left"),
        Performance.status.label("performance_status"), Performance.starts_at,
        Venue.status.label("venue_status"),
    )
    .join(Performance, Performance.id == Release.performance_id)
    .join(Venue, Venue.id == Release.venue_id)
    .where(Release.id == bindparam("offer_id"))
)


def _read_offer(session: Session, offer_id: int, now: datetime) -> Row:
    """One read of everything the hold path checks; it may refuse, never grant."""
    offer = session.connection().execute(
        _OFFER_READ, {"offer_id": offer_id, "now": now}
    ).one_or_none()
    if offer is None:
        raise _unknown_offer()
    return offer


def _ensure_on_sale(offer: Row, now: datetime) -> None:
    reason = None
    if offer.status != "open":
        reason = "The venue has stopped selling this offer."
    elif offer.performance_status != "scheduled":
        reason = "This performance is cancelled."
    elif offer.starts_at <= now:
        reason = "This performance has already started."
    elif offer.venue_status != "active":
        reason = "This venue is not selling at the moment."
    elif now < offer.sales_open_at:
        reason = f"Sales for this offer open at {offer.sales_open_at.isoformat()}."
    elif now >= offer.sales_close_at:
        reason = "Sales for this offer are closed."
    if reason:
        raise Conflict(reason, code="sales_closed")


def _take_seats(session: Session, offer: Row, quantity: int, now: datetime,
                ttl_seconds: int, client: HoldClient | None = None) -> Hold:
    """Reclaim lapsed holds, write the hold, then take the seats with one guarded UPDATE."""
    reclaimed = _reclaim_lapsed_holds(session, offer.id, now)
    schedule = PriceSchedule(
        face_price_cents=offer.face_price_cents, start_discount=offer.start_discount,
        max_discount=offer.max_discount, sales_open_at=offer.sales_open_at,
        max_discount_at=offer.max_discount_at, curve=offer.curve,
        step_minutes=offer.step_minutes,
    )
    values = {
        "id": new_public_id(), "release_id": offer.id, "quantity": quantity,
        "unit_price_cents": price_at(schedule, now), "status": "active",
        "created_at": now, "expires_at": now + timedelta(seconds=ttl_seconds),
        "ended_at": None, **client_columns(client),
    }
    # The hold row goes in before the release row is locked: the hot row stays locked
    # only for its UPDATE and the commit.
    session.execute(insert(Hold).values(**values))
    check_client_cap(session, client, now)  # after the INSERT: see its module
    taken = session.execute(
        update(Release)
        .where(
            Release.id == offer.id,
            Release.status == "open",
            Release.sales_open_at <= now,
            Release.sales_close_at > now,
            Release.quantity - Release.sold - Release.held + reclaimed >= quantity,
        )
        .values(held=Release.held - reclaimed + quantity, updated_at=now)
        .returning(Release.id)
        .execution_options(**_NO_UPDATE_SYNC)
    ).first()
    if taken is None:
        raise _SeatsMoved
    hold = Hold(**values)
    make_transient_to_detached(hold)
    return hold


def _reclaim_lapsed_holds(session: Session, release_id: int, now: datetime) -> int:
    """Mark the release's lapsed holds expired; return their seats (the caller moves `held`)."""
    lapsed = (
        select(Hold.id)
        .where(Hold.release_id == release_id, Hold.status == "active", Hold.expires_at <= now)
        .with_for_update(skip_locked=True)
    )
    return sum(session.execute(_expire(lapsed, now, Hold.quantity)).scalars())


def _expire(lapsed, now: datetime, *returning):
    return (
        update(Hold)
        .where(Hold.id.in_(lapsed), Hold.status == "active")
        .values(status="expired", ended_at=now)
        .returning(*returning)
        .execution_options(**_NO_UPDATE_SYNC)
    )


def _give_back(session: Session, release_id: int, seats: int, now: datetime) -> None:
    session.execute(
        update(Release)
        .where(Release.id == release_id)
        .values(held=Release.held - seats, updated_at=now)
        .execution_options(**_NO_UPDATE_SYNC)
    )


def _shortage(left: int, *, busy: bool = False) -> Conflict:
    if busy:
        return Conflict(f"Seats are changing hands right now ({left} left); please try again.",
                        code="not_enough_seats")
    if left <= 0:
        return Conflict("Sold out: every seat of this offer is taken.", code="sold_out")
    seats = "seat is" if left == 1 else "seats are"
    return Conflict(f"Only {left} {seats} left.", code="not_enough_seats")


def _unknown_offer() -> NotFound:
    return NotFound("There is no such offer.", code="unknown_offer", field="offer_id")


def _unknown_release() -> NotFound:
    return NotFound("This venue has no such release.", code="unknown_release")


def _unknown_hold() -> NotFound:
    return NotFound("There is no such hold.", code="unknown_hold")

