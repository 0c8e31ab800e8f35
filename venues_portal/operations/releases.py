"""Releases as the portal drafts them: the preview of the price clock, and duplicating one.

Publishing, changing the quantity and withdrawing are marketplace.domain.inventory.services;
here are only reads that write nothing (the preview runs the very checks of publishing).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from marketplace.domain.catalog.models import Performance, Venue
from marketplace.domain.inventory.models import Release
from marketplace.domain.inventory.terms import DEFAULT_MAX_DISCOUNT_LEAD, release_columns
from marketplace.domain.pricing import PricePoint, PriceSchedule, price_at
from venues_portal.charts import PriceChart, price_chart, price_points

TABLE_ROWS = 7


@dataclass(frozen=True)
class ReleasePreview:
    """What a release would do if published now: its prices over time, before any write."""

    schedule: PriceSchedule
    opens_at: datetime
    deepest_at: datetime
    closes_at: datetime
    quantity: int
    price_now_cents: int
    points: list[PricePoint]  # opening, then drops (a few, evenly spread, last one kept)
    chart: PriceChart

    @property
    def first_price_cents(self) -> int:
        return self.points[0].price_cents

    @property
    def floor_price_cents(self) -> int:
        return self.points[-1].price_cents


def preview_release(performance: Performance, data: Mapping[str, Any],
                    now: datetime) -> ReleasePreview:
    """The schedule the terms `data` (venue API names) would give; ValidationFailed if invalid."""
    columns = release_columns(data, performance, now)
    schedule = PriceSchedule(
        face_price_cents=columns["face_price_cents"], start_discount=columns["start_discount"],
        max_discount=columns["max_discount"], sales_open_at=columns["sales_open_at"],
        max_discount_at=columns["max_discount_at"], curve=columns["curve"],
        step_minutes=columns["step_minutes"])
    return _preview(schedule, columns["sales_close_at"], columns["quantity"], now)


def stored_release_preview(release: Release, now: datetime) -> ReleasePreview:
    """The price clock of a published release, as it stands."""
    return _preview(release.price_schedule(), release.sales_close_at, release.quantity, now)


def _preview(schedule: PriceSchedule, closes_at: datetime, quantity: int,
             now: datetime) -> ReleasePreview:
    opens_at = schedule.sales_open_at
    points = [p for p in price_points(schedule, opens_at, TABLE_ROWS) if p.at <= closes_at]
    return ReleasePreview(
        schedule=schedule, opens_at=opens_at, deepest_at=schedule.max_discount_at,
        closes_at=closes_at, quantity=quantity,
        price_now_cents=price_at(schedule, min(max(now, opens_at), closes_at)), points=points,
        chart=price_chart(schedule, opens_at, closes_at, now))


def new_release_terms(performance: Performance, now: datetime) -> dict[str, Any]:
    """Sensible first terms: on sale now, deepest an hour before curtain, closing at curtain."""
    curtain = performance.starts_at
    opens = _minute(now)
    return {
        "category": "", "quantity": None, "face_price_cents": None,
        "start_discount_percent": 30, "max_discount_percent": 60, "curve": "linear",
        "step_minutes": None, "max_per_order": 6, "sales_open_at": opens,
        "max_discount_at": max(curtain - DEFAULT_MAX_DISCOUNT_LEAD, opens),
        "sales_close_at": curtain,
    }


def duplicate_terms(release: Release, performance: Performance, now: datetime) -> dict[str, Any]:
    """The terms of `release` for another performance, its window shifted to the new curtain."""
    old_curtain, curtain = release.performance.starts_at, performance.starts_at
    closes = min(curtain, curtain - (old_curtain - release.sales_close_at))
    opens = min(max(_minute(now), curtain - (old_curtain - release.sales_open_at)), closes)
    deepest = min(max(curtain - (old_curtain - release.max_discount_at), opens), closes)
    return {
        "category": release.category, "quantity": release.quantity,
        "face_price_cents": release.face_price_cents,
        "start_discount_percent": release.start_discount,
        "max_discount_percent": release.max_discount, "curve": release.curve,
        "step_minutes": release.step_minutes, "max_per_order": release.max_per_order,
        "sales_open_at": opens, "max_discount_at": deepest, "sales_close_at": closes,
    }


def recent_releases(session: Session, venue: Venue, limit: int = 20) -> list[Release]:
    """The venue's latest releases (to copy their terms), newest first."""
    return list(session.scalars(
        select(Release)
        .options(selectinload(Release.performance).selectinload(Performance.show))
        .where(Release.venue_id == venue.id)
        .order_by(Release.created_at.desc(), Release.id.desc()).limit(limit)))


def _minute(at: datetime) -> datetime:
    # Down, never up: a release opened "now" must be on sale as soon as it is published.
    return at.replace(second=0, microsecond=0)
