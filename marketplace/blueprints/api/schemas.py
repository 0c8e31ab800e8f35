"""Schemas of the public API: they validate input (422 on bad values) and document it."""

from __future__ import annotations

import datetime as dt

import marshmallow as ma
from marshmallow import validate

from marketplace.domain.catalog.models import DISCIPLINES
from marketplace.domain.offers.carousel import DEFAULT_SIZE, MAX_SIZE, MIN_SIZE, REASONS
from marketplace.domain.offers.queries import MAX_PER_PAGE, MAX_RADIUS_KM, SORTS, WHENS
from marketplace.domain.transit.journeys import MAX_WALK_M, MIN_WALK_M, WALK_RADIUS_M

# Far beyond the last page of any region, and small enough for every database's OFFSET.
MAX_PAGE = 100_000


class OffersQuerySchema(ma.Schema):
    lat = ma.fields.Float(validate=validate.Range(-90, 90),
                          metadata={"description": "Latitude of the spectator (with lng)"})
    lng = ma.fields.Float(validate=validate.Range(-180, 180),
                          metadata={"description": "Longitude of the spectator (with lat)"})
    radius_km = ma.fields.Float(
        validate=validate.Range(0, MAX_RADIUS_KM, min_inclusive=False),
        metadata={"description": "Only offers within this distance of lat/lng",
                  "exclusiveMinimum": True},
    )
    when = ma.fields.String(load_default="all", validate=validate.OneOf(WHENS),
                            metadata={"description": "Curtain window, Paris time"})
    date = ma.fields.Date(
        validate=validate.Range(min=dt.date(2000, 1, 1), max=dt.date(2100, 12, 31)),
        metadata={"description": "Curtain on this Paris calendar day "
                                 "(YYYY-MM-DD; instead of when)"})
    discipline = ma.fields.String(validate=validate.OneOf(DISCIPLINES))
    max_price_cents = ma.fields.Integer(validate=validate.Range(min=0, max=100_000_000),
                                        metadata={"description": "Current price at most"})
    step_free = ma.fields.Boolean(load_default=False,
                                  metadata={"description": "Only venues with step-free access"})
    home_lat = ma.fields.Float(validate=validate.Range(-90, 90), metadata={
        "description": "Latitude of home (with home_lng): each offer gets way_home"})
    home_lng = ma.fields.Float(validate=validate.Range(-180, 180), metadata={
        "description": "Longitude of home (with home_lat)"})
    home_reachable = ma.fields.Boolean(load_default=False, metadata={
        "description": "Only offers with a direct ride home after the expected end "
                       "(needs home_lat/home_lng)"})
    walk_m = ma.fields.Integer(
        load_default=WALK_RADIUS_M, validate=validate.Range(MIN_WALK_M, MAX_WALK_M),
        metadata={"description": "How far (metres, straight line) the spectator accepts to "
                                 "walk to the first stop and from the last one, for way_home"})
    sort = ma.fields.String(load_default="relevance", validate=validate.OneOf(SORTS),
                            metadata={"description": "distance needs lat/lng"})
    page = ma.fields.Integer(load_default=1, validate=validate.Range(1, MAX_PAGE))
    per_page = ma.fields.Integer(load_default=20, validate=validate.Range(1, MAX_PER_PAGE))

    @ma.validates_schema
    def _location_goes_together(self, data: dict, **kwargs) -> None:
        has_lat, has_lng = "lat" in data, "lng" in data
        if has_lat != has_lng:
            missing = "lng" if has_lat else "lat"
            raise ma.ValidationError("lat and lng must be given together.", missing)
        if not has_lat and "radius_km" in data:
            raise ma.ValidationError("radius_km needs lat and lng.", "radius_km")
        if not has_lat and data.get("sort") == "distance":
            raise ma.ValidationError("sort=distance needs lat and lng.", "sort")
        if ("home_lat" in data) != ("home_lng" in data):
            raise ma.ValidationError("home_lat and home_lng must be given together.",
                                     "home_lng" if "home_lat" in data else "home_lat")
        if data.get("home_reachable") and "home_lat" not in data:
            raise ma.ValidationError("home_reachable needs home_lat and home_lng.",
                                     "home_reachable")
        if "date" in data and data.get("when", "all") != "all":
            raise ma.ValidationError("Give either when or date, not both.", "date")


