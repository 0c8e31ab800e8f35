"""The venue staff side: the portal (/portal) and the venue API (/api/v1/venue)."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api
from flask_wtf import CSRFProtect


def register_portal(app: Flask, api: Api, csrf: CSRFProtect) -> None:
    from venues_portal import api_door  # noqa: F401  (its routes join the venue API)
    from venues_portal.api import blp as venue_api_blp
    from venues_portal.blueprint import bp
    from venues_portal.views import load_views

    load_views()
    app.register_blueprint(bp)
    csrf.exempt(venue_api_blp)  # bearer tokens, no cookie session: nothing to forge
    api.register_blueprint(venue_api_blp, url_prefix="/api/v1/venue")
    if "bearerAuth" not in api.spec.components.security_schemes:
        api.spec.components.security_scheme("bearerAuth", {
            "type": "http", "scheme": "bearer",
            "description": "A venue token (created in the portal, API tokens) or an "
                           "agency token"})
