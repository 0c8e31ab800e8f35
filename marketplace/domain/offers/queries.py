"""Offers: what the storefront and the public API show of the releases on sale.

An offer is an open release, inside its sales window, with seats left; its id is the
release id (the `offer_id` that `POST /api/v1/holds` takes). Prices move with time, so
they are never stored: SQL does the cheap filtering (sales window, seats left, curtain
window, discipline, step-free access, bounding box, a conservative price bound) and
Python computes the current price, discount and distance of the survivors with the
pricing module.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction
from functools import cached_property
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from marketplace.domain.catalog.geo import bounding_box, haversine_km
from marketplace.domain.catalog.models import DISCIPLINES, Performance, Show, Venue
from marketplace.domain.errors import NotFound
from marketplace.domain.inventory.models import Hold, Release
from marketplace.domain.inventory.queries import is_on_sale
from marketplace.domain.inventory.terms import MAX_DISCOUNT
from marketplace.domain.offers.offer import (
    Criteria,
    Offer,
    OfferDetail,
    OfferPage,
    OfferShow,
    OfferVenue,
    PinOffer,
    ShowDetail,
    VenueDetail,
    VenuePin,
)
from marketplace.domain.pricing import (
    PriceSchedule,
    discount_at,
    discount_estimate,
    displayed_percent,
    next_drop,
    price_for_discount,
    upcoming_schedule,
)
from marketplace.domain.timeutil import PARIS, to_paris
from marketplace.domain.transit.journeys import (
    MAX_WALK_M,
    MIN_WALK_M,
    WALK_RADIUS_M,
    expected_end,
    getting_home,
    getting_there,
    rides_home,
    stops_on_map,
)
from marketplace.domain.validation import ValidationFailed, checked_id

WHENS = ("tonight", "tomorrow", "weekend", "all")
SORTS = ("relevance", "distance", "starts_at", "price", "discount")
MAX_PER_PAGE = 100
MAX_RADIUS_KM = 200
# "Tonight" lasts until this hour the next morning, Paris time.
NIGHT_ENDS_AT = time(6, 0)
# The price clock of an offer page: enough points to draw the curve, few enough to be light.
SCHEDULE_POINTS = 12


def _with_way_home(session: Session, candidates: list[_Candidate],
                   criteria: Criteria) -> list[_Candidate]:
    """Each candidate's ride home (one set-based query for them all), and only those with
    one if asked."""
    nights: dict[tuple[float, float], set[datetime]] = {}
    for c in candidates:
        nights.setdefault((c.row.lat, c.row.lng), set()).add(c.ends_at)
    rides = rides_home(session, criteria.home, nights, criteria.walk_m)
    for c in candidates:
        key = (c.row.lat, c.row.lng, c.ends_at)
        c.way_home, c.home_given, c.home_covered = rides.get(key), True, key in rides
    if criteria.home_reachable:
        candidates = [c for c in candidates if c.way_home is not None]
    return candidates


class _Candidate:
    """A row that passed the SQL filters; its prices are computed only if something needs them.

    Exact pricing costs tens of microseconds a row: ranking by relevance or discount uses
    a float estimate of the discount, and the full offer is built for the page's rows alone.
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
        self.way_home = None
        self.home_given = False
        self.home_covered = False

    @cached_property
    def ends_at(self) -> datetime:
        return expected_end(self.row.starts_at, self.row.show_minutes)

    @cached_property
    def discount(self) -> float:
        return discount_estimate(self.schedule, self.now)

    @cached_property
    def exact_discount(self) -> Fraction:
        return discount_at(self.schedule, self.now)

    @cached_property
    def price_cents(self) -> int:
        return price_for_discount(self.schedule, self.exact_discount)

    @cached_property
    def discount_percent(self) -> int:
        return displayed_percent(self.exact_discount)


