"""Seat moves: every statement that changes `releases.sold`, `releases.held`,
`releases.quantity`, a release's selling status or a hold's status.

Each function runs inside its caller's transaction (it never commits), bounds that
transaction's lock waits, issues guarded statements in the lock order of
marketplace.domain.inventory, and leaves `held` equal to the seats of the release's active
holds whatever it returns. The services of this package
and the order services (payment confirmation, refunds, cancellation) call them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import case, insert, select, update
from sqlalchemy.orm import Session

from marketplace.domain.catalog.models import Performance
from marketplace.domain.inventory import line
from marketplace.domain.inventory.client_caps import HoldClient, check_client_cap
from marketplace.domain.inventory.locking import bound_lock_waits
from marketplace.domain.inventory.models import Hold, Release

_NO_SYNC = {"synchronize_session": False}


class SeatsMoved(Exception):
    """The guarded UPDATE found fewer seats than a read just before; the hold row written
    in this transaction must go: the caller rolls back (domain.db's transaction() does)."""


class LineFirst(SeatsMoved):
    """The seats this hold would take include lapsed holds' seats, and people wait for
    them in line: they go to the line first (`serve_lapsed`, its own transaction), then
    the buyer tries again with what is left."""


# Taking seats ---------------------------------------------------------------------------


def take_seats(session: Session, hold: Mapping[str, Any], now: datetime,
               client: HoldClient | None = None, *,
               offer_caps: dict[str, int] | None = None) -> None:
    """Write an active hold and count its seats in `held`, if the release still has them.

    `hold` holds the new row's values (id, release_id, quantity, unit_price_cents,
    created_at, expires_at, the client's keys). Raises SeatsMoved when the seats are not
    there (any more), RateLimited when `client` would hold more than its caps.
    """
    bound_lock_waits(session)
    release_id, quantity = hold["release_id"], hold["quantity"]
    reclaimed = reclaim_lapsed_holds(session, release_id, now)
    if reclaimed and line.has_waiting(session, release_id):
        raise LineFirst  # rolled back: the lapsed holds are reclaimed for the line instead
    # The hold row goes in before the release row is locked: the hot row stays locked
    # only for its UPDATE and the commit.
    session.execute(insert(Hold).values(**hold, status="active", ended_at=None))
    check_client_cap(session, client, now, release_id=release_id,
                     offer_caps=offer_caps)  # after the INSERT: see client_caps
    taken = session.execute(
        update(Release)
        .where(
            Release.id == release_id,
            Release.status == "open",
            Release.sales_open_at <= now,
            Release.sales_close_at > now,
            Release.quantity - Release.sold - Release.held + reclaimed >= quantity,
        )
        .values(held=Release.held - reclaimed + quantity, updated_at=now)
        .returning(Release.id)
        .execution_options(**_NO_SYNC)
    ).first()
    if taken is None:
        raise SeatsMoved


def reclaim_lapsed_holds(session: Session, release_id: int, now: datetime) -> int:
    """Mark the release's lapsed holds expired; return their seats (the caller moves `held`
    in its own guarded UPDATE). Rows another transaction handles are skipped."""
    bound_lock_waits(session)
    lapsed = (
        select(Hold.id)
        .where(Hold.release_id == release_id, Hold.status == "active", Hold.expires_at <= now)
        .with_for_update(skip_locked=True)
    )
    rows = session.execute(_expire(lapsed, now, Hold.id, Hold.quantity)).all()
    if rows:
        line.end_offers(session, ((hold_id, "expired") for hold_id, _ in rows), now)
    return sum(quantity for _, quantity in rows)


def serve_lapsed(session: Session, release_id: int, now: datetime) -> None:
    """Reclaim the release's lapsed holds and give their seats to its line (LineFirst)."""
    reclaimed = reclaim_lapsed_holds(session, release_id, now)
    if reclaimed:
        _give_back(session, release_id, reclaimed, now)


# Selling --------------------------------------------------------------------------------


def sell_held_seats(session: Session, hold_id: str, now: datetime) -> bool:
    """Turn a hold that is still counted in `held` into sold seats; False if it is gone.

    A hold whose time ran out but that nobody has reclaimed yet still counts: its seats
    were never given to anyone else. Stopping sales ends a performance's holds first, so
    a hold still active here belongs to a performance that was not cancelled before us
    (and one cancelled after us refunds this order with the others).
    """
    bound_lock_waits(session)
    claimed = session.execute(
        update(Hold)
        .where(Hold.id == hold_id, Hold.status == "active")
        .values(status="converted", ended_at=now)
        .returning(Hold.release_id, Hold.quantity)
        .execution_options(**_NO_SYNC)
    ).first()
    if claimed is None:
        return False
    release_id, quantity = claimed
    session.execute(
        update(Release)
        .where(Release.id == release_id)
        .values(held=Release.held - quantity, sold=Release.sold + quantity, updated_at=now)
        .execution_options(**_NO_SYNC)
    )
    line.claim_offer(session, hold_id, now)
    return True


def sell_seats_without_hold(session: Session, release_id: int, quantity: int,
                            now: datetime) -> bool:
    """Take `quantity` seats for a payment that outlived its hold, if they are still free.

    Only while the release is open and the performance still ahead; False otherwise.
    """
    bound_lock_waits(session)
    reclaimed = reclaim_lapsed_holds(session, release_id, now)
    scheduled = (
        select(Performance.id)
        .where(Performance.id == Release.performance_id, Performance.status == "scheduled",
               Performance.starts_at > now)
        .exists()
    )
    sold = session.execute(
        update(Release)
        .where(Release.id == release_id, Release.status == "open", scheduled,
               Release.quantity - Release.sold - Release.held + reclaimed >= quantity)
        .values(sold=Release.sold + quantity, held=Release.held - reclaimed, updated_at=now)
        .returning(Release.id)
        .execution_options(**_NO_SYNC)
    ).first()
    if sold is None and reclaimed:
        _give_back(session, release_id, reclaimed, now)
    elif reclaimed:
        line.serve_line(session, release_id, now)  # what this payment did not need
    return sold is not None


# Giving back ----------------------------------------------------------------------------


def give_back_hold(session: Session, hold_id: str, now: datetime, *,
                   lapsed_ones_expire: bool = False) -> bool:
    """End an active hold and put its seats back on sale; False if it had ended already.

    The hold ends `released`; with `lapsed_ones_expire`, one whose time had run out ends
    `expired` (the buyer let go of seats that were already theirs no more).
    """
    bound_lock_waits(session)
    status = case((Hold.expires_at <= now, "expired"), else_="released") \
        if lapsed_ones_expire else "released"
    ended = session.execute(
        update(Hold)
        .where(Hold.id == hold_id, Hold.status == "active")
        .values(status=status, ended_at=now)
        .returning(Hold.release_id, Hold.quantity, Hold.status)
        .execution_options(**_NO_SYNC)
    ).first()
    if ended is None:
        return False
    line.end_offers(session, [(hold_id, ended.status)], now)
    _give_back(session, ended.release_id, ended.quantity, now)
    return True


def give_back_sold_seats(session: Session, release_id: int, quantity: int,
                         now: datetime) -> None:
    """Count a refunded sale's seats as unsold again: to the line first, then on sale
    again if the release is open."""
    bound_lock_waits(session)
    session.execute(
        update(Release)
        .where(Release.id == release_id)
        .values(sold=Release.sold - quantity, updated_at=now)
        .execution_options(**_NO_SYNC)
    )
    line.serve_line(session, release_id, now)


def expire_lapsed_holds(session: Session, now: datetime, limit: int) -> int:
    """Expire up to `limit` lapsed holds of any release, seats back; return how many.

    Holds another transaction is handling are skipped (that transaction moves their
    counters); releases are then locked by ascending id, the same order for every sweeper.
    """
    bound_lock_waits(session)
    lapsed = (
        select(Hold.id)
        .where(Hold.status == "active", Hold.expires_at <= now)
        .order_by(Hold.expires_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    rows = session.execute(
        _expire(lapsed, now, Hold.id, Hold.release_id, Hold.quantity)).all()
    if rows:
        line.end_offers(session, ((row.id, "expired") for row in rows), now)
    _give_back_by_release(session, [(row.release_id, row.quantity) for row in rows], now)
    return len(rows)


# Changing what is on sale ---------------------------------------------------------------


def set_quantity(session: Session, release_id: int, quantity: int, now: datetime) -> bool:
    """Put `quantity` seats on sale, unless fewer than sold + actively held; True if done."""
    bound_lock_waits(session)
    reclaimed = reclaim_lapsed_holds(session, release_id, now)
    changed = session.execute(
        update(Release)
        .where(Release.id == release_id,
               Release.sold + Release.held - reclaimed <= quantity)
        .values(quantity=quantity, held=Release.held - reclaimed, updated_at=now)
        .returning(Release.id)
        .execution_options(**_NO_SYNC)
    ).first()
    if changed is None and reclaimed:
        _give_back(session, release_id, reclaimed, now)
    elif changed is not None:
        line.serve_line(session, release_id, now)  # raised, or lapsed seats reclaimed
    return changed is not None


def withdraw(session: Session, release_id: int, now: datetime) -> None:
    """Stop granting holds on an open release; sold seats and active holds stay."""
    bound_lock_waits(session)
    session.execute(
        update(Release)
        .where(Release.id == release_id, Release.status == "open")
        .values(status="withdrawn", updated_at=now)
        .execution_options(**_NO_SYNC)
    )


def close_ended(session: Session, now: datetime) -> int:
    """Close the open releases whose sales window has ended; return how many."""
    bound_lock_waits(session)
    closed = session.execute(
        update(Release)
        .where(Release.status == "open", Release.sales_close_at <= now)
        .values(status="closed", updated_at=now)
        .execution_options(**_NO_SYNC)
    ).rowcount
    line.lapse_unserved(session, now)  # nobody waits for seats that can no longer be sold
    return closed


def stop_sales(session: Session, performance_id: int, now: datetime) -> None:
    """End every active hold of the performance's releases (seats back) and close them.

    For a cancelled performance: the caller has ended its pending orders first (order
    rows come before hold rows in the lock order) and marks the performance afterwards.
    """
    bound_lock_waits(session)
    release_ids = select(Release.id).where(Release.performance_id == performance_id)
    ended = session.execute(
        update(Hold)
        .where(Hold.release_id.in_(release_ids), Hold.status == "active")
        .values(status="released", ended_at=now)
        .returning(Hold.id, Hold.release_id, Hold.quantity)
        .execution_options(**_NO_SYNC)
    ).all()
    if ended:
        line.end_offers(session, ((row.id, "expired") for row in ended), now)
    _give_back_by_release(session, [(row.release_id, row.quantity) for row in ended], now,
                          serve=False)
    line.lapse_line(session, release_ids, now)
    session.execute(
        update(Release)
        .where(Release.performance_id == performance_id, Release.status != "closed")
        .values(status="closed", updated_at=now)
        .execution_options(**_NO_SYNC)
    )


# Internals ------------------------------------------------------------------------------


def _expire(lapsed, now: datetime, *returning):
    return (
        update(Hold)
        .where(Hold.id.in_(lapsed), Hold.status == "active")
        .values(status="expired", ended_at=now)
        .returning(*returning)
        .execution_options(**_NO_SYNC)
    )


def _give_back_by_release(session: Session, ended, now: datetime, *,
                          serve: bool = True) -> None:
    """Give back the seats of ended holds, given as (release_id, quantity) rows."""
    seats_by_release: dict[int, int] = defaultdict(int)
    for release_id, quantity in ended:
        seats_by_release[release_id] += quantity
    for release_id in sorted(seats_by_release):  # one lock order for every writer
        _give_back(session, release_id, seats_by_release[release_id], now, serve=serve)


def _give_back(session: Session, release_id: int, seats: int, now: datetime, *,
               serve: bool = True) -> None:
    """Seats back: `held -= seats`, then (the release row now locked) to the line first."""
    session.execute(
        update(Release)
        .where(Release.id == release_id)
        .values(held=Release.held - seats, updated_at=now)
        .execution_options(**_NO_SYNC)
    )
    if serve:
        line.serve_line(session, release_id, now)