class OfferQuerySchema(ma.Schema):
    """GET /offers/{id}: where the spectator sets out from, for getting_there."""

    class Meta:
        unknown = ma.EXCLUDE  # the page's own links may carry more; they change nothing

    lat = ma.fields.Float(validate=validate.Range(-90, 90), metadata={
        "description": "Latitude of the spectator (with lng): the offer gets getting_there"})
    lng = ma.fields.Float(validate=validate.Range(-180, 180),
                          metadata={"description": "Longitude of the spectator (with lat)"})
    home_lat = ma.fields.Float(validate=validate.Range(-90, 90), metadata={
        "description": "Latitude of home (with home_lng): used for getting_there "
                       "when lat/lng are not given"})
    home_lng = ma.fields.Float(validate=validate.Range(-180, 180), metadata={
        "description": "Longitude of home (with home_lat)"})

    @ma.validates_schema
    def _location_goes_together(self, data: dict, **kwargs) -> None:
        for lat, lng in (("lat", "lng"), ("home_lat", "home_lng")):
            if (lat in data) != (lng in data):
                raise ma.ValidationError(f"{lat} and {lng} must be given together.",
                                         lng if lat in data else lat)


class CarouselQuerySchema(ma.Schema):
    lat = ma.fields.Float(validate=validate.Range(-90, 90),
                          metadata={"description": "Latitude of the spectator (with lng)"})
    lng = ma.fields.Float(validate=validate.Range(-180, 180),
                          metadata={"description": "Longitude of the spectator (with lat)"})
    size = ma.fields.Integer(load_default=DEFAULT_SIZE, validate=validate.Range(MIN_SIZE, MAX_SIZE),
                             metadata={"description": "How many items at most"})

    @ma.validates_schema
    def _location_goes_together(self, data: dict, **kwargs) -> None:
        if ("lat" in data) != ("lng" in data):
            raise ma.ValidationError("lat and lng must be given together.",
                                     "lng" if "lat" in data else "lat")


class OfferShowSchema(ma.Schema):
    title = ma.fields.String(required=True)
    discipline = ma.fields.String(required=True)


class OfferVenueSchema(ma.Schema):
    slug = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    city = ma.fields.String(required=True)
    lat = ma.fields.Float(required=True)
    lng = ma.fields.Float(required=True)
    step_free_access = ma.fields.Boolean(required=True)


class RideSchema(ma.Schema):
    route = ma.fields.String(required=True)
    departs_at = ma.fields.AwareDateTime(required=True)
    arrives_at = ma.fields.AwareDateTime(required=True)
    to_stop = ma.fields.String(required=True, metadata={"description": "Where to get off"})
    mode = ma.fields.String(required=True)
    headsign = ma.fields.String(required=True)
    from_stop = ma.fields.String(required=True)
    walk_minutes = ma.fields.Integer(required=True)


class OfferSchema(ma.Schema):
    id = ma.fields.Integer(required=True,
                           metadata={"description": "The release id; POST /holds takes it"})
    show = ma.fields.Nested(OfferShowSchema, required=True)
    venue = ma.fields.Nested(OfferVenueSchema, required=True)
    starts_at = ma.fields.AwareDateTime(required=True)
    category = ma.fields.String(required=True)
    face_price_cents = ma.fields.Integer(required=True)
    price_cents = ma.fields.Integer(required=True, metadata={"description": "Price now"})
    discount_percent = ma.fields.Integer(required=True)
    next_drop_at = ma.fields.AwareDateTime(allow_none=True,
                                           metadata={"description": "null at the floor price"})
    next_price_cents = ma.fields.Integer(allow_none=True)
    seats_left = ma.fields.Integer(required=True)
    max_per_order = ma.fields.Integer(required=True)
    distance_km = ma.fields.Float(allow_none=True,
                                  metadata={"description": "null unless lat/lng were given"})
    way_home = ma.fields.Nested(RideSchema, allow_none=True, metadata={
        "description": "Only with home_lat/home_lng: the first direct ride after the "
                       "expected end from near the venue to near home; null when none"})

    @ma.post_dump(pass_original=True)
    def _way_home_only_with_a_home(self, data: dict, original, **_kwargs) -> dict:
        if not getattr(original, "home_given", False):
            data.pop("way_home", None)
        return data


class OfferPageSchema(ma.Schema):
    offers = ma.fields.List(ma.fields.Nested(OfferSchema), required=True)
    page = ma.fields.Integer(required=True)
    per_page = ma.fields.Integer(required=True)
    next_page = ma.fields.Integer(allow_none=True,
                                  metadata={"description": "null on the last page"})


