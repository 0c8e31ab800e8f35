"""Sales over time: seats released and sold, orders and revenue for each Paris day.

SQL sums by UTC hour (a Paris day is always a run of whole UTC hours, summer or winter),
Python folds the hours into Paris days: one query shape on SQLite and PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from marketplace.domain.inventory.models import Release
from marketplace.domain.orders.models import Order
from marketplace.domain.timeutil import to_paris
from marketplace.domain.uptake.periods import Period, iso_week, paris_day_bounds
from marketplace.domain.uptake.sales import paid_orders
from marketplace.domain.uptake.sql import roomy, utc_hour

# Beyond three months a chart of days is a blur: show weeks.
MAX_DAILY_POINTS = 92


@dataclass
class TimelinePoint:
    label: str  # '2026-11-20' for a day, '2026-W47' for a week
    first_day: date
    released: int = 0
    sold: int = 0
    orders: int = 0
    revenue_cents: int = 0


def daily_sales(session: Session, start: date, end: date) -> list[TimelinePoint]:
    """One point per Paris day of start..end (days without sales included, at zero)."""
    roomy(session)
    points = {day: TimelinePoint(day.isoformat(), day) for day in Period(start, end).each_day()}
    since, until = paris_day_bounds(start, end)
    sold_hour = utc_hour(Order.paid_at)
    for hour, seats, orders, revenue in session.execute(
            select(sold_hour, func.sum(Order.quantity), func.count(Order.id),
                   func.sum(Order.total_cents))
            .where(*paid_orders(start, end)).group_by(sold_hour)):
        point = points[_paris_day(hour)]
        point.sold += int(seats)
        point.orders += int(orders)
        point.revenue_cents += int(revenue)
    opened_hour = utc_hour(Release.sales_open_at)
    for hour, seats in session.execute(
            select(opened_hour, func.sum(Release.quantity))
            .where(Release.sales_open_at >= since, Release.sales_open_at < until)
            .group_by(opened_hour)):
        points[_paris_day(hour)].released += int(seats)
    return list(points.values())


def sales_over_time(session: Session, start: date, end: date) -> list[TimelinePoint]:
    """Daily points, or weekly ones (ISO weeks, clipped to the period) for long periods."""
    days = daily_sales(session, start, end)
    if len(days) <= MAX_DAILY_POINTS:
        return days
    weeks: dict[str, TimelinePoint] = {}
    for day in days:
        label = iso_week(day.first_day)
        week = weeks.setdefault(label, TimelinePoint(label, day.first_day))
        week.released += day.released
        week.sold += day.sold
        week.orders += day.orders
        week.revenue_cents += day.revenue_cents
    return list(weeks.values())


def _paris_day(hour: str) -> date:
    return to_paris(datetime.strptime(hour, "%Y-%m-%d %H").replace(tzinfo=UTC)).date()
