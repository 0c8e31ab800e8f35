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
# Prices are rounded (half up) to a multiple of this many cents.
PRICE_STEP_CENTS = 10

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
    return _round_half_up(exact / PRICE_STEP_CENTS) * PRICE_STEP_CENTS


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


def discount_estimate(s: PriceSchedule, now: datetime) -> float:
    """Return discount_at as a float (within 1e-12 %): to rank many offers, never to price one."""
    # Exact Fractions cost ~20 µs; ranking thousands of offers needs only their order.
    _check_curve(s)
    if now >= s.max_discount_at:
        return float(s.max_discount)
    if now <= s.sales_open_at:
        return float(s.start_discount)
    elapsed = _micros(now - s.sales_open_at)
    rise = s.max_discount - s.start_discount
    if s.curve == "steps":
        n = _step_count(s)
        return s.start_discount + rise * min(n, elapsed // _step_micros(s)) / n
    return s.start_discount + rise * elapsed / _micros(s.max_discount_at - s.sales_open_at)


def price_at(s: PriceSchedule, now: datetime) -> int:
    """Return the unit price in cents at `now`, a multiple of 10."""
    return _price_for(s, discount_at(s, now))


def discount_percent_at(s: PriceSchedule, now: datetime) -> int:
    """Return the discount as displayed: the exact percent rounded half up."""
    return _round_half_up(discount_at(s, now))


def price_for_discount(s: PriceSchedule, discount: Fraction) -> int:
    """Return the price at a discount found by discount_at (one computation for both figures)."""
    return _price_for(s, discount)


def displayed_percent(discount: Fraction) -> int:
    """Return a discount found by discount_at as displayed (rounded half up)."""
    return _round_half_up(discount)


def _point(s: PriceSchedule, at: datetime) -> PricePoint:
    """Return the price point in force at `at` (one discount computation for both figures)."""
    discount = discount_at(s, at)
    return PricePoint(at=at, price_cents=_price_for(s, discount),
                      discount_percent=_round_half_up(discount))


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


def _first_drop_at(s: PriceSchedule, at: datetime, now: datetime,
                   price_cents: int) -> PricePoint | None:
    """Return the point at `at` if it is the first µs after `now` below `price_cents`."""
    if at <= now:
        return None
    point = _point(s, at)
    before = at - _ONE_MICROSECOND
    if point.price_cents < price_cents and (before <= now or price_at(s, before) >= price_cents):
        return point
    return None


def _settle(s: PriceSchedule, at: datetime, now: datetime, price_cents: int) -> PricePoint:
    """Return the first drop within ±1 µs of `at`, checked with price_at."""
    # The algebra is exact, so `at` should already be right; checking the neighbours
    # costs a few price computations and turns any slip into an error, not a wrong price.
    for candidate in (at, at - _ONE_MICROSECOND, at + _ONE_MICROSECOND):
        point = _first_drop_at(s, candidate, now, price_cents)
        if point is not None:
            return point
    raise ArithmeticError(f"next drop after {now.isoformat()} not found near {at.isoformat()}")


def next_drop(s: PriceSchedule, now: datetime,
              price_now: int | None = None) -> PricePoint | None:
    """Return the first instant after `now` with a lower price, or None if none remains.

    `price_now`, when the caller already has price_at(s, now), saves computing it again.
    """
    # First, so that a bad schedule is reported even after E.
    current = price_at(s, now) if price_now is None else price_now
    if now >= s.max_discount_at:
        return None
    threshold = _drop_threshold(s, current)
    if threshold >= s.max_discount:  # already at the floor price
        return None
    return _settle(s, _first_instant_above(s, threshold), now, current)


def _thin_indices(count: int, limit: int) -> list[int]:
    """Return `limit` evenly spread indices of `count` items, always the first and the last."""
    last, gaps = count - 1, limit - 1
    # Index i × last / gaps rounded half up: distinct because last > gaps.
    return [(2 * i * last + gaps) // (2 * gaps) for i in range(limit)]


class _Drops:
    """Every price drop after `now`, each found directly rather than by walking the ones before.

    The price only takes multiples of 10 cents. Level j (j = 0 … L − 1) is the price
    P − 10(j + 1) below the current price P, down to the floor price; it is first reached
    at a position x_j on the curve (elapsed µs for `linear`, step index for `steps`),
    exactly as next_drop finds it: floor(x_j) + 1 with x_j = share_j × span, where share_j
    grows by the same Δ at each level. Several levels may be reached at the same position
    (a step, or a µs, that skips prices): the drops are the distinct positions. When
    Δ >= 1 each level has its own; when Δ < 1 every whole position between the first
    and the last one is a drop. Either way the i-th drop is a closed formula.
    """

    def __init__(self, s: PriceSchedule, now: datetime) -> None:
        self.s, self.now = s, now
        self.current = price_at(s, now)  # first: a bad schedule fails at any time
        self.count = 0
        if now >= s.max_discount_at or s.max_discount_at == s.sales_open_at:
            # No rise left, or a jump straight to d1 at R: at most one drop, next_drop's.
            self.single = next_drop(s, now)
            self.count = 1 if self.single else 0
            return
        self.single = None
        levels = (self.current - _price_for(s, Fraction(s.max_discount))) // 10
        if levels <= 0:
            return
        if s.curve == "steps":
            self.span = _step_count(s)
        else:
            self.span = _micros(s.max_discount_at - s.sales_open_at)
        rise = s.max_discount - s.start_discount
        self.x0 = (_drop_threshold(s, self.current) - s.start_discount) / rise * self.span
        self.delta = Fraction(1000 * self.span, s.face_price_cents * rise)
        first = math.floor(self.x0)
        if self.delta >= 1:
            self.count = levels
        else:
            self.count = math.floor(self.x0 + (levels - 1) * self.delta) - first + 1

    def position(self, i: int) -> int:
        if self.delta >= 1:
            return math.floor(self.x0 + i * self.delta) + 1
        return math.floor(self.x0) + 1 + i

    def drop(self, i: int) -> PricePoint:
        """Return the i-th drop after `now` (0 is next_drop's), checked against price_at."""
        if self.single is not None:
            return self.single
        s, position = self.s, self.position(i)
        if s.curve == "steps":
            at = (s.max_discount_at if position >= self.span
                  else s.sales_open_at + timedelta(microseconds=position * _step_micros(s)))
        else:
            at = s.sales_open_at + timedelta(microseconds=position)
        point = _point(s, at)
        before = at - _ONE_MICROSECOND
        price_before = self.current if before <= self.now else price_at(s, before)
        # One more price computation turns any slip in the algebra into an error.
        if not (at > self.now and point.price_cents < price_before):
            raise ArithmeticError(f"drop {i} after {self.now.isoformat()} is not at "
                                  f"{at.isoformat()}")
        return point


def drop_count(s: PriceSchedule, now: datetime) -> int:
    """Return how many price drops remain after `now` (without computing them)."""
    return _Drops(s, now).count


def upcoming_schedule(s: PriceSchedule, now: datetime, limit: int = 12) -> list[PricePoint]:
    """Return the price drops after `now` (at most `limit`, evenly spread, first and last kept).

    Computes only the points it returns: a handful of price computations whatever the
    number of 10-cent drops between now and the floor price.
    """
    if limit < 2:
        raise ValueError("limit must be at least 2 (the first and the final drop)")
    drops = _Drops(s, now)
    indices = range(drops.count) if drops.count <= limit else _thin_indices(drops.count, limit)
    return [drops.drop(i) for i in indices]
