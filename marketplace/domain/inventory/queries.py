"""Reading inventory: seats left, counting expired holds as given back (rule 4).

Expired holds give their seats back on every read, before any sweep has run: the
stored `held` counter still includes them until the hold path or the sweep reclaims them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, select

from marketplace.domain.catalog.models import Performance, Venue
from marketplace.domain.inventory.models import Hold, Release


def expired_held_seats(now: datetime) -> ColumnElement[int]:
    """Seats of a release still counted in `held` although their hold has lapsed."""
    return (
        select(func.coalesce(func.sum(Hold.quantity), 0))
        .where(Hold.release_id == Release.id, Hold.status == "active", Hold.expires_at <= now)
        .scalar_subquery()
    )


def seats_left(now: datetime) -> ColumnElement[int]:
    """Seats a buyer could hold at `now` (a SQL expression over Release)."""
    return Release.quantity - Release.sold - Release.held + expired_held_seats(now)


def is_on_sale(now: datetime) -> ColumnElement[bool]:
    """Open release, inside its sales window, of a scheduled performance at an active venue.

    Callers must join Performance and Venue.
    """
    return and_(
        Release.status == "open",
        Release.sales_open_at <= now,
        Release.sales_close_at > now,
        Performance.status == "scheduled",
        Venue.status == "active",
    )
