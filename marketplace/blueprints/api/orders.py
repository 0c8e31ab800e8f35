"""A buyer's order and its tickets, opened with the order token."""

from __future__ import annotations

from flask import current_app
from flask_smorest import Blueprint

from marketplace.blueprints.api.order_schemas import OrderQuerySchema, OrderSchema
from marketplace.domain.orders.access import OrderLinks, buyer_order, order_links
from marketplace.domain.orders.models import Order
from marketplace.domain.purchases.refunds import refund_reason
from marketplace.extensions import db

blp = Blueprint("orders_api", __name__, description="A buyer's order and tickets")


@blp.get("/orders/<order_id>")
@blp.arguments(OrderQuerySchema, location="query")
@blp.response(200, OrderSchema)
@blp.alt_response(404, description="unknown_order: no such order, or a wrong token")
def get_order(query: dict, order_id: str):
    """The order's status and, once paid, one ticket per seat."""
    links = order_links(current_app.config)
    return order_body(buyer_order(db.session, links, order_id, query["token"]), links)


def order_body(order: Order, links: OrderLinks) -> dict:
    performance = order.release.performance
    venue = performance.venue
    paid = order.status == "paid"
    return {
        "order_id": order.id, "status": order.status, "quantity": order.quantity,
        "unit_price_cents": order.unit_price_cents, "total_cents": order.total_cents,
        "face_price_cents": order.face_price_cents,
        "discount_percent": order.discount_percent, "category": order.release.category,
        "performance": {
            "title": performance.show.title, "starts_at": performance.starts_at,
            "status": performance.status, "venue": venue.name,
            "address": ", ".join(p for p in (venue.address, f"{venue.postcode} {venue.city}")
                                 if p),
        },
        "paid_at": order.paid_at, "refunded_at": order.refunded_at,
        "refund_reason": refund_reason(order),
        "tickets": [{"code": t.code, "short_code": t.short_code, "qr_url": links.qr_url(t.code),
                     "checked_in": t.checked_in_at is not None}
                    for t in order.tickets] if paid else [],
        "calendar_url": links.calendar_url(order.id),
        "order_url": links.order_url(order.id),
    }
