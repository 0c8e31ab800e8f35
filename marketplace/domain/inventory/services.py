"""Inventory services: releases, holds and the sweep (DESIGN.md rules 1, 2 and 4).

Every function takes the session and `now`, owns its transaction (it commits on success
and rolls back on any failure) and raises domain exceptions with human messages. The
statements that move seats are in marketplace.domain.inventory.seats; the counters, the lock
order and the lock timeout are described in marketplace.domain.inventory.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, bindparam, insert, select
from sqlalchemy.orm import Session, make_transient_to_detached

from marketplace.domain.catalog.models import Performance, Venue
from marketplace.domain.errors import Conflict, NotFound, ValidationFailed
from marketplace.domain.inventory import seats
from marketplace.domain.inventory.client_caps import HoldClient, client_columns, per_offer_caps
from marketplace.domain.inventory.locking import seat_transaction
from marketplace.domain.inventory.models import Hold, Release, new_public_id
from marketplace.domain.inventory.queries import expired_held_seats, seats_left
from marketplace.domain.inventory.terms import MAX_QUANTITY, release_columns
from marketplace.domain.pricing import PriceSchedule, price_at
from marketplace.domain.validation import checked_id, integer

# A hold that found seats on reading but lost them at the guarded UPDATE tries again.
_HOLD_ATTEMPTS = 4
_SWEEP_BATCH = 500


@dataclass(frozen=True)
class SeatCounts:
    """A release's seats at one instant, lapsed holds counted as given back."""

    quantity: int
    sold: int
    held: int
    left: int


# Releases -------------------------------------------------------------------------------


def create_release(session: Session, venue: Venue, data: Mapping[str, Any],
                   now: datetime) -> Release:
    """Put seats of one of the venue's upcoming performances on sale; return the release.

    `data` uses the venue API's names (see marketplace.domain.inventory.terms.release_columns).
    """
    with seat_transaction(session):
        performance = _venue_performance(session, venue, data.get("performance_id"))
        # A statement, not session.add(): seats are written by explicit statements only.
        release = session.scalars(
            insert(Release)
            .values(performance_id=performance.id, venue_id=venue.id, sold=0, held=0,
                    status="open", created_at=now, updated_at=now,
                    **release_columns(data, performance, now))
            .returning(Release)
        ).one()
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
    with seat_transaction(session):
        release = venue_release(session, venue, release_id)
        if not seats.set_quantity(session, release.id, quantity, now):
            counts = count_seats(session, release.id, now)
            raise Conflict(
                "%(sold)d seats are sold and %(held)d held: the quantity cannot go "
                "below %(least)d.",
                code="below_sold_and_held", field="quantity",
                params={"sold": counts.sold, "held": counts.held,
                        "least": counts.sold + counts.held})
    return release


def withdraw_release(session: Session, venue: Venue, release_id: object,
                     now: datetime) -> Release:
    """Stop selling: sold seats and active holds stay, no new hold is granted."""
    with seat_transaction(session):
        release = venue_release(session, venue, release_id)
        seats.withdraw(session, release.id, now)
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
    429 `too_many_seats_held` past its caps (marketplace.domain.inventory.client_caps).
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
            with seat_transaction(session):
                offer = _read_offer(session, offer_id, now)
                if quantity > offer.max_per_order:
                    raise ValidationFailed(
                        "At most %(max)d seats per order for this offer.",
                        field="quantity", params={"max": offer.max_per_order})
                _ensure_on_sale(offer, now)
                if offer.left < quantity:
                    raise _shortage(offer.left)
                return _take_seats(session, offer, quantity, now, ttl_seconds, client)
        except seats.LineFirst:
            with seat_transaction(session):
                seats.serve_lapsed(session, offer_id, now)
        except seats.SeatsMoved:
            continue
    # Each attempt read enough seats and lost them to faster buyers: say what is left now.
    with seat_transaction(session):
        left = count_seats(session, offer_id, now).left
    raise _shortage(left, busy=left >= quantity)


def release_hold(session: Session, hold_id: str, now: datetime) -> bool:
    """Give a hold's seats back at once (to the waiting line first, in the same
    transaction); True if it did, False if they were already back.

    An unknown id is a 404 (`unknown_hold`); a hold already paid for is a 409.
    """
    if not isinstance(hold_id, str) or not 0 < len(hold_id) <= 32:
        raise _unknown_hold()
    with seat_transaction(session):
        if seats.give_back_hold(session, hold_id, now, lapsed_ones_expire=True):
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
        with seat_transaction(session):
            batch = seats.expire_lapsed_holds(session, now, batch_size)
        expired += batch
        if batch < batch_size:
            return expired


def close_ended_releases(session: Session, now: datetime) -> int:
    """Close the open releases whose sales window has ended; return how many (idempotent).

    Sales already refuse holds after `sales_close_at`; this makes the state say so.
    Holds taken before the close stay payable until they lapse.
    """
    with seat_transaction(session):
        return seats.close_ended(session, now)


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
        Release.id, Release.status, Release.max_per_order, Release.quantity,
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
    if offer.status != "open":
        raise Conflict("The venue has stopped selling this offer.", code="sales_closed")
    if offer.performance_status != "scheduled":
        raise Conflict("This performance is cancelled.", code="sales_closed")
    if offer.starts_at <= now:
        raise Conflict("This performance has already started.", code="sales_closed")
    if offer.venue_status != "active":
        raise Conflict("This venue is not selling at the moment.", code="sales_closed")
    if now < offer.sales_open_at:
        raise Conflict("Sales for this offer open at %(opens_at)s.", code="sales_closed",
                       params={"opens_at": offer.sales_open_at.isoformat()})
    if now >= offer.sales_close_at:
        raise Conflict("Sales for this offer are closed.", code="sales_closed")


def _take_seats(session: Session, offer: Row, quantity: int, now: datetime,
                ttl_seconds: int, client: HoldClient | None = None) -> Hold:
    """Lock the price of `now` and take the seats; the hold as written (detached)."""
    schedule = PriceSchedule(
        face_price_cents=offer.face_price_cents, start_discount=offer.start_discount,
        max_discount=offer.max_discount, sales_open_at=offer.sales_open_at,
        max_discount_at=offer.max_discount_at, curve=offer.curve,
        step_minutes=offer.step_minutes,
    )
    values = {
        "id": new_public_id(), "release_id": offer.id, "quantity": quantity,
        "unit_price_cents": price_at(schedule, now),
        "created_at": now, "expires_at": now + timedelta(seconds=ttl_seconds),
        **client_columns(client),
    }
    seats.take_seats(session, values, now, client,
                     offer_caps=per_offer_caps(offer.max_per_order, offer.quantity))
    hold = Hold(**values, status="active", ended_at=None)
    make_transient_to_detached(hold)
    return hold


def _shortage(left: int, *, busy: bool = False) -> Conflict:
    if busy:
        return Conflict("Seats are changing hands right now (%(left)d left); please try again.",
                        code="not_enough_seats", params={"left": left})
    if left <= 0:
        return Conflict("Sold out: every seat of this offer is taken.", code="sold_out")
    if left == 1:
        return Conflict("Only 1 seat is left.", code="not_enough_seats")
    return Conflict("Only %(left)d seats are left.", code="not_enough_seats",
                    params={"left": left})


def _unknown_offer() -> NotFound:
    return NotFound("There is no such offer.", code="unknown_offer", field="offer_id")


def _unknown_release() -> NotFound:
    return NotFound("This venue has no such release.", code="unknown_release")


def _unknown_hold() -> NotFound:
    return NotFound("There is no such hold.", code="unknown_hold")

