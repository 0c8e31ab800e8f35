"""Distances on the Earth: a bounding box for SQL prefilters, haversine for the survivors.

A box is a cheap superset of a circle that an index on (lat, lng) can serve; the exact
great-circle distance is then computed in Python on the few rows left (within 0.3% of
the geodesic distance, which is plenty to sort and filter offers).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# Mean Earth radius (IUGG), in kilometres.
EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True)
class BoundingBox:
    """Latitudes and longitudes (degrees) enclosing every point within a radius of a centre."""

    min_lat: float
    max_lat: float
    min_lng: float
    max_lng: float

    def contains(self, lat: float, lng: float) -> bool:
        return self.min_lat <= lat <= self.max_lat and self.min_lng <= lng <= self.max_lng


def haversine_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Return the great-circle distance in km between two points given in degrees."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lng2 - lng1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def bounding_box(lat: float, lng: float, radius_km: float) -> BoundingBox:
    """Return a box holding every point within `radius_km` of (lat, lng).

    Near a pole, or when the box would cross the antimeridian, it widens to every
    longitude: a prefilter may let too much through, never too little.
    """
    if radius_km < 0:
        raise ValueError("radius_km must not be negative")
    angular = radius_km / EARTH_RADIUS_KM  # radians of arc
    dlat = math.degrees(angular)
    min_lat, max_lat = lat - dlat, lat + dlat
    if min_lat <= -90 or max_lat >= 90:
        return BoundingBox(max(min_lat, -90.0), min(max_lat, 90.0), -180.0, 180.0)
    # The widest longitude span of the circle, reached at the latitude of its tangents.
    ratio = math.sin(angular) / math.cos(math.radians(lat))
    if ratio >= 1:
        return BoundingBox(min_lat, max_lat, -180.0, 180.0)
    dlng = math.degrees(math.asin(ratio))
    min_lng, max_lng = lng - dlng, lng + dlng
    if min_lng < -180 or max_lng > 180:
        return BoundingBox(min_lat, max_lat, -180.0, 180.0)
    return BoundingBox(min_lat, max_lat, min_lng, max_lng)
