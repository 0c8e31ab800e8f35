"""Payment notices: Stripe's signed webhook, and the demo gateway's confirmation."""

from __future__ import annotations

from flask import abort, current_app, request
from flask_smorest import Blueprint

from marketplace.blueprints.api.order_schemas import (
    DemoPaymentQuerySchema,
    PaymentOutcomeSchema,
    WebhookReceivedSchema,
)
from marketplace.domain.orders.access import buyer_order, order_links
from marketplace.domain.orders.payments import SUCCEEDED, DemoGateway, gateway_for
from marketplace.domain.purchases.confirmation import handle_payment_notice
from marketplace.domain.timeutil import utcnow
from marketplace.extensions import db

blp = Blueprint("payments_api", __name__, description="Payment confirmations")


def _gateway_of(provider: str):
    """The deployment's gateway if it is `provider`; the other one's endpoints do not exist."""
    if current_app.config["PAYMENT_PROVIDER"] != provider:
        abort(404)
    return gateway_for(current_app.config)


@blp.post("/payments/demo/<order_id>/succeed")
@blp.arguments(DemoPaymentQuerySchema, location="query")
@blp.response(200, PaymentOutcomeSchema)
@blp.alt_response(404, description="unknown_order (or a missing or wrong token), or "
                                    "PAYMENT_PROVIDER is not demo")
def post_demo_success(query: dict, order_id: str):
    """The demo card was accepted: confirm exactly as a Stripe webhook would.

    Only the buyer can say so: the order token (or the signed key of the order's link)
    must come with it, as on the demo payment page.
    """
    gateway = _gateway_of("demo")
    links = order_links(current_app.config)
    order = buyer_order(db.session, links, order_id, query["token"])
    order = handle_payment_notice(db.session, DemoGateway.notice(order.id, SUCCEEDED),
                                  utcnow(), gateway, links)
    if order is None:
        abort(404, "There is no such order.")
    return {"order_id": order.id, "status": order.status}


@blp.post("/payments/stripe/webhook")
@blp.response(200, WebhookReceivedSchema)
@blp.alt_response(400, description="invalid_signature: unsigned or badly signed")
def post_stripe_webhook():
    """A Stripe event, verified by its Stripe-Signature header and applied once."""
    gateway = _gateway_of("stripe")
    notice = gateway.notice_from_webhook(request.get_data(),
                                         request.headers.get("Stripe-Signature"))
    handle_payment_notice(db.session, notice, utcnow(), gateway,
                          order_links(current_app.config))
    return {"received": True}
