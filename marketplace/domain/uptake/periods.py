"""Periods of Paris calendar days: their UTC bounds, their weeks, the period before."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from marketplace.domain.timeutil import PARIS, to_paris, utcnow

MAX_PERIOD_DAYS = 731  # the most days from a period's first day to its last: two years


def paris_day_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """The instants from Paris midnight of `start` to Paris midnight after `end`."""
    return (datetime.combine(start, time(), PARIS),
            datetime.combine(end + timedelta(days=1), time(), PARIS))


def paris_today(now: datetime | None = None) -> date:
    return to_paris(now or utcnow()).date()


@dataclass(frozen=True)
class Period:
    """Paris days `start`..`end`, both included."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period of the same length that ends the day before this one starts."""
        end = self.start - timedelta(days=1)
        return Period(end - timedelta(days=self.days - 1), end)

    def each_day(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range(self.days)]


def iso_week(day: date) -> str:
    """'2026-W47': the ISO week a day belongs to."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_starts(start: date, end: date) -> list[tuple[datetime, str]]:
    """(the instant it starts, 'YYYY-Www') for each ISO week touching start..end, clipped."""
    starts, monday = [], start - timedelta(days=start.weekday())
    while monday <= end:
        first = max(monday, start)
        starts.append((paris_day_bounds(first, first)[0], iso_week(first)))
        monday += timedelta(days=7)
    return starts
