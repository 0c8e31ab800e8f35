"""« Comment ça marche »: every figure the page states, read from the code that applies it.

The page says how the price falls, how « À découvrir » is mixed, how « Pertinence » ranks,
what the venue receives and where data goes. Its numbers are never typed into the template:
they come from here, and here they come from the constants the rules use, so the page
cannot drift from what the code does (tests/test_how_it_works.py checks it).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from marketplace.domain.inventory.terms import (
    DEFAULT_MAX_DISCOUNT_LEAD,
    DEFAULT_MAX_PER_ORDER,
    MAX_DISCOUNT,
    MIN_DISCOUNT,
)
from marketplace.domain.offers import carousel
from marketplace.domain.offers import queries as ranking
from marketplace.domain.pricing import (
    PRICE_STEP_CENTS,
    PriceSchedule,
    discount_percent_at,
    price_at,
)

# The worked example of the page: a 20 € seat from −25 % to −65 %.
EXAMPLE_FACE_CENTS = 2000
EXAMPLE_START, EXAMPLE_END = 25, 65


@dataclass(frozen=True)
class Figures:
    """The numbers « Comment ça marche » states, each named after the rule it belongs to."""

    min_discount: int
    max_discount: int
    deepest_lead_minutes: int
    price_step_cents: int
    hold_minutes: int
    max_per_order: int
    example_face_cents: int
    example_start: int
    example_end: int
    example_start_cents: int
    example_middle_discount: int
    example_middle_cents: int
    example_end_cents: int
    carousel_size: int
    random_min: int
    random_max: int
    reasoned_min: int
    reasoned_max: int
    per_venue: int
    proximity_half_km: int
    imminence_half_hours: int
    proximity_weight: int  # percent of the score
    imminence_weight: int
    deal_weight: int
    imminence_weight_anywhere: int
    deal_weight_anywhere: int
    commission_percent: int
    venue_percent: int


def figures(config: Mapping, carousel_size: int) -> Figures:
    """The page's figures for an app of this `config` (commission, hold time) whose home
    carousel shows `carousel_size` items."""
    size = carousel_size
    random_min = math.ceil(size * carousel.RANDOM_SHARE_MIN)
    random_max = math.floor(size * carousel.RANDOM_SHARE_MAX)
    example = _example_prices()
    commission = config["PLATFORM_COMMISSION_PERCENT"]
    return Figures(
        min_discount=MIN_DISCOUNT, max_discount=MAX_DISCOUNT,
        deepest_lead_minutes=DEFAULT_MAX_DISCOUNT_LEAD // timedelta(minutes=1),
        price_step_cents=PRICE_STEP_CENTS,
        hold_minutes=config["HOLD_TTL_SECONDS"] // 60,
        max_per_order=DEFAULT_MAX_PER_ORDER,
        example_face_cents=EXAMPLE_FACE_CENTS, example_start=EXAMPLE_START,
        example_end=EXAMPLE_END, **example,
        carousel_size=size, random_min=random_min, random_max=random_max,
        reasoned_min=size - random_max, reasoned_max=size - random_min,
        per_venue=carousel.PER_VENUE,
        proximity_half_km=ranking.PROXIMITY_HALF_KM,
        imminence_half_hours=ranking.IMMINENCE_HALF_HOURS,
        proximity_weight=_percent(ranking.PROXIMITY_WEIGHT),
        imminence_weight=_percent(ranking.IMMINENCE_WEIGHT),
        deal_weight=_percent(ranking.DEAL_WEIGHT),
        imminence_weight_anywhere=_percent(ranking.IMMINENCE_WEIGHT_ANYWHERE),
        deal_weight_anywhere=_percent(ranking.DEAL_WEIGHT_ANYWHERE),
        commission_percent=commission, venue_percent=100 - commission,
    )


def _percent(weight: float) -> int:
    return round(weight * 100)


def _example_prices() -> dict[str, int]:
    """The example's prices, computed by the pricing code itself: at the opening of sales,
    halfway through the fall, and at the deepest discount."""
    opens = datetime(2026, 1, 1, 12, tzinfo=UTC)  # any instant: only the shape matters
    schedule = PriceSchedule(face_price_cents=EXAMPLE_FACE_CENTS, start_discount=EXAMPLE_START,
                             max_discount=EXAMPLE_END, sales_open_at=opens,
                             max_discount_at=opens + timedelta(hours=10))
    middle = opens + timedelta(hours=5)
    return {
        "example_start_cents": price_at(schedule, opens),
        "example_middle_discount": discount_percent_at(schedule, middle),
        "example_middle_cents": price_at(schedule, middle),
        "example_end_cents": price_at(schedule, opens + timedelta(hours=10)),
    }
