"""What a spectator sees of an offer, and what they ask for: plain values, no database."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from marketplace.domain.pricing import PricePoint, PriceSchedule
from marketplace.domain.transit.journeys import (
    WALK_RADIUS_M,
    Approach,
    Departure,
    MapStop,
    Ride,
)


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
    step_free_access: bool = False


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
    way_home: Ride | None = None  # with a home location: the first direct ride home
    home_given: bool = False  # way_home is said (even None) only when a home was given
    home_covered: bool = False  # a timetable has stops near the venue and near home


@dataclass(frozen=True, kw_only=True)
class ShowDetail(OfferShow):
    description: str = ""
    duration_minutes: int | None = None
    age_guidance: str = ""
    image_url: str = ""


@dataclass(frozen=True, kw_only=True)
class VenueDetail(OfferVenue):
    address: str = ""
    postcode: str = ""
    access_notes: str = ""
    transport_notes: str = ""
    getting_home_notes: str = ""


@dataclass(frozen=True, kw_only=True)
class OfferDetail(Offer):
    """An offer with everything its page shows, and its upcoming price drops."""

    show: ShowDetail
    venue: VenueDetail
    sales_close_at: datetime
    price_schedule: PriceSchedule
    schedule: list[PricePoint] = field(default_factory=list)
    ends_at: datetime | None = None  # the expected end: the duration, or two hours
    getting_home: list[Departure] = field(default_factory=list)
    # « Pour venir »: None when the spectator's location is not known.
    getting_there: list[Approach] | None = None
    stops: list[MapStop] = field(default_factory=list)  # on the small map


@dataclass(frozen=True, kw_only=True)
class OfferPage:
    offers: list[Offer]
    page: int
    per_page: int
    next_page: int | None


@dataclass(frozen=True, kw_only=True)
class PinOffer:
    """One line of a map marker's list: what, when, for how much."""

    id: int
    title: str
    starts_at: datetime
    price_cents: int
    face_price_cents: int


@dataclass(frozen=True, kw_only=True)
class VenuePin:
    """A venue with open offers matching the filters: one marker on the map."""

    venue: OfferVenue
    count: int
    soonest: list[PinOffer]
    distance_km: float | None = None


@dataclass(frozen=True)
class Criteria:
    """What a spectator asked for; list_offers checks it before anything reads it."""

    origin: tuple[float, float] | None = None
    radius_km: float | None = None
    when: str = "all"
    day: date | None = None
    discipline: str | None = None
    max_price_cents: int | None = None
    step_free: bool = False
    home: tuple[float, float] | None = None  # where the spectator sleeps tonight
    home_reachable: bool = False  # only offers with a direct ride home after the end
    walk_m: int = WALK_RADIUS_M  # how far the spectator walks at each end of that ride
