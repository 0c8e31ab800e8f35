"""The public JSON API under /api/v1 (documented at /api/v1/openapi.json)."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api
from flask_wtf import CSRFProtect


def register_api(app: Flask, api: Api, csrf: CSRFProtect) -> None:
    from marketplace.blueprints.api.checkout import blp as checkout_blp
    from marketplace.blueprints.api.holds import blp as holds_blp
    from marketplace.blueprints.api.offers import blp as offers_blp
    from marketplace.blueprints.api.orders import blp as orders_blp
    from marketplace.blueprints.api.payments import blp as payments_blp
    from marketplace.blueprints.api.waitlist import blp as waitlist_blp

    for blp in (offers_blp, holds_blp, checkout_blp, payments_blp, orders_blp, waitlist_blp):
        # Bearer tokens and anonymous JSON calls: no cookie session to forge, so no CSRF.
        csrf.exempt(blp)
        api.register_blueprint(blp, url_prefix="/api/v1")

    from marketplace.blueprints.api.agency import blp as agency_blp

    csrf.exempt(agency_blp)
    api.register_blueprint(agency_blp, url_prefix="/api/v1/agency")

    from marketplace.blueprints.api.me import blp as me_blp

    csrf.exempt(me_blp)
    api.register_blueprint(me_blp, url_prefix="/api/v1")
