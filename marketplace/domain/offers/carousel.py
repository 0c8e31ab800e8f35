"""« À découvrir »: a few offers picked for a reason, and a few picked at random.

Algorithmic picks alone shut people into what they already know; a share of genuinely
random picks, drawn from the whole region whatever the distance, leaves room for
serendipity (DESIGN.md, `GET /api/v1/carousel`). The rules:

- between a quarter and a half of the items are `random` (from two items on: one item
  cannot be both), drawn uniformly from every open offer with seats left;
- the rest are `nearby` (nearest; only with a location), `soon` (earliest curtain) and
  `deal` (deepest discount now), taken in turn, each the best not yet shown;
- no offer twice, at most two offers of one venue, never a sold-out offer.

The random picks are drawn first, so that they are uniform over every open offer and
not over what the reasoned picks left; an offer drawn at random keeps the label
`random` even when it also happens to be near.
"""

from __future__ import annotations

import math
import random
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

from sqlalchemy import case, extract, func, literal
from sqlalchemy.orm import Session

from marketplace.domain.catalog.geo import bounding_box, haversine_km
from marketplace.domain.catalog.models import Performance, Venue
from marketplace.domain.inventory.models import Release
from marketplace.domain.offers.offer import Offer
from marketplace.domain.offers.queries import (
    SCHEDULE_COLUMNS,
    offers_by_id,
    open_offers_select,
    schedule_of,
)
from marketplace.domain.pricing import discount_estimate

REASONS = ("nearby", "soon", "deal", "random")
PER_VENUE = 2
# The share of random items: at least the first, at most the second (rounded inwards).
RANDOM_SHARE_MIN, RANDOM_SHARE_MAX = Fraction(1, 4), Fraction(1, 2)
MIN_SIZE, MAX_SIZE, DEFAULT_SIZE = 1, 30, 10
# A draw rejected this many times in a row (its venue already full) switches to a shuffle.
_MAX_REJECTIONS = 64
# Each reason reads this many candidates per item: enough when venues fill up (two each).
_DEPTH_PER_ITEM = 6
# The region-wide part changes slowly: carousels may share one read of it for this long.
CAROUSEL_REUSE_SECONDS = 30
# "Nearby" looks within these radii in turn until it has enough candidates.
_SEARCH_RADII_KM = (10, 40, 160, 20_000)


@dataclass(frozen=True)
class Slot:
    """An open offer as the carousel ranks it: which one, and which venue sells it."""

    offer_id: int
    venue_id: int


@dataclass(frozen=True)
class Pick:
    offer: Offer
    reason: str


def reuse_seconds(config: Mapping, testing: bool) -> float:
    """CAROUSEL_REUSE_SECONDS from the app's config (none by default in tests)."""
    return float(config.get("CAROUSEL_REUSE_SECONDS", 0 if testing else CAROUSEL_REUSE_SECONDS))


def random_count(items: int, rng: random.Random) -> int:
    """How many of `items` are random: between a quarter and a half (none below two items)."""
    if items < 2:
        return 0
    return rng.randint(math.ceil(items * RANDOM_SHARE_MIN), math.floor(items * RANDOM_SHARE_MAX))


def capacity_of(pool: Sequence[Slot]) -> int:
    """How many items the pool can fill at most: two per venue."""
    per_venue = Counter(slot.venue_id for slot in pool)
    return sum(min(PER_VENUE, count) for count in per_venue.values())


