"""Sales by day of purchase: seats sold, orders and revenue for each Paris day they were paid.

The one view of the dashboard by day of purchase, and labelled so: it takes the orders
paid on each day of the period whatever the date of their performance, so its totals
differ from the rest of the page (about the period's performances). It has no seats
released and no sell-through: those only make sense per performance.

SQL sums by UTC hour (a Paris day is always a run of whole UTC hours, summer or winter),
Python folds the hours into Paris days: one query shape on SQLite and PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from marketplace.domain.orders.models import Order
from marketplace.domain.timeutil import to_paris
from marketplace.domain.uptake.periods import Period, iso_week
from marketplace.domain.uptake.sales import paid_on
from marketplace.domain.uptake.sql import roomy, utc_hour

# Beyond three months a chart of days is a blur: show weeks.
MAX_DAILY_POINTS = 92


@dataclass
class TimelinePoint:
    label: str  # '2026-11-20' for a day, '2026-W47' for a week
    first_day: date
    sold: int = 0
    orders: int = 0
    revenue_cents: int = 0


def daily_sales(session: Session, start: date, end: date) -> list[TimelinePoint]:
    """One point per Paris day of start..end (days without sales included, at zero): the
    sales paid that day, whatever the performance."""
    roomy(session)
    points = {day: TimelinePoint(day.isoformat(), day) for day in Period(start, end).each_day()}
    sold_hour = utc_hour(Order.paid_at)
    for hour, seats, orders, revenue in session.execute(
            select(sold_hour, func.sum(Order.quantity), func.count(Order.id),
                   func.sum(Order.total_cents))
            .where(*paid_on(start, end)).group_by(sold_hour)):
        point = points[_paris_day(hour)]
        point.sold += int(seats)
        point.orders += int(orders)
        point.revenue_cents += int(revenue)
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
        week.sold += day.sold
        week.orders += day.orders
        week.revenue_cents += day.revenue_cents
    return list(weeks.values())


def _paris_day(hour: str) -> date:
    return to_paris(datetime.strptime(hour, "%Y-%m-%d %H").replace(tzinfo=UTC)).date()
