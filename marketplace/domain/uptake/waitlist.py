"""Waiting-list demand for the agency: how many joined, were offered seats, bought them.

By venue or discipline, for the performances of a period of Paris days (as the uptake
figures): counts only, no address ever leaves. `served` counts entries that were offered
seats (offered, claimed, or let the offer lapse or gave it back), `claimed` those that
bought them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from marketplace.domain.catalog.models import Performance, Show, Venue
from marketplace.domain.inventory.models import Release, WaitlistEntry
from marketplace.domain.uptake.periods import paris_day_bounds

WAITLIST_GROUPINGS = ("venue", "discipline")


@dataclass(frozen=True)
class WaitlistDemand:
    group: str
    entries: int
    waiting: int
    served: int
    claimed: int

    @property
    def claim_rate(self) -> float | None:
        """Of the entries offered seats, the share that bought them."""
        return round(self.claimed / self.served, 3) if self.served else None

    def as_dict(self) -> dict:
        return {**asdict(self), "claim_rate": self.claim_rate}


def waitlist_demand(session: Session, start: date, end: date,
                    group_by: str = "venue") -> list[WaitlistDemand]:
    """Entries of the lines of performances on Paris days start..end, by group."""
    if group_by not in WAITLIST_GROUPINGS:
        raise ValueError(group_by)
    first, after = paris_day_bounds(start, end)
    key = Venue.slug if group_by == "venue" else Show.discipline
    status = WaitlistEntry.status
    rows = session.execute(
        select(key.label("g"), func.count(),
               func.sum(case((status == "waiting", 1), else_=0)),
               func.sum(case((WaitlistEntry.offered_at.is_not(None), 1), else_=0)),
               func.sum(case((status == "claimed", 1), else_=0)))
        .select_from(WaitlistEntry)
        .join(Release, Release.id == WaitlistEntry.release_id)
        .join(Performance, Performance.id == Release.performance_id)
        .join(Show, Show.id == Performance.show_id)
        .join(Venue, Venue.id == Release.venue_id)
        .where(Performance.starts_at >= first, Performance.starts_at < after)
        .group_by(key).order_by(key)).all()
    return [WaitlistDemand(group=g, entries=n, waiting=int(w or 0), served=int(s or 0),
                           claimed=int(c or 0)) for g, n, w, s, c in rows]
