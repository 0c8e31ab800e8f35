"""The venue staff side: the portal (/portal) and the venue API (/api/v1/venue)."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api
from flask_wtf import CSRFProtect


def register_portal(app: Flask, api: Api, csrf: CSRFProtect) -> None:
    from venues_portal.api import blp as venue_api_blp

    csrf.exempt(venue_api_blp)
    api.register_blueprint(venue_api_blp, url_prefix="/api/v1/venue")