def curtain_window(when: str, now: datetime) -> tuple[datetime | None, datetime | None]:
    """Return the [start, end) of curtain times that `when` means at `now` (Paris calendar).

    tonight: from now until 06:00 the next morning (or this morning, before 06:00);
    tomorrow: the day after today; weekend: the coming Saturday and Sunday (this one
    from Saturday on); all: no bound.
    """
    if when not in WHENS:
        raise ValidationFailed("when must be one of %(choices)s.", field="when",
                               params={"choices": ", ".join(WHENS)})
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
    date: date | None = None,
    discipline: str | None = None,
    max_price_cents: int | None = None,
    step_free: bool = False,
    home_lat: float | None = None,
    home_lng: float | None = None,
    home_reachable: bool = False,
    walk_m: int = WALK_RADIUS_M,
    sort: str = "relevance",
    page: int = 1,
    per_page: int = 20,
) -> OfferPage:
    """Return one page of the offers on sale at `now` with seats left, filtered and sorted.

    `date` keeps the curtains of that Paris calendar day (instead of `when`);
    `step_free` keeps venues with step-free access. With `home_lat`/`home_lng`, each offer
    carries `way_home`, the first direct ride after the expected end from near the venue to
    near home (or None); `home_reachable` keeps only the offers with one; `walk_m` is how
    far the spectator accepts to walk to the first stop and from the last one.

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
    criteria = Criteria(origin=(lat, lng) if lat is not None and lng is not None else None,
                        radius_km=radius_km, when=when, day=date, discipline=discipline,
                        max_price_cents=max_price_cents, step_free=step_free,
                        home=(home_lat, home_lng) if home_lat is not None and home_lng is not None
                        else None, home_reachable=home_reachable, walk_m=walk_m)
    if (home_lat is None) != (home_lng is None):
        raise ValidationFailed("home_lat and home_lng go together.", field="home_lat")
    return find_offers(session, now=now, criteria=criteria, sort=sort, page=page,
                       per_page=per_page)


def find_offers(session: Session, *, now: datetime, criteria: Criteria, sort: str = "relevance",
                page: int = 1, per_page: int = 20) -> OfferPage:
    """list_offers with its filters gathered in a Criteria (what the storefront holds)."""
    _check_arguments(*(criteria.origin or (None, None)), criteria, sort, page, per_page)
    offset = (page - 1) * per_page
    if criteria.home_reachable and criteria.home is None:
        raise ValidationFailed("home_reachable needs home_lat and home_lng.",
                               field="home_reachable")
    if (sort == "starts_at" and criteria.radius_km is None and criteria.max_price_cents is None
            and not criteria.home_reachable):
        # Nothing left for Python to filter or rank: let the database paginate.
        stmt = _filtered(_offers_select(now), now, criteria)
        rows = session.execute(stmt.order_by(Performance.starts_at, Release.id)
                               .offset(offset).limit(per_page + 1)).all()
        candidates = [_Candidate(row, now, criteria.origin) for row in rows]
        if criteria.home is not None:
            _with_way_home(session, candidates[:per_page], criteria)
        return _page(candidates[:per_page], len(candidates) > per_page, now, page, per_page)

    candidates = _candidates(session, now, criteria)
    if criteria.home_reachable:
        candidates = _with_way_home(session, candidates, criteria)
    candidates.sort(key=_sort_key(sort, now, criteria.origin is not None))
    window = candidates[offset:offset + per_page]
    if criteria.home is not None and not criteria.home_reachable:
        _with_way_home(session, window, criteria)  # the page's offers only
    return _page(window, len(candidates) > offset + per_page, now, page, per_page)


def offers_statement(now: datetime, criteria: Criteria) -> Select:
    """The SQL behind find_offers for these criteria (benchmarks and EXPLAIN read it)."""
    return _filtered(_offers_select(now), now, criteria)


def venue_pins(session: Session, *, now: datetime, criteria: Criteria,
               per_venue: int = 3) -> list[VenuePin]:
    """Return the venues with offers matching `criteria`, nearest (or soonest) first.

    Each pin counts the venue's matching offers and lists its `per_venue` soonest ones.
    """
    _check_arguments(*(criteria.origin or (None, None)), criteria, "starts_at", 1, 1)
    by_venue: dict[str, list[_Candidate]] = {}
    for candidate in _candidates(session, now, criteria):
        by_venue.setdefault(candidate.row.venue_slug, []).append(candidate)
    pins = []
    for candidates in by_venue.values():
        candidates.sort(key=lambda c: (c.row.starts_at, c.row.id))
        first = candidates[0]
        pins.append(VenuePin(
            venue=_venue(first.row), count=len(candidates),
            distance_km=round(first.distance_km, 2) if first.distance_km is not None else None,
            soonest=[PinOffer(id=c.row.id, title=c.row.title, starts_at=c.row.starts_at,
                              price_cents=c.price_cents,
                              face_price_cents=c.row.face_price_cents)
                     for c in candidates[:per_venue]],
        ))
    if criteria.origin:
        pins.sort(key=lambda pin: (pin.distance_km, pin.venue.slug))
    else:
        pins.sort(key=lambda pin: (pin.soonest[0].starts_at, pin.venue.slug))
    return pins


def get_offer(session: Session, offer_id: int, now: datetime,
              schedule_points: int = SCHEDULE_POINTS,
              origin: tuple[float, float] | None = None) -> OfferDetail:
    """Return the offer of a release on sale at `now` (even sold out), with its schedule.

    The schedule lists at most `schedule_points` upcoming drops, evenly spread, the next
    one and the last one always included. Raises NotFound for an unknown release and for
    one that is not on sale (withdrawn, closed, outside its sales window, cancelled
    performance, suspended venue).
    """
    def unknown() -> NotFound:
        return NotFound("No offer on sale has this id.")

    offer_id = checked_id(offer_id, unknown)  # a client may send any number: not a 500
    row = session.execute(_detail_select(now).where(Release.id == offer_id)).one_or_none()
    if row is None:
        raise unknown()
    candidate = _Candidate(row, now, None)
    schedule = [point for point in upcoming_schedule(candidate.schedule, now, schedule_points)
                if point.at < row.sales_close_at]
    fields = _offer_fields(candidate, now)
    fields["show"] = ShowDetail(
        title=row.title, discipline=row.discipline, description=row.description,
        duration_minutes=row.duration_minutes, age_guidance=row.age_guidance,
        image_url=row.image_url)
    fields["venue"] = VenueDetail(
        **vars(fields["venue"]), address=row.address, postcode=row.postcode,
        access_notes=row.access_notes, transport_notes=row.transport_notes,
        getting_home_notes=row.getting_home_notes)
    ends_at = expected_end(row.starts_at, row.duration_minutes)
    home = getting_home(session, row.lat, row.lng, ends_at)
    there = (getting_there(session, origin, (row.lat, row.lng), row.starts_at)
             if origin is not None else None)
    return OfferDetail(**fields, sales_close_at=row.sales_close_at,
                       price_schedule=candidate.schedule, schedule=schedule, ends_at=ends_at,
                       getting_home=home, getting_there=there,
                       stops=stops_on_map(session, row.lat, row.lng,
                                          {d.stop for d in home}) if home else [])


# Relevance (list_offers; « Comment ça marche » states these): proximity is worth half at
# PROXIMITY_HALF_KM, imminence half at IMMINENCE_HALF_HOURS before curtain, and the deal is
# worth 1 at the deepest discount allowed.
PROXIMITY_HALF_KM = 10
IMMINENCE_HALF_HOURS = 6
DEAL_FULL_PERCENT = MAX_DISCOUNT
PROXIMITY_WEIGHT, IMMINENCE_WEIGHT, DEAL_WEIGHT = 0.40, 0.35, 0.25  # with a location
IMMINENCE_WEIGHT_ANYWHERE, DEAL_WEIGHT_ANYWHERE = 0.60, 0.40  # without one


def relevance(distance_km: float | None, starts_at: datetime, discount_percent: float,
              now: datetime) -> float:
    """Return the relevance score documented on list_offers (higher ranks first)."""
    hours = max(0.0, (starts_at - now).total_seconds() / 3600)
    imminence = 1 / (1 + hours / IMMINENCE_HALF_HOURS)
    deal = discount_percent / DEAL_FULL_PERCENT
    if distance_km is None:
        return IMMINENCE_WEIGHT_ANYWHERE * imminence + DEAL_WEIGHT_ANYWHERE * deal
    proximity = 1 / (1 + distance_km / PROXIMITY_HALF_KM)
    return PROXIMITY_WEIGHT * proximity + IMMINENCE_WEIGHT * imminence + DEAL_WEIGHT * deal


def offers_by_id(session: Session, ids: list[int], now: datetime,
                 origin: tuple[float, float] | None = None) -> dict[int, Offer]:
    """Return the offers among `ids` still on sale at `now` with seats left, by id."""
    if not ids:
        return {}
    rows = session.execute(_with_seats_left(_offers_select(now), now)
                           .where(Release.id.in_(ids))).all()
    return {row.id: Offer(**_offer_fields(_Candidate(row, now, origin), now)) for row in rows}


def open_offers_select(now: datetime, *columns) -> Select:
    """`columns` of every offer on sale at `now` with seats left (Release, Performance and
    Venue joined; light on purpose: the carousel draws from all of them)."""
    lapsed, left = _lapsed_holds(now)
    return (
        select(*columns)
        .select_from(Release)
        .join(Performance, Release.performance_id == Performance.id)
        .join(Venue, Performance.venue_id == Venue.id)
        .outerjoin(lapsed, lapsed.c.release_id == Release.id)
        .where(is_on_sale(now), left > 0)
    )


SCHEDULE_COLUMNS = (
    Release.face_price_cents, Release.start_discount, Release.max_discount,
    Release.sales_open_at, Release.max_discount_at, Release.curve, Release.step_minutes,
)


def schedule_of(row: Row) -> PriceSchedule:
    """The price schedule of a row carrying the schedule columns."""
    return PriceSchedule(
        face_price_cents=row.face_price_cents, start_discount=row.start_discount,
        max_discount=row.max_discount, sales_open_at=row.sales_open_at,
        max_discount_at=row.max_discount_at, curve=row.curve, step_minutes=row.step_minutes)


# Internals -------------------------------------------------------------------------------


def _check_arguments(lat, lng, criteria: Criteria, sort: str, page: int,
                     per_page: int) -> None:
    """Refuse values a caller other than the validated API could still pass."""
    if (lat is None) != (lng is None):
        raise ValidationFailed("lat and lng go together.", field="lng" if lng is None else "lat")
    if lat is not None and not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise ValidationFailed("lat/lng out of range.", field="lat")
    radius_km = criteria.radius_km
    if radius_km is not None and (lat is None or not 0 < radius_km <= MAX_RADIUS_KM):
        raise ValidationFailed("radius_km needs lat/lng and must be in ]0, %(max)s].",
                               field="radius_km", params={"max": MAX_RADIUS_KM})
    if criteria.when not in WHENS:
        raise ValidationFailed("when must be one of %(choices)s.", field="when",
                               params={"choices": ", ".join(WHENS)})
    if criteria.day is not None and criteria.when != "all":
        raise ValidationFailed("Give either when or date, not both.", field="date")
    if criteria.discipline is not None and criteria.discipline not in DISCIPLINES:
        raise ValidationFailed("Unknown discipline.", field="discipline")
    if criteria.max_price_cents is not None and criteria.max_price_cents < 0:
        raise ValidationFailed("max_price_cents must not be negative.", field="max_price_cents")
    if sort not in SORTS or (sort == "distance" and lat is None):
        raise ValidationFailed("sort must be one of %(choices)s (distance needs lat/lng).",
                               field="sort", params={"choices": ", ".join(SORTS)})
    if page < 1:
        raise ValidationFailed("page starts at 1.", field="page")
    if not MIN_WALK_M <= criteria.walk_m <= MAX_WALK_M:
        raise ValidationFailed("walk_m must be between %(min)d and %(max)d metres.",
                               field="walk_m", params={"min": MIN_WALK_M, "max": MAX_WALK_M})
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise ValidationFailed("per_page must be between 1 and %(max)d.", field="per_page",
                               params={"max": MAX_PER_PAGE})


def _candidates(session: Session, now: datetime, criteria: Criteria) -> list[_Candidate]:
    """Every offer matching the criteria: SQL's superset, then the exact tests in Python."""
    stmt = _filtered(_offers_select(now), now, criteria)
    candidates = []
    for row in session.execute(stmt):
        candidate = _Candidate(row, now, criteria.origin)
        if criteria.radius_km is not None and candidate.distance_km > criteria.radius_km:
            continue  # in the box's corner, outside the circle
        if (criteria.max_price_cents is not None
                and candidate.price_cents > criteria.max_price_cents):
            continue
        candidates.append(candidate)
    return candidates