class PricePointSchema(ma.Schema):
    at = ma.fields.AwareDateTime(required=True)
    price_cents = ma.fields.Integer(required=True)
    discount_percent = ma.fields.Integer(required=True)


class ShowDetailSchema(OfferShowSchema):
    description = ma.fields.String(required=True)
    duration_minutes = ma.fields.Integer(allow_none=True)
    age_guidance = ma.fields.String(required=True)
    image_url = ma.fields.String(required=True)


class VenueDetailSchema(OfferVenueSchema):
    address = ma.fields.String(required=True)
    postcode = ma.fields.String(required=True)
    access_notes = ma.fields.String(required=True)
    transport_notes = ma.fields.String(required=True)
    getting_home_notes = ma.fields.String(required=True,
                                          metadata={"description": "How to get home after"})


class DepartureSchema(ma.Schema):
    mode = ma.fields.String(required=True, metadata={
        "description": "tram, metro, train, bus, coach, ferry or other"})
    route = ma.fields.String(required=True, metadata={"description": "e.g. « ZOU! 51 »"})
    headsign = ma.fields.String(required=True, metadata={"description": "Where it goes"})
    stop = ma.fields.String(required=True, metadata={"description": "Where to board it"})
    walk_minutes = ma.fields.Integer(required=True, metadata={
        "description": "From the venue to the stop, at 4.5 km/h (stops within 600 m)"})
    departs_at = ma.fields.AwareDateTime(required=True, metadata={
        "description": "The first departure reachable on foot after the expected end"})
    last_departs_at = ma.fields.AwareDateTime(required=True, metadata={
        "description": "The last departure of the night from that stop"})


class ApproachSchema(ma.Schema):
    mode = ma.fields.String(required=True, metadata={
        "description": "tram, metro, train, bus, coach, ferry or other"})
    route = ma.fields.String(required=True)
    headsign = ma.fields.String(required=True, metadata={"description": "Where it goes"})
    from_stop = ma.fields.String(required=True, metadata={"description": "Where to board"})
    walk_from_minutes = ma.fields.Integer(required=True, metadata={
        "description": "From the spectator to that stop, at 4.5 km/h (stops within 600 m)"})
    departs_at = ma.fields.AwareDateTime(required=True, metadata={
        "description": "The latest departure still arriving in time"})
    to_stop = ma.fields.String(required=True, metadata={"description": "Where to get off"})
    arrives_at = ma.fields.AwareDateTime(required=True)
    walk_to_minutes = ma.fields.Integer(required=True, metadata={
        "description": "From that stop to the venue"})


class OfferDetailSchema(OfferSchema):
    show = ma.fields.Nested(ShowDetailSchema, required=True)
    venue = ma.fields.Nested(VenueDetailSchema, required=True)
    sales_close_at = ma.fields.AwareDateTime(required=True)
    schedule = ma.fields.List(ma.fields.Nested(PricePointSchema), required=True,
                              metadata={"description": "The upcoming price drops (at most 12, "
                                                       "evenly spread, next and last kept)"})
    ends_at = ma.fields.AwareDateTime(required=True, metadata={
        "description": "Expected end: start plus the show's duration (two hours if unknown)"})
    getting_home = ma.fields.List(ma.fields.Nested(DepartureSchema), required=True, metadata={
        "description": "After the expected end, from stops within a walk: one departure "
                       "per route and direction; empty when no imported timetable covers "
                       "the venue"})
    getting_there = ma.fields.List(ma.fields.Nested(ApproachSchema), metadata={
        "description": "Only with lat/lng (or home_lat/home_lng): direct rides from stops "
                       "within a walk of there to stops within a walk of the venue, arriving "
                       "at least the walk plus 10 minutes before curtain; the latest per "
                       "route and direction, latest first; empty when none"})

    @ma.post_dump(pass_original=True)
    def _getting_there_only_with_a_place(self, data: dict, original, **_kwargs) -> dict:
        if getattr(original, "getting_there", None) is None:
            data.pop("getting_there", None)
        return data


class CarouselItemSchema(ma.Schema):
    offer = ma.fields.Nested(OfferSchema, required=True)
    reason = ma.fields.String(required=True, validate=validate.OneOf(REASONS),
                              metadata={"description": "Why it is there: nearby, soon, deal "
                                                       "or random"})


class CarouselSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(CarouselItemSchema), required=True,
                           metadata={"description": "A quarter to a half of them random"})
