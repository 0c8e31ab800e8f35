"""The dashboard's figures as people read them: labelled rows, chart data, CSV tables.

Only aggregates come in (marketplace.domain.uptake); nothing here reads a person's data.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import format_date, get_locale, gettext, ngettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.blueprints.agency.labels import (
    area_label,
    hours_label,
    week_label,
)
from marketplace.domain.catalog.models import Venue
from marketplace.domain.uptake.dashboard import Dashboard, HeadlineFigure, headline
from marketplace.domain.uptake.periods import Period
from marketplace.domain.uptake.queries import (
    MIN_BUYERS,
    PostcodeLocator,
    UptakeRow,
    region_totals,
    uptake,
)
from marketplace.domain.uptake.territories import BuyerTerritories, buyer_territories
from marketplace.domain.uptake.timeline import TimelinePoint, daily_sales
from marketplace.domain.uptake.timing import TimingBucket, purchase_timing
from marketplace.web.vocabulary import discipline_label

TABLES = ("headline", "uptake", "timeline", "timing", "territories")


def venue_names(session: Session) -> dict[str, str]:
    """Venue slug → public name (what the venue grouping shows)."""
    return dict(session.execute(select(Venue.slug, Venue.name)).all())


def sorted_rows(rows: Iterable[UptakeRow], key: str, descending: bool, group_by: str,
                names: dict[str, str]) -> list[UptakeRow]:
    """The uptake table's rows sorted by one column (SORT_KEYS), rows without the figure
    (hidden or none) last whichever the direction, ties by label."""
    def label(row: UptakeRow) -> str:
        return group_label(group_by, row.group, names).casefold()

    ordered = sorted(rows, key=label)
    if key == "group":
        return ordered[::-1] if descending else ordered
    known = [r for r in ordered if r.as_dict()[key] is not None]
    unknown = [r for r in ordered if r.as_dict()[key] is None]
    return sorted(known, key=lambda r: r.as_dict()[key], reverse=descending) + unknown


@dataclass(frozen=True)
class VenuePoint:
    """One marker of the sell-through map: a venue, where it is, its seats (aggregates)."""

    slug: str
    name: str
    lat: float
    lng: float
    released: int
    sold: int
    sell_through: float | None


def venue_points(session: Session, rows: Iterable[UptakeRow]) -> list[VenuePoint]:
    """The venues with seats released in the period, by sell-through, highest first."""
    places = {slug: (name, lat, lng) for slug, name, lat, lng in session.execute(
        select(Venue.slug, Venue.name, Venue.lat, Venue.lng))}
    points = [VenuePoint(r.group, *places[r.group], r.released, r.sold, r.sell_through)
              for r in rows if r.released and r.group in places]
    return sorted(points, key=lambda p: (-(p.sell_through or 0), p.name.casefold()))


def group_label(group_by: str, group: str, names: dict[str, str]) -> str:
    if group_by == "venue":
        return names.get(group, group)
    if group_by == "discipline":
        return discipline_label(group)
    if group_by == "week":
        return week_label(group)
    return area_label(group)


def headline_labels() -> dict[str, str]:
    return {
        "sold": gettext("Seats sold"), "released": gettext("Seats released"),
        "sell_through": gettext("Sell-through"), "revenue_cents": gettext("Revenue"),
        "face_value_cents": gettext("Face value"), "saved_cents": gettext("Saved by buyers"),
        "avg_discount_percent": gettext("Average discount"), "orders": gettext("Orders"),
        "buyers": gettext("Buyers"), "new_to_venue_share": gettext("New to the venue"),
        "under_30_share": gettext("Under 30"),
        "median_buyer_distance_km": gettext("Median distance travelled"),
    }


@dataclass(frozen=True)
class AreaLine:
    label: str
    buyers: int | None
    orders: int
    seats: int
    share: float | None  # of all buyers


def territory_lines(territories: BuyerTerritories, buyers: int) -> list[AreaLine]:
    """The areas shown one by one, then everything else in one line (if anything)."""
    lines = [AreaLine(area_label(a.area), a.buyers, a.orders, a.seats,
                      a.buyers / buyers if buyers else None) for a in territories.areas]
    rest = territories.elsewhere
    if rest.orders:
        shown = territories.elsewhere_buyers
        lines.append(AreaLine(gettext("Elsewhere, smaller areas or unknown"), shown,
                              rest.orders, rest.seats,
                              shown / buyers if shown is not None and buyers else None))
    return lines


def timeline_label(point: TimelinePoint) -> str:
    if "W" in point.label:
        return week_label(point.label)
    return format_date(point.first_day, "EEE d MMM")


def chart_data(dashboard: Dashboard, names: dict[str, str]) -> dict:
    """What agency.js draws, labels translated here (the script holds no words)."""
    disciplines = [r for r in dashboard.disciplines if r.released]
    lines = territory_lines(dashboard.territories, dashboard.totals.buyers)
    return {
        "timeline": {
            "labels": [timeline_label(p) for p in dashboard.timeline],
            "series": [
                {"label": gettext("Seats sold"), "data": [p.sold for p in dashboard.timeline],
                 "kind": "bar"},
                {"label": gettext("Revenue (€)"), "kind": "line", "axis": "right",
                 "data": [round(p.revenue_cents / 100) for p in dashboard.timeline]},
            ],
        },
        "disciplines": {
            "labels": [discipline_label(r.group) for r in disciplines],
            "series": [{"label": gettext("Sell-through (%)"),
                        "data": [round(100 * (r.sell_through or 0), 1) for r in disciplines],
                        "kind": "bar"}],
            "percent": True, "horizontal": True,
        },
        "timing": {
            "labels": [hours_label(b.from_hours, b.to_hours) for b in dashboard.timing],
            "series": [{"label": gettext("Orders"), "data": [b.orders for b in dashboard.timing],
                        "kind": "bar"}],
        },
        "territories": {
            "labels": [line.label for line in lines if line.buyers is not None],
            "series": [{"label": gettext("Buyers"),
                        "data": [line.buyers for line in lines if line.buyers is not None],
                        "kind": "bar"}],
            "horizontal": True,
        },
    }


# CSV ------------------------------------------------------------------------------------------


def csv_value(value: object, digits: int = 2) -> str:
    """A figure as a spreadsheet of the page's language reads it ('0,65' in French)."""
    if value is None:
        return ""
    if isinstance(value, float):
        text = f"{value:.{digits}f}"
        return text.replace(".", ",") if str(get_locale()) == "fr" else text
    return str(value)


