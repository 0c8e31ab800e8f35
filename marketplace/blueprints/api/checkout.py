"""Checkout: a hold becomes a pending order, and the buyer is sent to pay."""

from __future__ import annotations

from flask import current_app
from flask_babel import get_locale
from flask_smorest import Blueprint

from marketplace.blueprints.api.order_schemas import CheckoutRequestSchema, CheckoutSchema
from marketplace.domain.orders.access import order_links
from marketplace.domain.orders.checkout import MAX_SEATS_PER_BUYER, check_out
from marketplace.domain.orders.payments import gateway_for
from marketplace.domain.timeutil import utcnow
from marketplace.extensions import db
from marketplace.web.rate_limits import checkout_limit

blp = Blueprint("checkout_api", __name__, description="Checkout and payment start")


@blp.post("/holds/<hold_id>/checkout")
@checkout_limit
@blp.arguments(CheckoutRequestSchema)
@blp.response(201, CheckoutSchema)
@blp.alt_response(404, description="unknown_hold")
@blp.alt_response(409, description="hold_expired, already_checked_out or sales_closed")
@blp.alt_response(429, description="rate_limited, or buyer_limit_reached (seats per e-mail "
                                   "per performance); see Retry-After")
def post_checkout(body: dict, hold_id: str):
    """Check a hold out at its locked price; pay at payment.redirect_url."""
    config = current_app.config
    gateway = gateway_for(config)
    result = check_out(
        db.session, hold_id, body, utcnow(), gateway, order_links(config),
        locale=str(get_locale()),
        max_seats_per_buyer=config.get("MAX_SEATS_PER_BUYER", MAX_SEATS_PER_BUYER))
    return {
        "order_id": result.order.id, "status": result.order.status,
        "total_cents": result.order.total_cents,
        "payment": {"provider": gateway.provider, "redirect_url": result.redirect_url},
        "order_token": result.order_token,
    }
