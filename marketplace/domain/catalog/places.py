"""Where a spectator is: a typed town or postcode turned into coordinates.

The region's own table first (no network: the demo works offline, and answers at once),
then the answers already stored in `geocoded_places`, then the geocoder (Nominatim in
production, a fake in tests; always behind marketplace.domain.catalog.geocoding_guard, so a
request never waits long for it), whose answer is stored for next time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from marketplace.domain.catalog.geocoding import (
    QUERY_MAX_LENGTH,
    Geocoder,
    GeocodingUnavailable,
    look_up,
)
from marketplace.domain.catalog.towns import find_town
from marketplace.domain.db import transaction
from marketplace.domain.errors import Unavailable, ValidationFailed

LABEL_MAX_LENGTH = 60


@dataclass(frozen=True)
class Place:
    lat: float
    lng: float
    label: str


class PlaceNotFound(ValidationFailed):
    code = "unknown_place"
    message = "No town or postcode of that name was found."


class PlaceLookupUnavailable(Unavailable):
    """The geocoder is busy, slow or down: this text cannot be looked up now (503)."""

    code = "geocoding_unavailable"
    message = ("Places beyond the region's towns cannot be looked up right now: type a "
               "postcode or a town of the region, or try again in a moment.")
    retry_after = 5


def find_place(session: Session, geocoder: Geocoder, query: str, now: datetime) -> Place:
    """The place `query` names; raises PlaceNotFound (422) when neither table nor geocoder
    knows, PlaceLookupUnavailable (503) when the geocoder cannot be asked now.

    Commits the geocoder's answer, kept for the next asker (its own transaction).
    """
    query = " ".join(query.split())[:QUERY_MAX_LENGTH]
    if not query:
        raise PlaceNotFound("Type a town or a postcode.", field="near")
    found = find_town(query)
    if found:
        town, label = found
        return Place(lat=town.lat, lng=town.lng, label=label)
    try:
        with transaction(session):
            point = look_up(session, geocoder, query, now)
    except GeocodingUnavailable as error:
        raise PlaceLookupUnavailable(field="near") from error
    if point is None:
        raise PlaceNotFound(field="near")
    # Nominatim's labels run to the country ("Cassis, Bouches-du-Rhône, …, France"):
    # the first part is the one a person recognises.
    label = (point.label or query).split(",")[0].strip() or query
    return Place(lat=point.lat, lng=point.lng, label=label[:LABEL_MAX_LENGTH])