def euros(cents: int | None) -> str:
    return csv_value(None if cents is None else cents / 100)


def headline_table(figures: list[HeadlineFigure]) -> tuple[list[str], list[list[str]]]:
    labels = headline_labels()
    header = [gettext("Figure"), gettext("This period"), gettext("Previous period"),
              gettext("Change from before"), gettext("Change is")]
    units = {"count": gettext("a ratio (0.10 = +10 %)"), "cents": gettext("a ratio (0.10 = +10 %)"),
             "share": gettext("percentage points"), "points": gettext("percentage points"),
             "km": gettext("kilometres")}
    rows = []
    for f in figures:
        money = f.unit == "cents"
        rows.append([labels[f.name] + (" (€)" if money else ""),
                     euros(f.current) if money else _share_or_value(f.unit, f.current),
                     euros(f.previous) if money else _share_or_value(f.unit, f.previous),
                     csv_value(f.change, 4 if f.unit in ("count", "cents") else 1),
                     units[f.unit]])
    return header, rows


def _share_or_value(unit: str, value: float | None) -> str:
    return csv_value(value, 4 if unit == "share" else 1)


def uptake_table(rows: Iterable[UptakeRow], group_by: str,
                 names: dict[str, str]) -> tuple[list[str], list[list[str]]]:
    header = [gettext("Group"), gettext("Code"), gettext("Seats released"),
              gettext("Seats sold"), gettext("Sell-through"), gettext("Revenue (€)"),
              gettext("Face value (€)"), gettext("Saved by buyers (€)"),
              gettext("Average discount (%)"), gettext("Orders"), gettext("Buyers"),
              gettext("Share new to the venue"), gettext("Share under 30"),
              gettext("Median distance (km)")]
    body = [[group_label(group_by, r.group, names), r.group, str(r.released), str(r.sold),
             csv_value(r.sell_through, 4), euros(r.revenue_cents), euros(r.face_value_cents),
             euros(r.saved_cents), csv_value(r.avg_discount_percent, 1), str(r.orders),
             str(r.buyers), csv_value(r.new_to_venue_share, 4), csv_value(r.under_30_share, 4),
             csv_value(r.median_buyer_distance_km, 1)] for r in rows]
    return header, body


def timeline_table(points: list[TimelinePoint]) -> tuple[list[str], list[list[str]]]:
    header = [gettext("Day of purchase"), gettext("Seats sold"), gettext("Orders"),
              gettext("Revenue (€)")]
    return header, [[p.label, str(p.sold), str(p.orders), euros(p.revenue_cents)]
                    for p in points]


def timing_table(buckets: list[TimingBucket]) -> tuple[list[str], list[list[str]]]:
    header = [gettext("Bought before curtain"), gettext("From (hours)"), gettext("To (hours)"),
              gettext("Orders"), gettext("Seats")]
    return header, [[hours_label(b.from_hours, b.to_hours), str(b.from_hours),
                     "" if b.to_hours is None else str(b.to_hours), str(b.orders), str(b.seats)]
                    for b in buckets]


def territories_table(territories: BuyerTerritories,
                      buyers: int) -> tuple[list[str], list[list[str]]]:
    header = [gettext("Buyers' territory"), gettext("Buyers"), gettext("Share of buyers"),
              gettext("Orders"), gettext("Seats")]
    return header, [[line.label, "" if line.buyers is None else str(line.buyers),
                     csv_value(line.share, 4), str(line.orders), str(line.seats)]
                    for line in territory_lines(territories, buyers)]


def hidden_note() -> str:
    return ngettext("–* hidden: fewer than %(num)d buyer, so that nobody can be singled out.",
                    "–* hidden: fewer than %(num)d buyers, so that nobody can be singled out.",
                    MIN_BUYERS)


def export_table(session: Session, table: str, period: Period, group_by: str,
                 locate_postcode: PostcodeLocator) -> tuple[list[str], list[list[str]]]:
    """The header and rows of one of TABLES, for the period (the table grouped as asked)."""
    start, end = period.start, period.end
    if table == "headline":
        before = period.previous()
        return headline_table(headline(
            region_totals(session, start, end, locate_postcode),
            region_totals(session, before.start, before.end, locate_postcode)))
    if table == "uptake":
        return uptake_table(uptake(session, start, end, group_by, locate_postcode), group_by,
                            venue_names(session))
    if table == "timeline":  # every day, however long the period: a spreadsheet can sum
        return timeline_table(daily_sales(session, start, end))
    if table == "timing":
        return timing_table(purchase_timing(session, start, end))
    return territories_table(buyer_territories(session, start, end),
                             region_totals(session, start, end, locate_postcode).buyers)
