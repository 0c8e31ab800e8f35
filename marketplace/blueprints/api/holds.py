"""Holds: a buyer sets seats aside at a locked price, or gives them back."""

from __future__ import annotations

from flask import current_app
from flask_smorest import Blueprint

from marketplace.blueprints.api.hold_schemas import HoldRequestSchema, HoldSchema
from marketplace.domain.inventory.services import place_hold, release_hold
from marketplace.domain.timeutil import utcnow
from marketplace.extensions import db
from marketplace.web.rate_limits import hold_client, hold_limit

blp = Blueprint("holds", __name__, description="Seats set aside for one buyer")


@blp.post("/holds")
@hold_limit
@blp.arguments(HoldRequestSchema)
@blp.response(201, HoldSchema)
@blp.alt_response(409, description="sold_out, not_enough_seats or sales_closed")
@blp.alt_response(429, description="rate_limited: too many holds from this client; "
                                    "too_many_seats_held: this client (address or browser) "
                                    "already holds as many seats as it may at once")
def post_hold(body: dict):
    """Hold seats of an offer for HOLD_TTL_SECONDS at the current price."""
    return place_hold(db.session, body["offer_id"], body["quantity"], utcnow(),
                      current_app.config["HOLD_TTL_SECONDS"], hold_client())


@blp.delete("/holds/<hold_id>")
@blp.response(204)
@blp.alt_response(404, description="unknown_hold")
@blp.alt_response(409, description="hold_converted: the seats are paid for")
def delete_hold(hold_id: str):
    """Give the seats back at once (again after that: still 204)."""
    release_hold(db.session, hold_id, utcnow())