def _filtered(stmt: Select, now: datetime, criteria: Criteria) -> Select:
    """The cheap part of the filters, in SQL: each one may keep too much, never too little."""
    stmt = _with_seats_left(stmt, now)
    if criteria.day is not None:
        start, end = _paris_instant(criteria.day), _paris_instant(criteria.day + timedelta(days=1))
    else:
        start, end = curtain_window(criteria.when, now)
    if start is not None:
        stmt = stmt.where(Performance.starts_at >= start, Performance.starts_at < end)
    if criteria.discipline:
        stmt = stmt.where(Show.discipline == criteria.discipline)
    if criteria.step_free:
        stmt = stmt.where(Venue.step_free_access.is_(True))
    if criteria.origin and criteria.radius_km is not None:
        box = bounding_box(criteria.origin[0], criteria.origin[1], criteria.radius_km)
        stmt = stmt.where(Venue.lat.between(box.min_lat, box.max_lat),
                          Venue.lng.between(box.min_lng, box.max_lng))
    if criteria.max_price_cents is not None:
        # Never cheaper than the floor price less rounding (5 cents): a safe bound.
        stmt = stmt.where(Release.face_price_cents * (100 - Release.max_discount)
                          <= 100 * criteria.max_price_cents + 500)
    return stmt


def _lapsed_holds(now: datetime):
    """The seats of lapsed holds still counted in `held`, per release, and the seats left.

    The same count as marketplace.domain.inventory.queries.seats_left, as a join on the (few)
    active lapsed holds rather than a subquery per release: one hash of a handful of
    rows instead of one index probe per offer, and a plan PostgreSQL does not JIT.
    """
    lapsed = (
        select(Hold.release_id, func.sum(Hold.quantity).label("seats"))
        .where(Hold.status == "active", Hold.expires_at <= now)
        .group_by(Hold.release_id)
        .subquery("lapsed")
    )
    left: ColumnElement[int] = (Release.quantity - Release.sold - Release.held
                                + func.coalesce(lapsed.c.seats, 0))
    return lapsed, left


