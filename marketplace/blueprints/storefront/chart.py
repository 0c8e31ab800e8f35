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
LEFT, RIGHT, TOP, BOTTOM = 60, 14, 16, 34
TICK_STEPS_HOURS = (1, 2, 3, 6, 12, 24, 48)
MAX_TICKS = 4
# Axis labels are 12 units high (kiosque.css). Their width is not known here, so it is
# bounded: no glyph of a time label ("mar. 20:30", "Tue 20:30") is wider than this share
# of the font size in the sans-serif fonts phones use (DejaVu's digits: 0.64).
LABEL_FONT = 12
CHAR_WIDTH = 0.7 * LABEL_FONT
# Room left between two labels, in viewBox units.
LABEL_GAP = 8


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

    @property
    def x_anchors(self) -> list[str]:
        return anchors(self.x_ticks)


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


def label_width(label: str) -> float:
    """An upper bound of a label's width in viewBox units (see CHAR_WIDTH)."""
    return len(label) * CHAR_WIDTH


def _span(tick: Tick, anchor: str) -> tuple[float, float]:
    """Where a label drawn at `tick` with `anchor` (start, middle, end) lies on the x axis."""
    width = label_width(tick.label)
    left = {"start": tick.at, "middle": tick.at - width / 2, "end": tick.at - width}[anchor]
    return left, left + width


def _apart(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return a[1] + LABEL_GAP <= b[0] or b[1] + LABEL_GAP <= a[0]


def _time_ticks(now: datetime, end: datetime, x: Callable[[datetime], float],
                clock: Callable[[datetime], str]) -> list[Tick]:
    """The two ends, and whole hours in between at the smallest regular step whose labels
    all stand apart (a middle tick that would touch an end's label is left out).

    The labels never overlap whatever the screen's width: the SVG scales as a whole.
    """
    first, last = Tick(x(now), clock(now)), Tick(x(end), clock(end))
    ends = [_span(first, "start"), _span(last, "end")]
    hours = (end - now).total_seconds() / 3600
    for step in TICK_STEPS_HOURS:
        if hours / step > MAX_TICKS + 1:
            continue  # too many whole hours to look at
        middle = [tick for tick in _whole_hours(now, end, step, x, clock)
                  if all(_apart(_span(tick, "middle"), e) for e in ends)]
        spans = [_span(tick, "middle") for tick in middle]
        if len(middle) <= MAX_TICKS and all(
                _apart(a, b) for a, b in zip(spans, spans[1:], strict=False)):
            return [first, *middle, last]
    return [first, last]


def _whole_hours(now: datetime, end: datetime, step: int, x: Callable[[datetime], float],
                 clock: Callable[[datetime], str]) -> list[Tick]:
    """Ticks at the Paris hours that are multiples of `step`, strictly between now and end."""
    ticks = []
    at = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    while at < end:
        if to_paris(at).hour % step == 0:
            ticks.append(Tick(x(at), clock(at)))
        at += timedelta(hours=1)
    return ticks


def anchors(ticks: list[Tick]) -> list[str]:
    """How each time label is anchored: the first starts at its tick, the last ends at it."""
    return ["start" if i == 0 else "end" if i == len(ticks) - 1 else "middle"
            for i in range(len(ticks))]


def labels_apart(ticks: list[Tick]) -> bool:
    """Whether no two time labels touch (what _time_ticks promises; the tests check it)."""
    spans = [_span(tick, anchor) for tick, anchor in zip(ticks, anchors(ticks), strict=True)]
    return all(_apart(a, b) for i, a in enumerate(spans) for b in spans[i + 1:])


def _price_ticks(face: int, floor: int, y: Callable[[int], float],
                 money: Callable[[int], str]) -> list[Tick]:
    """The face price, the floor price and zero: the three figures the eye looks for."""
    ticks = [Tick(y(face), money(face))]
    if y(floor) - y(face) > 14:
        ticks.append(Tick(y(floor), money(floor)))
    ticks.append(Tick(y(0), money(0)))
    return ticks
