"""Distances: haversine against known figures, bounding boxes that never cut a circle short."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from marketplace.domain.catalog.geo import EARTH_RADIUS_KM, bounding_box, haversine_km

MARSEILLE_VIEUX_PORT = (43.2951, 5.3744)
AIX_COURS_MIRABEAU = (43.5263, 5.4454)
TOULON_OPERA = (43.1245, 5.9318)
NICE_PROMENADE_DES_ARTS = (43.7013, 7.2786)


def destination(lat: float, lng: float, bearing_deg: float, km: float) -> tuple[float, float]:
    """The point `km` away from (lat, lng) along an initial bearing (spherical Earth)."""
    phi, lam, theta = math.radians(lat), math.radians(lng), math.radians(bearing_deg)
    delta = km / EARTH_RADIUS_KM
    phi2 = math.asin(math.sin(phi) * math.cos(delta)
                     + math.cos(phi) * math.sin(delta) * math.cos(theta))
    lam2 = lam + math.atan2(math.sin(theta) * math.sin(delta) * math.cos(phi),
                            math.cos(delta) - math.sin(phi) * math.sin(phi2))
    return math.degrees(phi2), (math.degrees(lam2) + 540) % 360 - 180


def test_marseille_vieux_port_to_aix_is_about_26_km():
    assert 25 <= haversine_km(*MARSEILLE_VIEUX_PORT, *AIX_COURS_MIRABEAU) <= 30


def test_known_distances_in_the_region_and_beyond():
    assert haversine_km(*MARSEILLE_VIEUX_PORT, *TOULON_OPERA) == pytest.approx(47.5, abs=1.5)
    assert haversine_km(*MARSEILLE_VIEUX_PORT, *NICE_PROMENADE_DES_ARTS) == pytest.approx(
        159, abs=3)
    # Paris (Notre-Dame) to London (Charing Cross): 343.5 km along the great circle.
    assert haversine_km(48.8530, 2.3499, 51.5073, -0.1276) == pytest.approx(343.5, rel=0.005)


def test_one_degree_of_latitude_is_about_111_km():
    assert haversine_km(43.0, 5.0, 44.0, 5.0) == pytest.approx(111.2, abs=0.1)


def test_distance_is_zero_to_itself_and_symmetric():
    assert haversine_km(*AIX_COURS_MIRABEAU, *AIX_COURS_MIRABEAU) == 0
    there = haversine_km(*MARSEILLE_VIEUX_PORT, *NICE_PROMENADE_DES_ARTS)
    back = haversine_km(*NICE_PROMENADE_DES_ARTS, *MARSEILLE_VIEUX_PORT)
    assert there == pytest.approx(back)


def test_antipodes_are_half_the_circumference_apart():
    assert haversine_km(0, 0, 0, 180) == pytest.approx(math.pi * EARTH_RADIUS_KM)


def test_box_around_marseille_holds_aix_at_30_km_but_not_at_20():
    assert bounding_box(*MARSEILLE_VIEUX_PORT, 30).contains(*AIX_COURS_MIRABEAU)
    assert not bounding_box(*MARSEILLE_VIEUX_PORT, 20).contains(*AIX_COURS_MIRABEAU)


def test_box_is_wider_in_longitude_than_in_latitude_away_from_the_equator():
    box = bounding_box(*MARSEILLE_VIEUX_PORT, 10)
    assert box.max_lat - box.min_lat == pytest.approx(2 * 10 / 111.195, rel=1e-3)
    assert box.max_lng - box.min_lng > box.max_lat - box.min_lat


def test_box_near_a_pole_spans_every_longitude():
    box = bounding_box(89.9, 10.0, 50)
    assert (box.min_lng, box.max_lng) == (-180.0, 180.0)
    assert box.max_lat == 90.0


def test_box_across_the_antimeridian_spans_every_longitude():
    box = bounding_box(-17.7, 179.9, 50)  # Fiji
    assert (box.min_lng, box.max_lng) == (-180.0, 180.0)
    assert box.contains(-17.7, -179.9)


def test_negative_radius_is_refused():
    with pytest.raises(ValueError):
        bounding_box(43.3, 5.4, -1)


@given(
    lat=st.floats(-85, 85),
    lng=st.floats(-179.5, 179.5),
    radius=st.floats(0.1, 200),
    bearing=st.floats(0, 360),
    share=st.floats(0, 0.999),
)
def test_every_point_within_the_radius_is_inside_the_box(lat, lng, radius, bearing, share):
    point = destination(lat, lng, bearing, radius * share)
    assert bounding_box(lat, lng, radius).contains(*point)


# --- against the geodesic (WGS84) -------------------------------------------------------------

from geopy.distance import geodesic  # noqa: E402

# Within metropolitan France a sphere of mean radius is at most ~0.35 % off the ellipsoid
# (it is the east-west distances of the north that it shortens most).
FRANCE = {"lat": st.floats(41.3, 51.1), "lng": st.floats(-5.2, 9.6)}
REGION_SUD = {"lat": st.floats(42.9, 45.2), "lng": st.floats(4.2, 7.8)}


@given(a_lat=REGION_SUD["lat"], a_lng=REGION_SUD["lng"], b_lat=REGION_SUD["lat"],
       b_lng=REGION_SUD["lng"])
def test_haversine_is_within_half_a_percent_of_the_geodesic_in_the_region(a_lat, a_lng, b_lat,
                                                                          b_lng):
    exact = geodesic((a_lat, a_lng), (b_lat, b_lng)).km
    if exact > 0.01:
        assert abs(haversine_km(a_lat, a_lng, b_lat, b_lng) - exact) <= 0.005 * exact


@given(a_lat=FRANCE["lat"], a_lng=FRANCE["lng"], bearing=st.floats(0, 360),
       km=st.floats(0.1, 300))
def test_haversine_is_within_half_a_percent_of_the_geodesic_across_france(a_lat, a_lng,
                                                                          bearing, km):
    b_lat, b_lng = destination(a_lat, a_lng, bearing, km)
    exact = geodesic((a_lat, a_lng), (b_lat, b_lng)).km
    assert abs(haversine_km(a_lat, a_lng, b_lat, b_lng) - exact) <= 0.005 * exact


def test_known_venue_distances_match_the_geodesic():
    for there in (AIX_COURS_MIRABEAU, TOULON_OPERA, NICE_PROMENADE_DES_ARTS):
        exact = geodesic(MARSEILLE_VIEUX_PORT, there).km
        assert haversine_km(*MARSEILLE_VIEUX_PORT, *there) == pytest.approx(exact, rel=0.005)
