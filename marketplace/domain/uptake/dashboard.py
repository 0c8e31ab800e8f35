"""Everything the agency's dashboard shows for a period, and the change from the one before."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from marketplace.domain.uptake.periods import Period
from marketplace.domain.uptake.queries import (
    PostcodeLocator,
    UptakeRow,
    region_totals,
    seats,
    uptake,
)
from marketplace.domain.uptake.territories import BuyerTerritories, buyer_territories
from marketplace.domain.uptake.timeline import TimelinePoint, sales_over_time
from marketplace.domain.uptake.timing import TimingBucket, purchase_timing

# The headline figures, in the order shown, with how their change is told:
# count and cents by a ratio, shares and the discount in points, distance in km.
HEADLINE = (
    ("sold", "count"), ("released", "count"), ("sell_through", "share"),
    ("revenue_cents", "cents"), ("face_value_cents", "cents"), ("saved_cents", "cents"),
    ("avg_discount_percent", "points"),
    ("orders", "count"), ("buyers", "count"), ("new_to_venue_share", "share"),
    ("under_30_share", "share"), ("median_buyer_distance_km", "km"),
)


@dataclass(frozen=True)
class HeadlineFigure:
    name: str
    unit: str  # "count", "cents", "share", "points", "km"
    current: float | None
    previous: float | None

    @property
    def change(self) -> float | None:
        """A ratio for counts and money (0.12 = +12 %), points for shares, km for distance."""
        if self.current is None or self.previous is None:
            return None
        if self.unit in ("count", "cents"):
            return round(self.current / self.previous - 1, 4) if self.previous else None
        if self.unit == "share":
            return round(100 * (self.current - self.previous), 1)
        return round(self.current - self.previous, 1)


def headline(current: UptakeRow, previous: UptakeRow) -> list[HeadlineFigure]:
    """The headline figures of two periods side by side."""
    return [HeadlineFigure(name, unit, getattr(current, name), getattr(previous, name))
            for name, unit in HEADLINE]


@dataclass
class Dashboard:
    period: Period
    previous_period: Period
    group_by: str
    totals: UptakeRow
    previous_totals: UptakeRow
    rows: list[UptakeRow]
    disciplines: list[UptakeRow]
    venues: list[UptakeRow]  # seats by venue, for the map
    timeline: list[TimelinePoint]
    timing: list[TimingBucket]
    territories: BuyerTerritories

    @property
    def headline(self) -> list[HeadlineFigure]:
        return headline(self.totals, self.previous_totals)

    @property
    def has_sales(self) -> bool:
        return bool(self.totals.orders or self.totals.released)


def build_dashboard(session: Session, period: Period, group_by: str,
                    locate_postcode: PostcodeLocator) -> Dashboard:
    """Run the dashboard's queries for `period`, its uptake table grouped by `group_by`."""
    previous = period.previous()
    rows = uptake(session, period.start, period.end, group_by, locate_postcode)
    # The discipline chart needs seats only: no buyer counts or distances to compute.
    disciplines = rows if group_by == "discipline" else seats(
        session, period.start, period.end, "discipline")
    venues = rows if group_by == "venue" else seats(session, period.start, period.end, "venue")
    return Dashboard(
        period=period, previous_period=previous, group_by=group_by,
        totals=region_totals(session, period.start, period.end, locate_postcode),
        previous_totals=region_totals(session, previous.start, previous.end, locate_postcode),
        rows=rows, disciplines=disciplines, venues=venues,
        timeline=sales_over_time(session, period.start, period.end),
        timing=purchase_timing(session, period.start, period.end),
        territories=buyer_territories(session, period.start, period.end),
    )
