"""Where a spectator is: a typed town or postcode turned into coordinates.

The region's own table first (no network: the demo works offline), then the answers
already stored in `geocoded_places`, then the geocoder (Nominatim in production, a fake
in tests), whose answer is stored for next time (marketplace.catalog.geocoding.locate).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from marketplace.catalog.geocoding import QUERY_MAX_LENGTH, Geocoder, locate
from marketplace.catalog.towns import find_town
from marketplace.errors import ValidationFailed

LABEL_MAX_LENGTH = 60


@dataclass(frozen=True)
class Place:
    lat: float
    lng: float
    label: str


class PlaceNotFound(ValidationFailed):
    code = "unknown_place"
    message = "No town or postcode of that name was found."


def find_place(session: Session, geocoder: Geocoder, query: str, now: datetime) -> Place:
    """The place `query` names; raises PlaceNotFound (422) when neither table nor geocoder knows.

    May store the geocoder's answer (flush only: the caller commits).
    """
    query = " ".join(query.split())[:QUERY_MAX_LENGTH]
    if not query:
        raise PlaceNotFound("Type a town or a postcode.", field="near")
    found = find_town(query)
    if found:
        town, label = found
        return Place(lat=town.lat, lng=town.lng, label=label)
    point = locate(session, geocoder, query, now)
    if point is None:
        raise PlaceNotFound(field="near")
    # Nominatim's labels run to the country ("Cassis, Bouches-du-Rhône, …, France"):
    # the first part is the one a person recognises.
    label = (point.label or query).split(",")[0].strip() or query
    return Place(lat=point.lat, lng=point.lng, label=label[:LABEL_MAX_LENGTH])
