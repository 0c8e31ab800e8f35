"""What the agency's figures count: a sale, and a buyer.

A sale is a paid order (refunded and cancelled ones are not sales), on the Paris day it
was paid. A buyer is a distinct e-mail address, case aside; an order whose buyer was
erased (anonymised) counts as one buyer of its own.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import ColumnElement, func

from marketplace.domain.orders.models import Order
from marketplace.domain.uptake.periods import paris_day_bounds
from marketplace.domain.uptake.sql import bytewise


def paid_orders(start: date, end: date) -> list[ColumnElement]:
    """The WHERE clauses of the sales of the Paris days start..end."""
    since, until = paris_day_bounds(start, end)
    return [Order.status == "paid", Order.paid_at >= since, Order.paid_at < until]


def buyer_identity() -> ColumnElement:
    """Who a buyer is, for counting each once: the e-mail, or the order when it was erased."""
    return bytewise(func.coalesce(func.lower(Order.buyer_email), Order.id))