def _with_seats_left(stmt: Select, now: datetime) -> Select:
    """Only offers with seats left, and their count as the `seats_left` column."""
    lapsed, left = _lapsed_holds(now)
    return (stmt.add_columns(left.label("seats_left"))
            .outerjoin(lapsed, lapsed.c.release_id == Release.id)
            .where(left > 0))


def _offers_select(now: datetime) -> Select:
    """One row per release on sale at `now`, with everything an offer shows (no N+1)."""
    return (
        select(
            Release.id, Release.category, *SCHEDULE_COLUMNS, Release.sales_close_at,
            Release.max_per_order, Performance.starts_at, Show.title, Show.discipline,
            Venue.slug.label("venue_slug"), Venue.name.label("venue_name"), Venue.city,
            Venue.lat, Venue.lng, Venue.step_free_access,
            Show.duration_minutes.label("show_minutes"),
        )
        .join(Performance, Release.performance_id == Performance.id)
        .join(Show, Performance.show_id == Show.id)
        .join(Venue, Performance.venue_id == Venue.id)
        .where(is_on_sale(now))
    )


def _detail_select(now: datetime) -> Select:
    """_offers_select plus what an offer's page says about the show and the venue."""
    lapsed, left = _lapsed_holds(now)
    return (
        _offers_select(now)
        .add_columns(
            left.label("seats_left"),  # sold out but still on sale: the page says so
            Show.description, Show.duration_minutes, Show.age_guidance, Show.image_url,
            Venue.address, Venue.postcode, Venue.access_notes, Venue.transport_notes,
            Venue.getting_home_notes,
        )
        .outerjoin(lapsed, lapsed.c.release_id == Release.id)
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
                                 c.discount, now), *tie(c))


