"""The app's geocoder, always behind its guard (marketplace.domain.catalog.geocoding_guard).

One guard per app and per kind of page, sharing one memo: spectators' lookups never wait
for the call slot; staff saving an address may wait for it a moment. Inside: the app's
GEOCODER if set (tests inject a fake), none in tests otherwise, else Nominatim.
Settings: GEOCODER_TIMEOUT_SECONDS (2) and GEOCODER_MIN_INTERVAL_SECONDS (1, Nominatim's
usage policy across every worker).
"""

from __future__ import annotations

from flask import current_app

from marketplace.domain.catalog.geocoding import Geocoder, NominatimGeocoder, OfflineGeocoder
from marketplace.domain.catalog.geocoding_guard import GeocoderMemo, GuardedGeocoder
from marketplace.extensions import redis_connector

TIMEOUT_SECONDS = 2.0
MIN_INTERVAL_SECONDS = 1.0
STAFF_PATIENCE_SECONDS = 1.5


def spectator_geocoder() -> Geocoder:
    """For the storefront: answers within the timeout, never waits for the slot."""
    return _guarded("spectator", patience=0.0)


def staff_geocoder() -> Geocoder:
    """For the venue portal and the agency: may wait a moment for the slot."""
    return _guarded("staff", patience=STAFF_PATIENCE_SECONDS)


def _guarded(kind: str, patience: float) -> GuardedGeocoder:
    extensions, config = current_app.extensions, current_app.config
    inner = _inner()
    guards = extensions.setdefault("kiosque_geocoders", {})
    guard = guards.get(kind)
    if guard is None or guard.inner is not inner:
        if extensions.get("kiosque_geocoder_memo_of") is not inner:
            # A new geocoder (a test's fake): its answers start afresh.
            extensions["kiosque_geocoder_memo"] = GeocoderMemo(redis_connector.client)
            extensions["kiosque_geocoder_memo_of"] = inner
        guard = guards[kind] = GuardedGeocoder(
            inner, extensions["kiosque_geocoder_memo"],
            timeout=config.get("GEOCODER_TIMEOUT_SECONDS", TIMEOUT_SECONDS),
            min_interval=config.get("GEOCODER_MIN_INTERVAL_SECONDS", MIN_INTERVAL_SECONDS),
            patience=patience)
    return guard


def _inner() -> Geocoder:
    configured = current_app.config.get("GEOCODER")
    if configured is not None:
        return configured
    extensions = current_app.extensions
    if "kiosque_geocoder" not in extensions:
        if current_app.testing:
            extensions["kiosque_geocoder"] = OfflineGeocoder()  # tests never reach the network
        else:
            agent = f"Kiosque ({current_app.config['BASE_URL']})"
            extensions["kiosque_geocoder"] = NominatimGeocoder(
                agent, timeout=current_app.config.get("GEOCODER_TIMEOUT_SECONDS",
                                                      TIMEOUT_SECONDS))
    return extensions["kiosque_geocoder"]