def compose(pool: Sequence[Slot], ranked: Mapping[str, Sequence[Slot]], size: int,
            rng: random.Random, capacity: int | None = None) -> list[tuple[Slot, str]]:
    """Choose the carousel's slots and their reasons (pure: the statistical tests call it).

    `pool` is every open offer (whose `capacity`, when known, saves a pass over it);
    `ranked` gives, for each reasoned pick, offers of the pool best first. Random picks
    are spread through the list rather than bunched at one end.
    """
    items = min(size, capacity_of(pool) if capacity is None else capacity)
    shown: Counter = Counter()
    taken: set[int] = set()

    def fits(slot: Slot) -> bool:
        return slot.offer_id not in taken and shown[slot.venue_id] < PER_VENUE

    def take(slot: Slot) -> Slot:
        taken.add(slot.offer_id)
        shown[slot.venue_id] += 1
        return slot

    randoms = _draw(pool, random_count(items, rng), fits, take, rng)
    reasoned = _reasoned(ranked, items - len(randoms), fits, take)
    if len(reasoned) < items - len(randoms):
        # Ranked lists shorter than the pool (never from discover): fewer items, still at
        # most half of them random.
        randoms = randoms[:len(reasoned)]
    total = len(randoms) + len(reasoned)
    random_at = {((2 * j + 1) * total) // (2 * len(randoms)) for j in range(len(randoms))}
    picks, randoms_left, reasoned_left = [], iter(randoms), iter(reasoned)
    for position in range(total):
        if position in random_at:
            picks.append((next(randoms_left), "random"))
        else:
            picks.append(next(reasoned_left))
    return picks


def discover(session: Session, *, now: datetime, lat: float | None = None,
             lng: float | None = None, size: int = DEFAULT_SIZE,
             rng: random.Random | None = None, reuse_seconds: float = 0) -> list[Pick]:
    """The carousel at `now` for a spectator at (lat, lng), or anywhere in the region.

    One light query lists every open offer (id and venue) for the random draw; each
    reason then reads only its best few in SQL (nearest within a widening box, soonest
    curtain, deepest discount now), and the chosen offers are read in full at the end.
    With `reuse_seconds`, the region-wide part (every open offer, the soonest, the
    deepest) is shared by the carousels of that many seconds: the offers finally shown
    are read again, and if one is no longer on sale the region is read afresh and the
    draw made anew.
    """
    rng = rng or random.Random()
    origin = (lat, lng) if lat is not None and lng is not None else None
    depth = _DEPTH_PER_ITEM * size
    region = _region(session, now, depth, reuse_seconds)
    nearby = _nearest(session, now, origin, depth) if origin and region.pool else None
    for fresh in (False, True):
        if fresh:
            # Some were sold out or closed since the shared read: read the region again.
            region = _region(session, now, depth, reuse_seconds, fresh=True)
        if not region.pool:
            return []
        ranked = {"soon": region.soon, "deal": region.deal}
        if nearby is not None:
            ranked = {"nearby": nearby, **ranked}
        chosen = compose(region.pool, ranked, size, rng, region.capacity)
        offers = offers_by_id(session, [slot.offer_id for slot, _ in chosen], now, origin)
        if all(slot.offer_id in offers for slot, _ in chosen) or reuse_seconds <= 0:
            break
    # Only a sale in the last milliseconds can still take one away: it is left out.
    return [Pick(offers[slot.offer_id], reason) for slot, reason in chosen
            if slot.offer_id in offers]


@dataclass(frozen=True)
class _Region:
    """What every spectator's carousel draws from at one moment."""

    pool: list[Slot]
    capacity: int
    soon: list[Slot]
    deal: list[Slot]


_shared: dict[tuple[str, int], tuple[float, _Region]] = {}


def _region(session: Session, now: datetime, depth: int, reuse_seconds: float,
            fresh: bool = False) -> _Region:
    key = (str(session.get_bind().url), depth)
    if reuse_seconds > 0 and not fresh:
        shared = _shared.get(key)
        if shared and shared[0] > time.monotonic():
            return shared[1]
    pool = [Slot(row.id, row.venue_id) for row in session.execute(
        open_offers_select(now, Release.id, Performance.venue_id))]
    region = _Region(pool=pool, capacity=capacity_of(pool),
                     soon=_soonest(session, now, depth) if pool else [],
                     deal=_deepest(session, now, depth) if pool else [])
    if reuse_seconds > 0:
        _shared[key] = (time.monotonic() + reuse_seconds, region)
    return region


def _nearest(session: Session, now: datetime, origin: tuple[float, float],
             depth: int) -> list[Slot]:
    """The `depth` offers nearest to `origin`, looked for in ever wider boxes."""
    rows: list = []
    for radius in _SEARCH_RADII_KM:
        box = bounding_box(origin[0], origin[1], radius)
        rows = session.execute(
            open_offers_select(now, Release.id, Performance.venue_id, Performance.starts_at,
                               Venue.lat, Venue.lng)
            .where(Venue.lat.between(box.min_lat, box.max_lat),
                   Venue.lng.between(box.min_lng, box.max_lng))).all()
        if len(rows) >= depth:
            break
    rows.sort(key=lambda row: (haversine_km(origin[0], origin[1], row.lat, row.lng),
                               row.starts_at, row.id))
    return [Slot(row.id, row.venue_id) for row in rows[:depth]]


def _soonest(session: Session, now: datetime, depth: int) -> list[Slot]:
    rows = session.execute(open_offers_select(now, Release.id, Performance.venue_id)
                           .order_by(Performance.starts_at, Release.id).limit(depth))
    return [Slot(row.id, row.venue_id) for row in rows]


def _deepest(session: Session, now: datetime, depth: int) -> list[Slot]:
    """The deepest discounts now: ranked in SQL as if every curve were linear (a `steps`
    curve is at most one step behind), then exactly in Python."""
    rows = session.execute(
        open_offers_select(now, Release.id, Performance.venue_id, Performance.starts_at,
                           *SCHEDULE_COLUMNS)
        .order_by(_linear_discount(now).desc(), Performance.starts_at, Release.id)
        .limit(depth)).all()
    rows.sort(key=lambda row: (-discount_estimate(schedule_of(row), now), row.starts_at,
                               row.id))
    return [Slot(row.id, row.venue_id) for row in rows]


def _linear_discount(now: datetime):
    """The discount at `now` of a linear schedule, as SQL (epoch seconds on both databases)."""
    opens = extract("epoch", Release.sales_open_at)
    deepest = extract("epoch", Release.max_discount_at)
    share = (literal(now.timestamp()) - opens) / func.nullif(deepest - opens, 0)
    return case(
        (Release.max_discount_at <= now, Release.max_discount),
        (Release.sales_open_at >= now, Release.start_discount),
        else_=Release.start_discount + (Release.max_discount - Release.start_discount) * share,
    )


def _draw(pool: Sequence[Slot], count: int, fits: Callable[[Slot], bool],
          take: Callable[[Slot], Slot], rng: random.Random) -> list[Slot]:
    """`count` slots drawn uniformly without replacement among those that fit when drawn."""
    drawn: list[Slot] = []
    rejections = 0
    # Drawing from the whole pool and redrawing what does not fit is uniform over what fits.
    while len(drawn) < count and rejections < _MAX_REJECTIONS:
        slot = pool[rng.randrange(len(pool))]
        if fits(slot):
            drawn.append(take(slot))
            rejections = 0
        else:
            rejections += 1
    if len(drawn) < count:
        # Mostly full venues left: a shuffle of what still fits follows the same law.
        rest = [slot for slot in pool if fits(slot)]
        rng.shuffle(rest)
        for slot in rest:
            if len(drawn) == count:
                break
            if fits(slot):  # an earlier slot of the shuffle may have filled its venue
                drawn.append(take(slot))
    return drawn


def _reasoned(ranked: Mapping[str, Sequence[Slot]], count: int, fits: Callable[[Slot], bool],
              take: Callable[[Slot], Slot]) -> list[tuple[Slot, str]]:
    """Take the best slot of each reason in turn until `count` are chosen or none fits."""
    cursors = {reason: iter(slots) for reason, slots in ranked.items()}
    chosen: list[tuple[Slot, str]] = []
    while len(chosen) < count and cursors:
        for reason in list(cursors):
            if len(chosen) == count:
                break
            slot = next((s for s in cursors[reason] if fits(s)), None)
            if slot is None:
                del cursors[reason]
                continue
            chosen.append((take(slot), reason))
    return chosen


