"""The seat moves of the order path, as guarded UPDATEs (DESIGN.md rules 1 and 4).

These run inside the caller's transaction (they never commit) and follow the lock
order of marketplace.inventory.locking, with the order row in front: an order service
locks its order row first (the guarded UPDATE that claims it), then hold rows, then the
release row. Nothing that locks holds or releases ever waits for an order row, so no
cycle can form.

- sell a held seat:   claim the hold (active → converted), then held -= n, sold += n
- sell without hold:  (the hold lapsed or was given back) lapsed holds reclaimed, then
                      sold += n WHERE quantity - sold - held + reclaimed >= n
- give back a hold:   claim the hold (active → released), then held -= n
- give back a sale:   sold -= n (a refund)
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from marketplace.catalog.models import Performance
from marketplace.inventory.models import Hold, Release

_NO_SYNC = {"synchronize_session": False}


def sell_held_seats(session: Session, hold_id: str, now: datetime) -> bool:
    """Turn a hold that is still counted in `held` into sold seats; False if it is gone.

    A hold whose time ran out but that nobody has reclaimed yet still counts: its seats
    were never given to anyone else. Cancelling a performance ends its holds first, so a
    hold still active here belongs to a performance that was not cancelled before us
    (and one cancelled after us refunds this order with the others).
    """
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
    return True


def sell_seats_without_hold(session: Session, release_id: int, quantity: int,
                            now: datetime) -> bool:
    """Take `quantity` seats for a payment that outlived its hold, if they are still free.

    Only while the release is open and the performance still ahead; False otherwise.
    """
    reclaimed = _reclaim_lapsed_holds(session, release_id, now)
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
        _add_to_held(session, release_id, -reclaimed, now)
    return sold is not None


def give_back_hold(session: Session, hold_id: str, now: datetime) -> bool:
    """End an active hold and put its seats back on sale; False if it had ended already."""
    ended = session.execute(
        update(Hold)
        .where(Hold.id == hold_id, Hold.status == "active")
        .values(status="released", ended_at=now)
        .returning(Hold.release_id, Hold.quantity)
        .execution_options(**_NO_SYNC)
    ).first()
    if ended is None:
        return False
    _add_to_held(session, ended.release_id, -ended.quantity, now)
    return True


def give_back_sold_seats(session: Session, release_id: int, quantity: int,
                         now: datetime) -> None:
    """Count a refunded sale's seats as unsold again (on sale again if the release is open)."""
    session.execute(
        update(Release)
        .where(Release.id == release_id)
        .values(sold=Release.sold - quantity, updated_at=now)
        .execution_options(**_NO_SYNC)
    )


def _reclaim_lapsed_holds(session: Session, release_id: int, now: datetime) -> int:
    """Mark the release's lapsed holds expired; return their seats (the caller moves `held`).

    The same statement as the hold path's: rows another transaction handles are skipped.
    """
    lapsed = (
        select(Hold.id)
        .where(Hold.release_id == release_id, Hold.status == "active", Hold.expires_at <= now)
        .with_for_update(skip_locked=True)
    )
    rows = session.execute(
        update(Hold)
        .where(Hold.id.in_(lapsed), Hold.status == "active")
        .values(status="expired", ended_at=now)
        .returning(Hold.quantity)
        .execution_options(**_NO_SYNC)
    ).scalars()
    return sum(rows)


def _add_to_held(session: Session, release_id: int, seats: int, now: datetime) -> None:
    session.execute(
        update(Release)
        .where(Release.id == release_id)
        .values(held=Release.held + seats, updated_at=now)
        .execution_options(**_NO_SYNC)
    )
