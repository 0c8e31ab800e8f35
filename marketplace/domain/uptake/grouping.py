"""What a group of the uptake figures is: a venue, a discipline, an ISO week, a territory.

Every row is about performances (marketplace.domain.uptake.sales): releases and orders
are always joined to their performance, whose date selects them and whose ISO week
(in Paris) is the week of a row. A venue is read from the order or release itself, a
discipline through the performance's show; a week is a CASE over the weeks' first
instants (the same SQL on SQLite and PostgreSQL).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import ColumnElement, Select, func, literal, select

from marketplace.domain.catalog.models import Performance, Show, Venue
from marketplace.domain.inventory.models import Release
from marketplace.domain.orders.models import Order
from marketplace.domain.uptake.periods import week_starts
from marketplace.domain.uptake.sales import with_performance
from marketplace.domain.uptake.sql import bytewise, instant_buckets

GROUPINGS = ("venue", "discipline", "week", "postcode_area")
TOTAL = "all"  # the whole region, one group


class Grouping:
    """A grouping (one of GROUPINGS, or TOTAL) of the performances of start..end, on both
    sides: releases (seats released) and orders (sales), each joined to its performance."""

    def __init__(self, group_by: str, start: date, end: date) -> None:
        self.group_by = group_by
        self.weeks = week_starts(start, end) if group_by == "week" else []

    def key(self) -> ColumnElement:
        """The group of a release or order, joined to its performance (and what else the
        key needs)."""
        if self.group_by == TOTAL:
            return literal(TOTAL)
        if self.group_by == "venue":
            key = Venue.slug
        elif self.group_by == "discipline":
            key = Show.discipline
        elif self.group_by == "postcode_area":
            key = func.substr(Venue.postcode, 1, 2)
        else:
            key = instant_buckets(Performance.starts_at, self.weeks)
        return bytewise(key)

    def releases(self, *columns: ColumnElement) -> Select:
        """SELECT key, columns FROM releases JOIN performances (and what the key needs)."""
        statement = with_performance(
            select(self.key().label("g"), *columns).select_from(Release), from_orders=False)
        if self.group_by in ("venue", "postcode_area"):
            statement = statement.join(Venue, Venue.id == Release.venue_id)
        elif self.group_by == "discipline":
            statement = statement.join(Show, Show.id == Performance.show_id)
        return statement

    def orders(self, *columns: ColumnElement) -> Select:
        """SELECT key, columns FROM orders JOIN releases, performances (and the key's needs)."""
        statement = with_performance(
            select(self.key().label("g"), *columns).select_from(Order))
        if self.group_by in ("venue", "postcode_area"):
            statement = statement.join(Venue, Venue.id == Order.venue_id)
        elif self.group_by == "discipline":
            statement = statement.join(Show, Show.id == Performance.show_id)
        return statement

    def grouped(self, statement: Select, *extra: ColumnElement) -> Select:
        if self.group_by == TOTAL:
            return statement.group_by(*extra) if extra else statement
        return statement.group_by(self.key_of(statement), *extra)

    @staticmethod
    def key_of(statement: Select) -> ColumnElement:
        return statement.selected_columns.g
