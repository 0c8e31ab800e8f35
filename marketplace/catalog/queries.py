"""Offers: what the storefront and the public API show of the releases on sale.

An offer is an open release, inside its sales window, with seats left; its id is the
release id (the `offer_id` that `POST /api/v1/holds` takes). Prices move with time, so
they are never stored: SQL does the cheap filtering (sales window, seats left, curtain
window, discipline, bounding box, a conservative price bound) and Python computes the
current price, discount and distance of the survivors with the pricing module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction
from functools import cached_property
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from marketplace.catalog.geo import bounding_box, haversine_km
from marketplace.catalog.models import DISCIPLINES, Performance, Show, Venue
from marketplace.errors import NotFound, ValidationFailed
from marketplace.inventory.models import Release
from marketplace.inventory.queries import is_on_sale, seats_left
from marketplace.pricing import (
    PricePoint,
    PriceSchedule,
    discount_at,
    discount_percent_at,
    next_drop,
    price_at,
    upcoming_schedule,
)
from marketplace.timeutil import PARIS, to_paris

WHENS = ("tonight", "tomorrow", "weekend", "all")
SORTS = ("relevance", "distance", "starts_at", "price", "discount")
MAX_PER_PAGE = 100
MAX_RADIUS_KM = 200
# "Tonight" lasts until this hour the next morning, Paris time.
NIGHT_ENDS_AT = time(6, 0)


@dataclass(frozen=True, kw_only=True)
class OfferShow:
    title: str
    discipline: str


@dataclass(frozen=True, kw_only=True)
class OfferVenue:
    slug: str
    name: str
    city: str
    lat: float
    lng: float


@dataclass(frozen=True, kw_only=True)
class Offer:
    """An open release as a spectator sees it at one instant (money in cents, times UTC)."""

    id: int  # the release id
    show: OfferShow
    venue: OfferVenue
    starts_at: datetime
    category: str
    face_price_cents: int
    price_cents: int
    discount_percent: int
    next_drop_at: datetime | None
    next_price_cents: int | None
    seats_left: int
    max_per_order: int
    distance_km: float | None = None


@dataclass(frozen=True, kw_only=True)
class OfferDetail(Offer):
    """An offer with its upcoming price drops (the public algorithm, step by step)."""

    schedule: list[PricePoint] = field(default_factory=list)


@dataclass(frozen=True, kw_only=True)
class OfferPage:
    offers: list[Offer]
    page: int
    per_page: int
    next_page: int | None


class _Candidate:
    """A row that passed the SQL filters; its prices are computed only if something needs them.

    Exact pricing costs tens of microseconds a row: ranking by relevance or discount needs
    only the discount, and the full offer is built for the rows of the page alone.
    """

    def __init__(self, row: Row, now: datetime, origin: tuple[float, float] | None) -> None:
        self.row = row
        self.now = now
        self.schedule = PriceSchedule(
            face_price_cents=row.face_price_cents, start_discount=row.start_discount,
            max_discount=row.max_discount, sales_open_at=row.sales_open_at,
            max_discount_at=row.max_discount_at, curve=row.curve, step_minutes=row.step_minutes,
        )
        self.distance_km = haversine_km(origin[0], origin[1], row.lat, row.lng) if origin else None

    @cached_property
    def discount(self) -> Fraction:
        return discount_at(self.schedule, self.now)

    @cached_property
    def price_cents(self) -> int:
        return price_at(self.schedule, self.now)

    @cached_property
    def discount_percent(self) -> int:
        return discount_percent_at(self.schedule, self.now)


def curtain_window(when: str, now: datetime) -> tuple[datetime | None, datetime | None]:
    """Return the [start, end) of curtain times that `when` means at `now` (Paris calendar).

    tonight: from now until 06:00 the next morning (or this morning, before 06:00);
    tomorrow: the day after today; weekend: the coming Saturday and Sunday (this one
    from Saturday on); all: no bound.
    """
    if when not in WHENS:
        raise ValidationFailed(f"when must be one of {', '.join(WHENS)}.", field="when")
    today = to_paris(now).date()
    if when == "tonight":
        night_ends = today if to_paris(now).time() < NIGHT_ENDS_AT else today + timedelta(days=1)
        return now, _paris_instant(night_ends, NIGHT_ENDS_AT)
    if when == "tomorrow":
        return _paris_instant(today + timedelta(days=1)), _paris_instant(today + timedelta(days=2))
    if when == "weekend":
        saturday = today + timedelta(days=5 - today.weekday())  # back a day on Sundays
        return _paris_instant(saturday), _paris_instant(saturday + timedelta(days=2))
    return None, None


def list_offers(
    session: Session,
    *,
    now: datetime,
    lat: float | None = None,
    lng: float | None = None,
    radius_km: float | None = None,
    when: str = "all",
    discipline: str | None = None,
    max_price_cents: int | None = None,
    sort: str = "relevance",
    page: int = 1,
    per_page: int = 20,
) -> OfferPage:
    """Return one page of the offers on sale at `now` with seats left, filtered and sorted.

    Sorts: `starts_at` (soonest first), `price` (current price, cheapest first),
    `discount` (deepest first), `distance` (nearest first; needs lat/lng) and
    `relevance`, the default, a score in [0, 1] (highest first):

        proximity = 1 / (1 + distance_km / 10)       1 at the door, 0.5 at 10 km
        imminence = 1 / (1 + hours_to_curtain / 6)    1 at curtain, 0.5 six hours before
        deal      = discount_percent / 80             0.31 at -25 %, 1 at -80 %
        score     = 0.40 proximity + 0.35 imminence + 0.25 deal    (lat/lng given)
        score     = 0.60 imminence + 0.40 deal                     (no location)

    Ties fall back to the curtain time, then the id, so pages never overlap.
    """
    _check_arguments(lat, lng, radius_km, discipline, max_price_cents, sort, page, per_page)
    origin = (lat, lng) if lat is not None and lng is not None else None
    stmt = _filtered(_offers_select(now).where(seats_left(now) > 0), now, origin, radius_km,
                     when, discipline, max_price_cents)

    offset = (page - 1) * per_page
    if sort == "starts_at" and radius_km is None and max_price_cents is None:
        # Nothing left for Python to filter or rank: let the database paginate.
        rows = session.execute(stmt.order_by(Performance.starts_at, Release.id)
                               .offset(offset).limit(per_page + 1)).all()
        candidates = [_Candidate(row, now, origin) for row in rows]
        return _page(candidates[:per_page], len(candidates) > per_page, now, page, per_page)

    candidates = []
    for row in session.execute(stmt):
        candidate = _Candidate(row, now, origin)
        if radius_km is not None and candidate.distance_km > radius_km:
            continue  # in the box's corner, outside the circle
        if max_price_cents is not None and candidate.price_cents > max_price_cents:
            continue
        candidates.append(candidate)
    candidates.sort(key=_sort_key(sort, now, origin is not None))
    window = candidates[offset:offset + per_page]
    return _page(window, len(candidates) > offset + per_page, now, page, per_page)


def get_offer(session: Session, offer_id: int, now: datetime) -> OfferDetail:
    """Return the offer of a release on sale at `now` (even sold out), with its schedule.

    Raises NotFound for an unknown release and for one that is not on sale (withdrawn,
    closed, outside its sales window, cancelled performance, suspended venue).
    """
    row = session.execute(_offers_select(now).where(Release.id == offer_id)).one_or_none()
    if row is None:
        raise NotFound("No offer on sale has this id.")
    candidate = _Candidate(row, now, None)
    schedule = [point for point in upcoming_schedule(candidate.schedule, now)
                if point.at < row.sales_close_at]
    return OfferDetail(**_offer_fields(candidate, now), schedule=schedule)


def _check_arguments(lat, lng, radius_km, discipline, max_price_cents, sort, page,
                     per_page) -> None:
    """Refuse values a caller other than the validated API could still pass."""
    if (lat is None) != (lng is None):
        raise ValidationFailed("lat and lng go together.", field="lng" if lng is None else "lat")
    if lat is not None and not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise ValidationFailed("lat/lng out of range.", field="lat")
    if radius_km is not None and (lat is None or not 0 < radius_km <= MAX_RADIUS_KM):
        raise ValidationFailed(f"radius_km needs lat/lng and must be in ]0, {MAX_RADIUS_KM}].",
                               field="radius_km")
    if discipline is not None and discipline not in DISCIPLINES:
        raise ValidationFailed("Unknown discipline.", field="discipline")
    if max_price_cents is not None and max_price_cents < 0:
        raise ValidationFailed("max_price_cents must not be negative.", field="max_price_cents")
    if sort not in SORTS or (sort == "distance" and lat is None):
        raise ValidationFailed(f"sort must be one of {', '.join(SORTS)} (distance needs lat/lng).",
                               field="sort")
    if page < 1:
        raise ValidationFailed("page starts at 1.", field="page")
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise ValidationFailed(f"per_page must be between 1 and {MAX_PER_PAGE}.", field="per_page")


def _filtered(stmt: Select, now: datetime, origin: tuple[float, float] | None,
              radius_km: float | None, when: str, discipline: str | None,
              max_price_cents: int | None) -> Select:
    """The cheap part of the filters, in SQL: each one may keep too much, never too little."""
    start, end = curtain_window(when, now)
    if start is not None:
        stmt = stmt.where(Performance.starts_at >= start, Performance.starts_at < end)
    if discipline:
        stmt = stmt.where(Show.discipline == discipline)
    if origin and radius_km is not None:
        box = bounding_box(origin[0], origin[1], radius_km)
        stmt = stmt.where(Venue.lat.between(box.min_lat, box.max_lat),
                          Venue.lng.between(box.min_lng, box.max_lng))
    if max_price_cents is not None:
        # Never cheaper than the floor price less rounding (5 cents): a safe bound.
        stmt = stmt.where(Release.face_price_cents * (100 - Release.max_discount)
                          <= 100 * max_price_cents + 500)
    return stmt


def _offers_select(now: datetime) -> Select:
    """One row per release on sale at `now`, with everything an offer shows (no N+1)."""
    return (
        select(
            Release.id, Release.category, Release.face_price_cents, Release.start_discount,
            Release.max_discount, Release.sales_open_at, Release.max_discount_at,
            Release.sales_close_at, Release.curve, Release.step_minutes, Release.max_per_order,
            Performance.starts_at, Show.title, Show.discipline,
            Venue.slug.label("venue_slug"), Venue.name.label("venue_name"), Venue.city,
            Venue.lat, Venue.lng, seats_left(now).label("seats_left"),
        )
        .join(Performance, Release.performance_id == Performance.id)
        .join(Show, Performance.show_id == Show.id)
        .join(Venue, Performance.venue_id == Venue.id)
        .where(is_on_sale(now))
    )


def _sort_key(sort: str, now: datetime, located: bool):
    def tie(c: _Candidate) -> tuple:
        return c.row.starts_at, c.row.id

    if sort == "starts_at":
        return tie
    if sort == "price":
        return lambda c: (c.price_cents, *tie(c))
    if sort == "discount":
        return lambda c: (-c.discount, *tie(c))
    if sort == "distance":
        return lambda c: (c.distance_km, *tie(c))
    return lambda c: (-relevance(c.distance_km if located else None, c.row.starts_at,
                                 float(c.discount), now), *tie(c))


def relevance(distance_km: float | None, starts_at: datetime, discount_percent: float,
              now: datetime) -> float:
    """Return the relevance score documented on list_offers (higher ranks first)."""
    hours = max(0.0, (starts_at - now).total_seconds() / 3600)
    imminence = 1 / (1 + hours / 6)
    deal = discount_percent / 80
    if distance_km is None:
        return 0.60 * imminence + 0.40 * deal
    proximity = 1 / (1 + distance_km / 10)
    return 0.40 * proximity + 0.35 * imminence + 0.25 * deal


def _page(window: list[_Candidate], more: bool, now: datetime, page: int,
          per_page: int) -> OfferPage:
    return OfferPage(offers=[Offer(**_offer_fields(c, now)) for c in window], page=page,
                     per_page=per_page, next_page=page + 1 if more else None)


def _offer_fields(c: _Candidate, now: datetime) -> dict[str, Any]:
    row = c.row
    drop = next_drop(c.schedule, now)
    if drop is not None and drop.at >= row.sales_close_at:
        drop = None  # a drop at closing time would never be on sale
    return {
        "id": row.id,
        "show": OfferShow(title=row.title, discipline=row.discipline),
        "venue": OfferVenue(slug=row.venue_slug, name=row.venue_name, city=row.city,
                            lat=row.lat, lng=row.lng),
        "starts_at": row.starts_at,
        "category": row.category,
        "face_price_cents": row.face_price_cents,
        "price_cents": c.price_cents,
        "discount_percent": c.discount_percent,
        "next_drop_at": drop.at if drop else None,
        "next_price_cents": drop.price_cents if drop else None,
        "seats_left": row.seats_left,
        "max_per_order": row.max_per_order,
        "distance_km": round(c.distance_km, 2) if c.distance_km is not None else None,
    }


def _paris_instant(day: date, at: time = time(0, 0)) -> datetime:
    """The UTC instant when Paris clocks show `day` at `at`."""
    return datetime.combine(day, at, tzinfo=PARIS).astimezone(UTC)
