"""Shows and performances as the portal edits them: several dates at once, edits, reading."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from marketplace.domain.accounts.access import can
from marketplace.domain.accounts.models import User
from marketplace.domain.catalog.models import Performance, Show, Venue

# One rule set for show fields, the venue API's (create_performance checks them the same way).
from marketplace.domain.catalog.performances import (
    MAX_SCHEDULE_AHEAD,
    _show_values,
    create_performance,
)
from marketplace.domain.db import transaction
from marketplace.domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from marketplace.domain.inventory.models import Release
from marketplace.domain.validation import MAX_ID, instant

MAX_DATES = 20


def venue_show(session: Session, venue: Venue, show_id: object) -> Show:
    """The venue's own show with that id; anything else is not found."""
    show = session.get(Show, show_id) if _is_id(show_id) else None
    if show is None or show.venue_id != venue.id:
        raise NotFound("The venue has no such show.", code="unknown_show")
    return show


def venue_performance(session: Session, venue: Venue, performance_id: object) -> Performance:
    """The venue's own performance with that id; anything else is not found."""
    performance = session.get(Performance, performance_id) if _is_id(performance_id) else None
    if performance is None or performance.venue_id != venue.id:
        raise NotFound("The venue has no such performance.", code="unknown_performance")
    return performance


def venue_shows(session: Session, venue: Venue) -> list[Show]:
    return list(session.scalars(select(Show).where(Show.venue_id == venue.id)
                                .order_by(Show.title, Show.id)))


def programme(session: Session, venue: Venue, *, start: datetime,
              end: datetime | None = None) -> list[Performance]:
    """The venue's performances from `start` (to `end`), with their show and releases."""
    query = (select(Performance)
             .options(selectinload(Performance.show), selectinload(Performance.releases))
             .where(Performance.venue_id == venue.id, Performance.starts_at >= start))
    if end is not None:
        query = query.where(Performance.starts_at < end)
    return list(session.scalars(query.order_by(Performance.starts_at, Performance.id)))


def schedule_performances(session: Session, venue: Venue, *, actor: User,
                          show_id: object | None, show_fields: Mapping[str, Any],
                          dates: Sequence[object], now: datetime) -> list[Performance]:
    """Schedule a show (an existing one of the venue, or a new one) on several dates at once.

    Every date is checked before anything is written; scheduling the same show at the
    same time twice gives back the existing performance.
    """
    _require_manager(actor, venue)
    if show_id is not None:
        show = venue_show(session, venue, show_id)
        show_fields = {"title": show.title, "discipline": show.discipline}
    else:
        _show_values(show_fields)
    instants = _checked_dates(dates, now)
    return [create_performance(session, venue, show_fields, at, now) for at in instants]


def update_show(session: Session, venue: Venue, *, actor: User, show_id: object,
                fields: Mapping[str, Any], now: datetime) -> Show:
    """Change what the storefront says about a show (title, discipline, description…)."""
    _require_manager(actor, venue)
    with transaction(session):
        show = venue_show(session, venue, show_id)
        for name, value in _show_values(fields).items():
            setattr(show, name, value)
    return show


def reschedule_performance(session: Session, venue: Venue, *, actor: User,
                           performance_id: object, starts_at: object,
                           now: datetime) -> Performance:
    """Move a performance that has nothing on sale yet (a release's window hangs on curtain)."""
    _require_manager(actor, venue)
    (starts_at,) = _checked_dates([starts_at], now, field="starts_at")
    with transaction(session):
        performance = venue_performance(session, venue, performance_id)
        if performance.status != "scheduled":
            raise Conflict("This performance is cancelled.", code="performance_cancelled")
        has_releases = session.scalar(select(Release.id).where(
            Release.performance_id == performance.id).limit(1))
        if has_releases is not None:
            raise Conflict("Seats of this performance are on sale: its time can no longer "
                           "change. Cancel it and schedule a new one.",
                           code="performance_has_releases", field="starts_at")
        performance.starts_at = starts_at
    return performance


def _checked_dates(dates: Sequence[object], now: datetime,
                   field: str = "dates") -> list[datetime]:
    given = [(index, d) for index, d in enumerate(dates) if d is not None]
    if not given:
        raise ValidationFailed("Give at least one date.", field=field)
    if len(given) > MAX_DATES:
        raise ValidationFailed("At most 20 dates at once.", field=field)
    instants = []
    for index, value in given:
        name = field if field == "starts_at" else f"{field}-{index}"
        at = instant(value, name, "The date")
        if at <= now:
            raise ValidationFailed("The performance must start in the future.", field=name)
        if at > now + MAX_SCHEDULE_AHEAD:
            raise ValidationFailed("The performance must start within two years.", field=name)
        instants.append(at)
    return sorted(set(instants))


def _require_manager(user: User, venue: Venue) -> None:
    if not can(user, venue.id, "manage"):
        raise Forbidden("Only a manager of the venue can change its programme.")


def _is_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID
