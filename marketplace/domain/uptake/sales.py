"""What the agency's figures count: the period's performances, a sale, and a buyer.

A period (Paris calendar days, inclusive) selects performances by their date, in
Europe/Paris. Every figure of an uptake row is about those performances: the seats
released for them (whenever their sales opened) and their sales (whenever they were
paid), so that seats sold never exceed seats released (DESIGN.md, GET /agency/uptake).

A sale is a paid order (refunded and cancelled ones are not sales). A buyer is a
distinct e-mail address, case aside; an order whose buyer was erased (anonymised)
counts as one buyer of its own.

The one view by day of purchase (marketplace.domain.uptake.timeline) says so: it takes
the orders paid on each day of the period, whatever the performance's date.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import ColumnElement, Select, func

from marketplace.domain.catalog.models import Performance
from marketplace.domain.inventory.models import Release
from marketplace.domain.orders.models import Order
from marketplace.domain.uptake.periods import paris_day_bounds
from marketplace.domain.uptake.sql import bytewise


def performances_on(start: date, end: date) -> list[ColumnElement]:
    """The WHERE clauses of the performances played on the Paris days start..end."""
    since, until = paris_day_bounds(start, end)
    return [Performance.starts_at >= since, Performance.starts_at < until]


def with_performance(statement: Select, *, from_orders: bool = True) -> Select:
    """`statement` (selecting from orders, or from releases) joined to the performance."""
    if from_orders:
        statement = statement.join(Release, Release.id == Order.release_id)
    return statement.join(Performance, Performance.id == Release.performance_id)


def paid_orders(start: date, end: date) -> list[ColumnElement]:
    """The WHERE clauses of the sales of the performances of start..end (the statement
    joins orders to their release and performance: `with_performance`)."""
    return [Order.status == "paid", *performances_on(start, end)]


def paid_on(start: date, end: date) -> list[ColumnElement]:
    """The WHERE clauses of the sales paid on the Paris days start..end (any performance):
    the view by day of purchase only."""
    since, until = paris_day_bounds(start, end)
    return [Order.status == "paid", Order.paid_at >= since, Order.paid_at < until]


def buyer_identity() -> ColumnElement:
    """Who a buyer is, for counting each once: the e-mail, or the order when it was erased."""
    return bytewise(func.coalesce(func.lower(Order.buyer_email), Order.id))
