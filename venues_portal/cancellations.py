"""Cancelling a performance and refunding an order go through the checkout's services."""

from __future__ import annotations

from flask import current_app

from marketplace.domain.orders.payments import gateway_for
from marketplace.domain.purchases.cancellation import cancel_performance, refund_order

__all__ = ["cancel_performance", "payment_gateway", "refund_order"]


def payment_gateway():
    """The payment gateway of this deployment (refunds go back the way the money came)."""
    return gateway_for(current_app.config)
