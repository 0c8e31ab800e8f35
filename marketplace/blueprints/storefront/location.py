"""Where the spectator is, remembered in a cookie on their own device (never stored by us).

Set from the browser's position (`?lat=&lng=`, sent by static/js/kiosque.js only after a
tap on « autour de moi ») or from a typed town or postcode (`?near=`), forgotten with
`?forget=1`. Coordinates are kept to three decimals: about a hundred metres is plenty
to sort offers by distance and says less about where someone lives.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode

from flask import Request, Response, current_app

COOKIE = "where"
COOKIE_MAX_AGE = 30 * 24 * 3600
PRECISION = 3  # decimals of a degree: ~110 m
LABEL_MAX_LENGTH = 60


@dataclass(frozen=True)
class Location:
    lat: float
    lng: float
    label: str = ""  # "" for the device's own position

    @property
    def origin(self) -> tuple[float, float]:
        return self.lat, self.lng

    @property
    def from_device(self) -> bool:
        return not self.label


def location_from(lat: object, lng: object, label: str = "") -> Location | None:
    """A location from untrusted values; None unless both are real coordinates."""
    try:
        lat, lng = float(lat), float(lng)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    if not (math.isfinite(lat) and math.isfinite(lng) and -90 <= lat <= 90
            and -180 <= lng <= 180):
        return None
    return Location(round(lat, PRECISION), round(lng, PRECISION), label[:LABEL_MAX_LENGTH])


def read_location(request: Request) -> Location | None:
    """The location remembered in the cookie, if any (a damaged cookie is ignored)."""
    raw = request.cookies.get(COOKIE)
    if not raw:
        return None
    values = parse_qs(raw)
    return location_from(values.get("lat", [None])[0], values.get("lng", [None])[0],
                         values.get("label", [""])[0])


def remember_location(response: Response, location: Location | None) -> Response:
    """Keep the location for the next visits, or forget it (None)."""
    if location is None:
        response.delete_cookie(COOKIE, samesite="Lax")
        return response
    value = urlencode({"lat": location.lat, "lng": location.lng, "label": location.label})
    response.set_cookie(COOKIE, value, max_age=COOKIE_MAX_AGE, samesite="Lax", httponly=True,
                        secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response
