"""A performance in the past never looks on sale: the status comes from (performance,
release, now), with time moved explicitly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from marketplace.domain.inventory import sale_status as s

CURTAIN = datetime(2026, 3, 14, 19, 0, tzinfo=UTC)
OPENS = CURTAIN - timedelta(days=3)


def performance(status: str = "scheduled") -> SimpleNamespace:
    return SimpleNamespace(status=status, starts_at=CURTAIN)


def release(status: str = "open", *, quantity: int = 10, sold: int = 0, id: int = 1,
            closes: datetime = CURTAIN) -> SimpleNamespace:
    return SimpleNamespace(id=id, status=status, sales_open_at=OPENS, sales_close_at=closes,
                           quantity=quantity, sold=sold)


@pytest.mark.parametrize(("now", "expected"), [
    (OPENS - timedelta(minutes=1), s.UPCOMING),
    (OPENS, s.ON_SALE),
    (CURTAIN - timedelta(seconds=1), s.ON_SALE),
    (CURTAIN, s.ENDED),
    (CURTAIN + timedelta(days=30), s.ENDED),
])
def test_an_open_release_is_on_sale_only_between_opening_and_curtain(now, expected):
    assert s.release_sale_status(performance(), release(), now) == expected


def test_a_release_still_open_after_curtain_is_over_not_on_sale():
    later = CURTAIN + timedelta(hours=2)
    assert s.release_sale_status(performance(), release("open"), later) == s.ENDED
    assert not s.is_selling(s.performance_sale_status(performance(), [release()], later))


def test_sales_close_before_curtain_when_the_window_ends_first():
    closes = CURTAIN - timedelta(hours=1)
    r = release(closes=closes)
    assert s.release_sale_status(performance(), r, closes - timedelta(seconds=1)) == s.ON_SALE
    assert s.release_sale_status(performance(), r, closes) == s.SALES_CLOSED


def test_a_closed_or_withdrawn_release_says_so_until_curtain_then_the_performance_is_over():
    before = CURTAIN - timedelta(hours=3)
    assert s.release_sale_status(performance(), release("closed"), before) == s.SALES_CLOSED
    assert s.release_sale_status(performance(), release("withdrawn"), before) == s.WITHDRAWN
    assert s.release_sale_status(performance(), release("withdrawn"), CURTAIN) == s.ENDED


def test_a_cancelled_performance_is_cancelled_before_and_after_curtain():
    for now in (OPENS, CURTAIN + timedelta(days=1)):
        assert s.release_sale_status(performance("cancelled"), release(), now) == s.CANCELLED
        assert s.performance_sale_status(performance("cancelled"), [release()], now) \
            == s.CANCELLED


def test_sold_out_counts_seats_being_bought_when_given():
    now = CURTAIN - timedelta(hours=3)
    assert s.release_sale_status(performance(), release(sold=10), now) == s.SOLD_OUT
    assert s.release_sale_status(performance(), release(sold=6), now, seats_left=0) \
        == s.SOLD_OUT
    assert s.release_sale_status(performance(), release(sold=6), now) == s.ON_SALE


def test_a_performance_is_on_sale_when_any_release_is_and_not_released_without_any():
    now = CURTAIN - timedelta(hours=3)
    mixed = [release("withdrawn", id=1), release(sold=10, id=2), release(id=3)]
    assert s.performance_sale_status(performance(), mixed, now) == s.ON_SALE
    assert s.performance_sale_status(performance(), mixed, now, seats_left={3: 0}) \
        == s.SOLD_OUT
    assert s.performance_sale_status(performance(), [], now) == s.NOT_RELEASED
    assert s.performance_sale_status(performance(), [], CURTAIN) == s.ENDED
