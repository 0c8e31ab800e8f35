"""The price clock: an offer's public discount schedule drawn as inline SVG, server-side.

No script and a few hundred bytes: it shows on any phone, even without JavaScript. The
geometry is computed here from the schedule; templates/storefront/_price_clock.html
draws it. Labels come through callbacks so that this module stays free of Flask.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from marketplace.domain.pricing import PricePoint
from marketplace.domain.timeutil import to_paris

WIDTH, HEIGHT = 360, 200
LEFT, RIGHT, TOP, BOTTOM = 52, 14, 16, 34
TICK_STEPS_HOURS = (1, 2, 3, 6, 12, 24, 48)
MAX_TICKS = 4
# A tick closer than this share of the width to either end would overlap its label.
TICK_MARGIN = 0.16


@dataclass(frozen=True)
class Tick:
    at: float  # x or y, in viewBox units
    label: str


@dataclass(frozen=True)
class PriceClock:
    width: int
    height: int
    line: str  # SVG path of the price over time
    area: str  # the same, closed down to the axis, for the fill
    now_x: float
    now_y: float
    next_x: float | None
    next_y: float | None
    face_y: float
    floor_y: float
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    left: int = LEFT
    right: int = WIDTH - RIGHT
    top: int = TOP
    bottom: int = HEIGHT - BOTTOM


def price_clock(*, now: datetime, end: datetime, face_price_cents: int, price_cents: int,
                drops: list[PricePoint], every_drop: bool, money: Callable[[int], str],
                clock: Callable[[datetime], str]) -> PriceClock:
    """Draw the price from `now` (at `price_cents`) to `end` through `drops`.

    With `every_drop` the line is the exact staircase; with a thinned list of drops the
    points are joined by straight lines, which is what a linear curve falling by
    ten-cent steps looks like at this size.
    """
    span = max((end - now).total_seconds(), 1.0)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(at: datetime) -> float:
        return round(LEFT + plot_w * min(max((at - now).total_seconds() / span, 0), 1), 1)

    def y(cents: int) -> float:
        return round(TOP + plot_h * (1 - cents / face_price_cents), 1)

    drops = [d for d in drops if now < d.at < end]
    floor = drops[-1].price_cents if drops else price_cents
    path = [f"M{x(now)},{y(price_cents)}"]
    for i, drop in enumerate(drops):
        if every_drop or i == 0:
            path.append(f"H{x(drop.at)}V{y(drop.price_cents)}")
        else:
            path.append(f"L{x(drop.at)},{y(drop.price_cents)}")
    path.append(f"H{x(end)}")
    line = "".join(path)
    bottom = TOP + plot_h
    area = f"{line}V{bottom}H{x(now)}Z"
    first = drops[0] if drops else None
    return PriceClock(
        width=WIDTH, height=HEIGHT, line=line, area=area,
        now_x=x(now), now_y=y(price_cents),
        next_x=x(first.at) if first else None, next_y=y(first.price_cents) if first else None,
        face_y=y(face_price_cents), floor_y=y(floor),
        x_ticks=_time_ticks(now, end, x, clock),
        y_ticks=_price_ticks(face_price_cents, floor, y, money),
    )


def _time_ticks(now: datetime, end: datetime, x: Callable[[datetime], float],
                clock: Callable[[datetime], str]) -> list[Tick]:
    """The two ends, and whole hours in between at a step that leaves room for labels."""
    ticks = [Tick(x(now), clock(now))]
    hours = (end - now).total_seconds() / 3600
    step = next((s for s in TICK_STEPS_HOURS if hours / s <= MAX_TICKS), None)
    if step:
        at = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        while at < end:
            share = (at - now).total_seconds() / 3600 / hours
            if TICK_MARGIN < share < 1 - TICK_MARGIN and to_paris(at).hour % step == 0:
                ticks.append(Tick(x(at), clock(at)))
            at += timedelta(hours=1)
    ticks.append(Tick(x(end), clock(end)))
    return ticks


def _price_ticks(face: int, floor: int, y: Callable[[int], float],
                 money: Callable[[int], str]) -> list[Tick]:
    """The face price, the floor price and zero: the three figures the eye looks for."""
    ticks = [Tick(y(face), money(face))]
    if y(floor) - y(face) > 14:
        ticks.append(Tick(y(floor), money(floor)))
    ticks.append(Tick(y(0), money(0)))
    return ticks
