"""The price clock of a release drawn as an SVG chart: pure geometry, rendered by a template.

The line is the price a spectator would pay at each instant of the sales window, as a
staircase through every drop (prices move by 10-cent steps), so what the manager sees
is exactly what the storefront will charge.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from marketplace.domain.pricing import (
    PricePoint,
    PriceSchedule,
    discount_percent_at,
    price_at,
    upcoming_schedule,
)

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 16, 36
# More drops than this are thinned (first and last kept): a chart is a few hundred pixels.
MAX_POINTS = 240


@dataclass(frozen=True)
class Tick:
    position: float
    at: datetime | None = None
    cents: int | None = None


@dataclass(frozen=True)
class PriceChart:
    width: int
    height: int
    line: str  # SVG path data of the price staircase
    area: str  # the same, closed down to the axis (shaded)
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    plot_left: int
    plot_right: int
    plot_top: int
    plot_bottom: int
    now_x: float | None  # where "now" falls, when inside the window


def price_points(schedule: PriceSchedule, opens_at: datetime, limit: int) -> list[PricePoint]:
    """The price at opening, then drops evenly spread after it, the last one always kept
    (at most `limit` points in all)."""
    first = PricePoint(at=opens_at, price_cents=price_at(schedule, opens_at),
                       discount_percent=discount_percent_at(schedule, opens_at))
    wanted = limit - 1
    drops = upcoming_schedule(schedule, opens_at, limit=wanted + 1)
    if len(drops) > wanted:
        drops = drops[1:]  # thinned: its first point is only seconds after the opening
    return [first, *drops]


def price_chart(schedule: PriceSchedule, opens_at: datetime, closes_at: datetime,
                now: datetime) -> PriceChart:
    """The chart of prices from sales opening to sales closing (`closes_at` > `opens_at`)."""
    span = (closes_at - opens_at) / timedelta(microseconds=1)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top_price = schedule.face_price_cents

    def x(at: datetime) -> float:
        share = (at - opens_at) / timedelta(microseconds=1) / span
        return round(LEFT + plot_w * min(1.0, max(0.0, share)), 1)

    def y(cents: int) -> float:
        return round(TOP + plot_h * (1 - cents / top_price), 1)

    points = [p for p in price_points(schedule, opens_at, MAX_POINTS) if p.at <= closes_at]
    steps = [f"M{x(points[0].at)},{y(points[0].price_cents)}"]
    for point in points[1:]:
        steps.append(f"H{x(point.at)}V{y(point.price_cents)}")
    steps.append(f"H{x(closes_at)}")
    line = "".join(steps)
    bottom = TOP + plot_h
    area = f"{line}V{bottom}H{x(opens_at)}Z"
    prices = sorted({top_price, points[0].price_cents, points[-1].price_cents}, reverse=True)
    y_ticks = [Tick(position=y(c), cents=c) for c in _spread(prices, plot_h, top_price)]
    deepest = min(max(schedule.max_discount_at, opens_at), closes_at)
    x_ticks = [Tick(position=x(at), at=at) for at in _spread_times(
        [opens_at, deepest, closes_at], plot_w, span)]
    return PriceChart(
        width=WIDTH, height=HEIGHT, line=line, area=area, x_ticks=x_ticks, y_ticks=y_ticks,
        plot_left=LEFT, plot_right=WIDTH - RIGHT, plot_top=TOP, plot_bottom=bottom,
        now_x=x(now) if opens_at < now < closes_at else None,
    )


def _spread(prices: list[int], plot_h: int, top: int, min_gap: float = 14) -> list[int]:
    """Price labels far enough apart not to overlap (the highest ones win)."""
    kept: list[int] = []
    for cents in prices:
        if all(abs(cents - k) / top * plot_h >= min_gap for k in kept):
            kept.append(cents)
    return kept


def _spread_times(times: list[datetime], plot_w: int, span: float,
                  min_gap: float = 70) -> list[datetime]:
    kept: list[datetime] = []
    for at in times:
        if all(abs((at - k) / timedelta(microseconds=1)) / span * plot_w >= min_gap
               for k in kept):
            kept.append(at)
    return kept
