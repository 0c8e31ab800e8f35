"""Tests for the discount schedule (DESIGN.md rule 3), marketplace/domain/pricing.py.

Self-contained: no conftest fixtures. The property tests recompute the rule with
their own Fraction arithmetic rather than trusting the module's helpers.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import marketplace.domain.pricing as pricing
from marketplace.domain.pricing import (
    PricePoint,
    PriceSchedule,
    discount_at,
    discount_estimate,
    discount_percent_at,
    displayed_percent,
    drop_count,
    next_drop,
    price_at,
    price_for_discount,
    upcoming_schedule,
)

US = timedelta(microseconds=1)
PARIS_SUMMER = timezone(timedelta(hours=2))
OPEN = datetime(2025, 6, 12, 8, 0, tzinfo=UTC)

PROPERTY = settings(max_examples=200, deadline=None)


def schedule(
    face: int = 3000,
    d0: int = 25,
    d1: int = 80,
    minutes: int = 48 * 60,
    curve: str = "linear",
    step_minutes: int | None = None,
) -> PriceSchedule:
    """A schedule opening at OPEN and reaching d1 after `minutes`."""
    return PriceSchedule(
        face_price_cents=face,
        start_discount=d0,
        max_discount=d1,
        sales_open_at=OPEN,
        max_discount_at=OPEN + timedelta(minutes=minutes),
        curve=curve,
        step_minutes=step_minutes,
    )


# --- independent reference implementation of rule 3 -------------------------------------


def expected_discount(s: PriceSchedule, t: datetime) -> Fraction:
    """Rule 3 written out again, straight from the spec."""
    d0, d1 = Fraction(s.start_discount), Fraction(s.max_discount)
    r, e = s.sales_open_at, s.max_discount_at
    if t >= e:
        return d1
    if t <= r:
        return d0
    elapsed = Fraction((t - r) // US)
    if s.curve == "linear":
        return d0 + (d1 - d0) * elapsed / ((e - r) // US)
    step = s.step_minutes * 60_000_000
    n = -(-((e - r) // US) // step)
    return d0 + (d1 - d0) * Fraction(min(n, int(elapsed) // step), n)


def round_half_up_to_10(exact_cents: Fraction) -> int:
    """Round to the nearest 10 cents, halves up, via divmod (not floor(x + 1/2))."""
    tens = exact_cents / 10
    whole, rest = divmod(tens.numerator, tens.denominator)
    return 10 * (whole + (1 if 2 * rest >= tens.denominator else 0))


def expected_price(s: PriceSchedule, t: datetime) -> int:
    exact = Fraction(s.face_price_cents) * (1 - expected_discount(s, t) / 100)
    return round_half_up_to_10(exact)


def floor_price(s: PriceSchedule) -> int:
    return round_half_up_to_10(Fraction(s.face_price_cents) * (100 - s.max_discount) / 100)


def start_price(s: PriceSchedule) -> int:
    return round_half_up_to_10(Fraction(s.face_price_cents) * (100 - s.start_discount) / 100)


# --- strategies ---------------------------------------------------------------------------

WEEK_US = 7 * 24 * 3600 * 1_000_000


@st.composite
def schedules(
    draw: st.DrawFn, max_face: int = 200_000, curves: tuple[str, ...] = ("linear", "steps")
) -> PriceSchedule:
    d0 = draw(st.integers(25, 80))
    d1 = draw(st.integers(d0, 80))
    curve = draw(st.sampled_from(curves))
    tz = draw(st.sampled_from([UTC, PARIS_SUMMER]))
    opens = datetime(2025, 3, 1, tzinfo=UTC) + timedelta(
        microseconds=draw(st.integers(0, 30 * 24 * 3600 * 1_000_000))
    )
    duration = draw(st.one_of(st.just(0), st.integers(1, 5_000_000), st.integers(1, WEEK_US)))
    return PriceSchedule(
        # Whole-euro faces are what venues use, and they give exact half-way prices often.
        face_price_cents=draw(
            st.one_of(st.integers(1, max_face), st.integers(1, max_face // 100).map((100).__mul__))
        ),
        start_discount=d0,
        max_discount=d1,
        sales_open_at=opens.astimezone(tz),
        max_discount_at=opens + timedelta(microseconds=duration),
        curve=curve,
        step_minutes=draw(st.integers(1, 24 * 60)) if curve == "steps" else None,
    )


@st.composite
def instants(draw: st.DrawFn, s: PriceSchedule) -> datetime:
    """An instant around the schedule: before R, between, exactly on R or E, after E."""
    span = (s.max_discount_at - s.sales_open_at) // US
    offset = draw(
        st.one_of(
            st.integers(-2 * WEEK_US, span + 2 * WEEK_US),
            st.integers(0, span),
            st.sampled_from([-1, 0, 1, span - 1, span, span + 1]),
        )
    )
    return s.sales_open_at + timedelta(microseconds=offset)


# --- plain examples a venue would recognise ------------------------------------------------


def test_thirty_euro_seat_from_25_to_80_percent_over_48_hours() -> None:
    s = schedule(face=3000, d0=25, d1=80, minutes=48 * 60)
    assert price_at(s, OPEN - timedelta(days=3)) == 2250
    assert price_at(s, OPEN) == 2250  # 22.50 € at opening
    assert discount_percent_at(s, OPEN) == 25
    # Half way: 52.5 % off, 14.25 € exactly, rounded half up to 14.30 €, shown as -53 %.
    assert price_at(s, OPEN + timedelta(hours=24)) == 1430
    assert discount_at(s, OPEN + timedelta(hours=24)) == Fraction(105, 2)
    assert discount_percent_at(s, OPEN + timedelta(hours=24)) == 53
    assert price_at(s, OPEN + timedelta(minutes=48 * 60)) == 600  # 6 € at the end
    assert discount_percent_at(s, OPEN + timedelta(minutes=48 * 60)) == 80
    assert price_at(s, OPEN + timedelta(days=30)) == 600


def test_price_is_rounded_to_the_nearest_ten_cents_half_up() -> None:
    # 19.99 € at -25 % is 14.9925 € -> 15.00 €; 19.90 € at -25 % is 14.925 € -> 14.90 €.
    assert price_at(schedule(face=1999), OPEN) == 1500
    assert price_at(schedule(face=1990), OPEN) == 1490
    # 17 € at -25 % is exactly 12.75 €: a half, which goes up to 12.80 €.
    assert price_at(schedule(face=1700), OPEN) == 1280


def test_first_drop_of_a_thirty_euro_seat_comes_under_nine_minutes_after_opening() -> None:
    s = schedule(face=3000, d0=25, d1=80, minutes=48 * 60)
    drop = next_drop(s, OPEN)
    assert drop is not None
    # 22.50 € becomes 22.40 € once the exact price is below 22.45 €: discount > 25 1/6 %,
    # i.e. (1/6) / 55 of 48 h = 523.636363... s, so the first whole µs after that.
    assert drop.at == OPEN + timedelta(minutes=8, seconds=43, microseconds=636364)
    assert drop.price_cents == 2240
    assert drop.discount_percent == 25
    assert price_at(s, drop.at - US) == 2250


def test_steps_curve_drops_once_per_step_and_reaches_the_floor_at_e() -> None:
    # 20 € face, 30 % -> 60 % over 3 h in 60-minute steps: 14 €, 12 €, 10 €, then 8 € at E.
    s = schedule(face=2000, d0=30, d1=60, minutes=180, curve="steps", step_minutes=60)
    assert [price_at(s, OPEN + timedelta(minutes=m)) for m in (0, 59, 60, 120, 179, 180)] == [
        1400,
        1400,
        1200,
        1000,
        1000,
        800,
    ]
    assert upcoming_schedule(s, OPEN - timedelta(hours=5)) == [
        PricePoint(OPEN + timedelta(hours=1), 1200, 40),
        PricePoint(OPEN + timedelta(hours=2), 1000, 50),
        PricePoint(OPEN + timedelta(hours=3), 800, 60),
    ]


def test_steps_curve_last_step_is_shorter_when_the_span_is_not_a_multiple() -> None:
    # 100 minutes in 30-minute steps: n = 4 increments at R+30, R+60, R+90 and E = R+100.
    s = schedule(face=10000, d0=40, d1=80, minutes=100, curve="steps", step_minutes=30)
    times = [p.at for p in upcoming_schedule(s, OPEN)]
    assert times == [OPEN + timedelta(minutes=m) for m in (30, 60, 90, 100)]


def test_step_that_does_not_change_the_rounded_price_is_skipped() -> None:
    # 1 € face, 25 % -> 26 % in 10 steps: 75 c -> 74 c... all round to 0.70 € or 0.80 €.
    s = schedule(face=100, d0=25, d1=26, minutes=600, curve="steps", step_minutes=60)
    assert price_at(s, OPEN) == 80  # 75 c rounds half up to 80 c
    drop = next_drop(s, OPEN)
    assert drop is not None
    # 75 - k/10 c is below 75 c from the first step on, so it rounds down to 70 c at R + 1 h.
    assert drop == PricePoint(OPEN + timedelta(hours=1), 70, 25)
    assert next_drop(s, drop.at) is None  # 74 c also rounds to 70 c: no further drop


def test_equal_start_and_max_discount_never_drops() -> None:
    s = schedule(face=3000, d0=50, d1=50)
    assert next_drop(s, OPEN - timedelta(hours=1)) is None
    assert upcoming_schedule(s, OPEN) == []


def test_max_discount_at_opening_jumps_straight_to_the_floor() -> None:
    s = schedule(face=3000, d0=25, d1=80, minutes=0)
    assert price_at(s, OPEN - US) == 2250
    assert price_at(s, OPEN) == 600
    assert next_drop(s, OPEN - timedelta(hours=1)) == PricePoint(OPEN, 600, 80)
    assert next_drop(s, OPEN) is None


def test_no_drop_once_a_floor_price_that_was_rounded_up_is_reached() -> None:
    # 17 € at -75 % is exactly 4.25 €, shown as 4.30 €: the floor, with no later 4.20 €.
    s = schedule(face=1700, d0=25, d1=75, minutes=60)
    assert price_at(s, OPEN + timedelta(minutes=60)) == 430
    assert next_drop(s, OPEN + timedelta(minutes=59, seconds=59)) is None
    last = upcoming_schedule(s, OPEN)[-1]
    assert last.price_cents == 430 and last.at < OPEN + timedelta(minutes=60)
    assert next_drop(s, last.at) is None
    flat = schedule(face=1700, d0=75, d1=75)
    assert next_drop(flat, OPEN) is None


def test_no_drop_after_max_discount_time() -> None:
    s = schedule()
    assert next_drop(s, OPEN + timedelta(minutes=48 * 60)) is None
    assert upcoming_schedule(s, OPEN + timedelta(hours=49)) == []


def test_upcoming_schedule_keeps_first_and_final_drop_when_thinned() -> None:
    s = schedule(face=3000, d0=25, d1=80, minutes=48 * 60)
    full = upcoming_schedule(s, OPEN, limit=10_000)
    assert len(full) == 165  # 22.50 € down to 6.00 € in 10-cent drops
    thinned = upcoming_schedule(s, OPEN)
    assert len(thinned) == 12
    assert thinned[0] == full[0]
    # 6.00 € is reached as soon as the exact price is below 6.05 €, a little before E.
    end = OPEN + timedelta(hours=48)
    assert thinned[-1] == full[-1] == PricePoint(end - timedelta(microseconds=523_636_363), 600, 80)
    assert all(p in full for p in thinned)


def test_upcoming_schedule_rejects_a_limit_below_two() -> None:
    with pytest.raises(ValueError):
        upcoming_schedule(schedule(), OPEN, limit=1)


@pytest.mark.parametrize("offset", [timedelta(hours=-1), timedelta(hours=1), timedelta(days=3)])
@pytest.mark.parametrize(
    "broken",
    [
        schedule(curve="steps", step_minutes=None),
        schedule(curve="steps", step_minutes=0),
        schedule(curve="exponential"),
    ],
)
def test_unknown_curve_or_steps_without_step_minutes_is_an_error_at_any_time(
    broken: PriceSchedule, offset: timedelta
) -> None:
    with pytest.raises(ValueError):
        price_at(broken, OPEN + offset)
    with pytest.raises(ValueError):
        next_drop(broken, OPEN + offset)


# --- properties ----------------------------------------------------------------------------


@PROPERTY
@given(st.data())
def test_discount_and_price_stay_within_the_schedule_bounds(data: st.DataObject) -> None:
    s = data.draw(schedules())
    t = data.draw(instants(s))
    assert s.start_discount <= discount_at(s, t) <= s.max_discount
    assert s.start_discount <= discount_percent_at(s, t) <= s.max_discount
    assert floor_price(s) <= price_at(s, t) <= start_price(s)


@PROPERTY
@given(st.data())
def test_discount_never_decreases_over_time(data: st.DataObject) -> None:
    s = data.draw(schedules())
    t1, t2 = sorted([data.draw(instants(s)), data.draw(instants(s))])
    assert discount_at(s, t1) <= discount_at(s, t2)
    assert discount_percent_at(s, t1) <= discount_percent_at(s, t2)
    assert price_at(s, t1) >= price_at(s, t2)


@PROPERTY
@given(st.data())
def test_price_never_increases_from_one_microsecond_to_the_next(data: st.DataObject) -> None:
    s = data.draw(schedules())
    t = data.draw(instants(s))
    assert price_at(s, t) >= price_at(s, t + US)


@PROPERTY
@given(st.data())
def test_price_is_face_times_one_minus_discount_rounded_half_up_to_ten_cents(
    data: st.DataObject,
) -> None:
    s = data.draw(schedules())
    t = data.draw(instants(s))
    assert discount_at(s, t) == expected_discount(s, t)
    assert price_at(s, t) % 10 == 0
    assert price_at(s, t) == expected_price(s, t)


@PROPERTY
@given(schedules(curves=("linear",)))
def test_linear_formula_holds_before_at_and_after_r_and_e_and_at_the_midpoint(
    s: PriceSchedule,
) -> None:
    r, e = s.sales_open_at, s.max_discount_at
    d0, d1 = s.start_discount, s.max_discount
    assert discount_at(s, r - timedelta(days=1)) == d0
    assert discount_at(s, e + timedelta(days=1)) == d1
    assert discount_at(s, e) == d1
    if e > r:
        assert discount_at(s, r) == d0
        span = (e - r) // US
        if span % 2 == 0:
            assert discount_at(s, r + (e - r) / 2) == Fraction(d0 + d1, 2)
        assert discount_at(s, r + US) == d0 + Fraction(d1 - d0, span)
    else:
        assert discount_at(s, r) == d1  # E == R: max discount from R on
        assert discount_at(s, r - US) == d0


@PROPERTY
@given(st.data())
def test_next_drop_is_the_first_microsecond_with_a_lower_price(data: st.DataObject) -> None:
    s = data.draw(schedules())
    now = data.draw(instants(s))
    drop = next_drop(s, now)
    current = price_at(s, now)
    if drop is None:
        # Nothing will ever be cheaper: past E, or already at the floor price.
        assert now >= s.max_discount_at or current == floor_price(s)
        assert price_at(s, max(now, s.max_discount_at) + timedelta(days=1)) == current
        return
    assert drop.at > now
    assert drop.price_cents == price_at(s, drop.at) < current
    assert drop.discount_percent == discount_percent_at(s, drop.at)
    assert price_at(s, drop.at - US) == current
    assert drop.at <= s.max_discount_at


@PROPERTY
@given(st.data())
def test_steps_next_drop_falls_on_a_step_boundary_or_at_e(data: st.DataObject) -> None:
    s = data.draw(schedules(curves=("steps",)))
    drop = next_drop(s, data.draw(instants(s)))
    if drop is not None and drop.at != s.max_discount_at:
        step = timedelta(minutes=s.step_minutes)
        assert (drop.at - s.sales_open_at) % step == timedelta(0)


@PROPERTY
@given(st.data())
def test_upcoming_schedule_lists_strictly_decreasing_prices_ending_at_the_floor(
    data: st.DataObject,
) -> None:
    s = data.draw(schedules(max_face=20_000))
    now = data.draw(instants(s))
    limit = data.draw(st.integers(2, 20))
    points = upcoming_schedule(s, now, limit=limit)
    first = next_drop(s, now)
    assert len(points) <= limit
    if first is None:
        assert points == []
        return
    assert points[0] == first
    assert points[-1].price_cents == floor_price(s)
    assert all(p.at > now for p in points)
    assert all(a.at < b.at for a, b in zip(points, points[1:], strict=False))
    assert all(a.price_cents > b.price_cents for a, b in zip(points, points[1:], strict=False))
    assert all(p.price_cents == price_at(s, p.at) for p in points)


@PROPERTY
@given(st.data())
def test_unthinned_schedule_is_every_drop_in_turn(data: st.DataObject) -> None:
    s = data.draw(schedules(max_face=5_000))
    now = data.draw(instants(s))
    points = upcoming_schedule(s, now, limit=10_000)
    previous = now
    for point in points:
        assert next_drop(s, previous) == point
        previous = point.at
    assert next_drop(s, previous) is None


def walked_schedule(s: PriceSchedule, now: datetime, limit: int) -> list[PricePoint]:
    """The schedule the slow way: every drop in turn from next_drop, then evenly thinned."""
    points: list[PricePoint] = []
    drop = next_drop(s, now)
    while drop is not None:
        points.append(drop)
        drop = next_drop(s, drop.at)
    if len(points) <= limit:
        return points
    last, gaps = len(points) - 1, limit - 1
    return [points[(2 * i * last + gaps) // (2 * gaps)] for i in range(limit)]


@settings(max_examples=120, deadline=None)
@given(st.data())
def test_thinned_schedule_is_exactly_the_thinned_walk_of_every_drop(data: st.DataObject) -> None:
    s = data.draw(schedules(max_face=60_000))
    now = data.draw(instants(s))
    limit = data.draw(st.integers(2, 30))
    assert upcoming_schedule(s, now, limit=limit) == walked_schedule(s, now, limit)


def test_two_hundred_euro_seat_schedule_needs_only_the_points_it_returns(monkeypatch) -> None:
    # 200 € from -25 % to -80 %: 1100 drops of 10 cents, of which the chart shows 12.
    s = schedule(face=20_000, d0=25, d1=80, minutes=48 * 60)
    assert len(upcoming_schedule(s, OPEN, limit=10_000)) == 1100
    calls = []

    def counting_price_at(*args):
        calls.append(args)
        return price_at(*args)

    monkeypatch.setattr(pricing, "price_at", counting_price_at)
    points = upcoming_schedule(s, OPEN)
    monkeypatch.undo()
    assert points == walked_schedule(s, OPEN, 12)
    assert len(calls) <= 4 * len(points)  # not one per drop


@PROPERTY
@given(st.data())
def test_the_shortcuts_agree_with_the_rule(data: st.DataObject) -> None:
    s = data.draw(schedules())
    now = data.draw(instants(s))
    exact = discount_at(s, now)
    assert abs(discount_estimate(s, now) - float(exact)) <= 1e-9
    assert price_for_discount(s, exact) == price_at(s, now)
    assert displayed_percent(exact) == discount_percent_at(s, now)
    assert next_drop(s, now, price_at(s, now)) == next_drop(s, now)


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_drop_count_is_the_number_of_drops_left(data: st.DataObject) -> None:
    s = data.draw(schedules(max_face=20_000))
    now = data.draw(instants(s))
    assert drop_count(s, now) == len(upcoming_schedule(s, now, limit=100_000))