def _page(window: list[_Candidate], more: bool, now: datetime, page: int,
          per_page: int) -> OfferPage:
    return OfferPage(offers=[Offer(**_offer_fields(c, now)) for c in window], page=page,
                     per_page=per_page, next_page=page + 1 if more else None)


def _venue(row: Row) -> OfferVenue:
    return OfferVenue(slug=row.venue_slug, name=row.venue_name, city=row.city, lat=row.lat,
                      lng=row.lng, step_free_access=bool(row.step_free_access))


def _offer_fields(c: _Candidate, now: datetime) -> dict[str, Any]:
    row = c.row
    drop = next_drop(c.schedule, now, c.price_cents)
    if drop is not None and drop.at >= row.sales_close_at:
        drop = None  # a drop at closing time would never be on sale
    return {
        "id": row.id,
        "show": OfferShow(title=row.title, discipline=row.discipline),
        "venue": _venue(row),
        "starts_at": row.starts_at,
        "category": row.category,
        "face_price_cents": row.face_price_cents,
        "price_cents": c.price_cents,
        "discount_percent": c.discount_percent,
        "next_drop_at": drop.at if drop else None,
        "next_price_cents": drop.price_cents if drop else None,
        "seats_left": max(row.seats_left, 0),
        "max_per_order": row.max_per_order,
        "distance_km": round(c.distance_km, 2) if c.distance_km is not None else None,
        "way_home": c.way_home,
        "home_given": c.home_given,
        "home_covered": c.home_covered,
    }


def _paris_instant(day: date, at: time = time(0, 0)) -> datetime:
    """The UTC instant when Paris clocks show `day` at `at`."""
    return datetime.combine(day, at, tzinfo=PARIS).astimezone(UTC)
