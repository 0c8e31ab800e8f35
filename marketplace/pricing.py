"""The discount schedule (DESIGN.md rule 3): pure functions of (schedule, time).

Everything is exact: discounts are Fractions of a percent, money is integer cents,
time is counted in whole microseconds. No floats anywhere, so the price a spectator
is shown, the price a hold locks and the "next drop" the storefront announces agree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction

CURVES = ("linear", "steps")

_ONE_MICROSECOND = timedelta(microseconds=1)
_HALF = Fraction(1, 2)


@dataclass(frozen=True)
class PriceSchedule:
    """A release's discount schedule; validated by the service layer, not here."""

    face_price_cents: int  # > 0
    start_discount: int  # d0, percent, 25 <= d0 <= d1 <= 80
    max_discount: int  # d1
    sales_open_at: datetime  # R, tz-aware
    max_discount_at: datetime  # E, tz-aware, E >= R (E == R: d1 from R on)
    curve: str = "linear"  # one of CURVES
    step_minutes: int | None = None  # required (> 0) for "steps"


@dataclass(frozen=True)
class PricePoint:
    """A price that holds from `at` onwards (until the next drop)."""

    at: datetime
    price_cents: int
    discount_percent: int


def _micros(delta: timedelta) -> int:
    """Return a timedelta as an exact whole number of microseconds."""
    return delta // _ONE_MICROSECOND


def _round_half_up(x: Fraction) -> int:
    """Return x rounded to the nearest integer, halves going up."""
    return math.floor(x + _HALF)


def _price_for(s: PriceSchedule, discount: Fraction) -> int:
    """Return face × (1 − discount/100) rounded half up to the nearest 10 cents."""
    exact = s.face_price_cents * (100 - discount) / 100
    return _round_half_up(exact / 10) * 10


def _step_micros(s: PriceSchedule) -> int:
    """Return the step length of a "steps" schedule in microseconds."""
    if not s.step_minutes or s.step_minutes <= 0:
        raise ValueError("a 'steps' schedule needs step_minutes > 0")
    return s.step_minutes * 60 * 1_000_000


def _step_count(s: PriceSchedule) -> int:
    """Return n = ceil((E − R) / step), the number of equal increments (E > R)."""
    return -(-_micros(s.max_discount_at - s.sales_open_at) // _step_micros(s))


def _check_curve(s: PriceSchedule) -> None:
    """Raise ValueError unless the curve is known and fully described."""
    if s.curve not in CURVES:
        raise ValueError(f"unknown curve {s.curve!r}; expected one of {CURVES}")
    if s.curve == "steps":
        _step_micros(s)


def discount_at(s: PriceSchedule, now: datetime) -> Fraction:
    """Return the exact discount percent at `now`: d0 up to R, d1 from E, rising between."""
    # Check first, so a bad schedule fails at any time, not only while the price moves.
    _check_curve(s)
    d0, d1 = Fraction(s.start_discount), Fraction(s.max_discount)
    # Test E first so that E == R means "d1 from R on", as the schedule promises.
    if now >= s.max_discount_at:
        return d1
    if now <= s.sales_open_at:
        return d0
    elapsed = _micros(now - s.sales_open_at)
    if s.curve == "steps":
        n = _step_count(s)
        return d0 + (d1 - d0) * Fraction(min(n, elapsed // _step_micros(s)), n)
    return d0 + (d1 - d0) * Fraction(elapsed, _micros(s.max_discount_at - s.sales_open_at))


def price_at(s: PriceSchedule, now: datetime) -> int:
    """Return the unit price in cents at `now`, a multiple of 10."""
    return _price_for(s, discount_at(s, now))


def discount_percent_at(s: PriceSchedule, now: datetime) -> int:
    """Return the discount as displayed: the exact percent rounded half up."""
    return _round_half_up(discount_at(s, now))


def _point(s: PriceSchedule, at: datetime) -> PricePoint:
    """Return the price point in force at `at`."""
    return PricePoint(
        at=at, price_cents=price_at(s, at), discount_percent=discount_percent_at(s, at)
    )


def _drop_threshold(s: PriceSchedule, price_cents: int) -> Fraction:
    """Return the discount above which the price rounds to less than `price_cents`."""
    # Rounded price < P  <=>  exact price < P − 5 cents  <=>  discount > 100 − 100(P − 5)/face.
    return 100 - Fraction(100 * (price_cents - 5), s.face_price_cents)


def _first_instant_above(s: PriceSchedule, threshold: Fraction) -> datetime:
    """Return the first microsecond at which the discount exceeds d0 <= threshold < d1."""
    start, end = s.sales_open_at, s.max_discount_at
    if end == start:
        return start
    d0, d1 = s.start_discount, s.max_discount
    share = (threshold - d0) / (d1 - d0)  # in [0, 1): how far along the rise the drop sits
    if s.curve == "steps":
        n = _step_count(s)
        k = math.floor(n * share) + 1  # first step index whose discount is above threshold
        return end if k >= n else start + timedelta(microseconds=k * _step_micros(s))
    # Linear: discount > threshold  <=>  elapsed > share × (E − R); take the next whole µs.
    elapsed = math.floor(share * _micros(end - start)) + 1
    return start + timedelta(microseconds=elapsed)


def _is_first_drop(s: PriceSchedule, at: datetime, now: datetime, price_cents: int) -> bool:
    """Return whether `at` is the first µs after `now` priced below `price_cents`."""
    before = at - _ONE_MICROSECOND
    lower_at = price_at(s, at) < price_cents
    return at > now and lower_at and (before <= now or price_at(s, before) >= price_cents)


def _settle(s: PriceSchedule, at: datetime, now: datetime, price_cents: int) -> datetime:
    """Return the first drop instant within ±1 µs of `at`, checked with price_at."""
    # The algebra is exact, so `at` should already be right; checking the neighbours
    # costs three price computations and turns any slip into an error, not a wrong price.
    for candidate in (at, at - _ONE_MICROSECOND, at + _ONE_MICROSECOND):
        if _is_first_drop(s, candidate, now, price_cents):
            return candidate
    raise ArithmeticError(f"next drop after {now.isoformat()} not found near {at.isoformat()}")


def next_drop(s: PriceSchedule, now: datetime) -> PricePoint | None:
    """Return the first instant after `now` with a lower price, or None if none remains."""
    current = price_at(s, now)  # first, so that a bad schedule is reported even after E
    if now >= s.max_discount_at:
        return None
    threshold = _drop_threshold(s, current)
    if threshold >= s.max_discount:  # already at the floor price
        return None
    at = _first_instant_above(s, threshold)
    return _point(s, _settle(s, at, now, current))


def _thin(points: list[PricePoint], limit: int) -> list[PricePoint]:
    """Return `limit` evenly spread points, always keeping the first and the last."""
    last, gaps = len(points) - 1, limit - 1
    # Index i × last / gaps rounded half up: distinct because last > gaps.
    return [points[(2 * i * last + gaps) // (2 * gaps)] for i in range(limit)]


def upcoming_schedule(s: PriceSchedule, now: datetime, limit: int = 12) -> list[PricePoint]:
    """Return the price drops after `now` (at most `limit`, first and last kept)."""
    if limit < 2:
        raise ValueError("limit must be at least 2 (the first and the final drop)")
    points: list[PricePoint] = []
    drop = next_drop(s, now)
    while drop is not None:
        points.append(drop)
        drop = next_drop(s, drop.at)
    return points if len(points) <= limit else _thin(points, limit)
