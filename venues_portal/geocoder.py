"""The geocoder the portal uses: the app's GEOCODER if set (tests inject a fake), else Nominatim."""

from __future__ import annotations

from flask import current_app

from marketplace.catalog.geocoding import Geocoder, NominatimGeocoder, OfflineGeocoder


def portal_geocoder() -> Geocoder:
    configured = current_app.config.get("GEOCODER")
    if configured is not None:
        return configured
    if current_app.testing:
        return OfflineGeocoder()  # tests never reach the network
    geocoder = current_app.extensions.get("kiosque_geocoder")
    if geocoder is None:
        agent = f"Kiosque venue portal ({current_app.config['BASE_URL']})"
        geocoder = current_app.extensions["kiosque_geocoder"] = NominatimGeocoder(agent)
    return geocoder
