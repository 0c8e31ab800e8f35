"""Addresses to coordinates: geopy's Nominatim behind a small interface, results kept.

Every answer is stored in `geocoded_places` under its normalised query, so an address is
asked once. The app always asks through marketplace.domain.catalog.geocoding_guard, which keeps
Nominatim's usage policy (one request a second across workers) without making anyone
wait in line, and gives up after a short timeout. Tests inject a fake `Geocoder`, never
the network.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.domain.catalog.models import GeocodedPlace
from marketplace.domain.db import insert_once

log = logging.getLogger(__name__)

QUERY_MAX_LENGTH = 200


@dataclass(frozen=True)
class GeoPoint:
    lat: float
    lng: float
    label: str = ""


class GeocodingUnavailable(Exception):
    """The geocoding service did not answer (no network, timeout, refused)."""


class Geocoder(Protocol):
    def geocode(self, query: str) -> GeoPoint | None:
        """The best match for a free-text query, None when nothing matches.

        Raises GeocodingUnavailable when the service cannot be asked.
        """


class NominatimGeocoder:
    """OpenStreetMap's Nominatim through geopy, France only; one try, `timeout` seconds.

    No rate limiter of its own (geopy's sleeps in the request): GuardedGeocoder paces it.
    """

    def __init__(self, user_agent: str, timeout: float = 2.0) -> None:
        from geopy.geocoders import Nominatim

        self._nominatim = Nominatim(user_agent=user_agent, timeout=timeout)

    def geocode(self, query: str) -> GeoPoint | None:
        from geopy.exc import GeopyError

        try:
            location = self._nominatim.geocode(query, country_codes="fr", exactly_one=True)
        except GeopyError as error:
            raise GeocodingUnavailable(str(error)) from error
        if location is None:
            return None
        return GeoPoint(lat=location.latitude, lng=location.longitude, label=location.address)


class OfflineGeocoder:
    """The geocoder of a machine without network (tests, when none is injected)."""

    def geocode(self, query: str) -> GeoPoint | None:
        raise GeocodingUnavailable("geocoding is off on this machine")


def normalise_query(query: str) -> str:
    """The cache key of a query: lower case, single spaces, at most 200 characters."""
    return " ".join(query.lower().split())[:QUERY_MAX_LENGTH]


def locate(session: Session, geocoder: Geocoder, query: str, now: datetime) -> GeoPoint | None:
    """Coordinates of `query`, from the stored answers or the geocoder (whose answer is stored).

    None when nothing matches or the service is unavailable: the caller keeps what it had.
    Writes in the caller's transaction (flush only).
    """
    try:
        return look_up(session, geocoder, query, now)
    except GeocodingUnavailable as error:
        log.info("geocoding unavailable: %s", error)  # not the query: a spectator's address
        return None


def look_up(session: Session, geocoder: Geocoder, query: str, now: datetime) -> GeoPoint | None:
    """Like locate(), but raises GeocodingUnavailable when the service could not answer."""
    key = normalise_query(query)
    if not key:
        return None
    known = session.scalar(select(GeocodedPlace).where(GeocodedPlace.query == key))
    if known is not None:
        return GeoPoint(lat=known.lat, lng=known.lng, label=known.label)
    point = geocoder.geocode(query)
    if point is None or not (-90 <= point.lat <= 90 and -180 <= point.lng <= 180):
        return None
    insert_once(session, GeocodedPlace, {
        "query": key, "label": (point.label or query)[:300], "lat": point.lat,
        "lng": point.lng, "created_at": now,
    }, key="query")
    return point
