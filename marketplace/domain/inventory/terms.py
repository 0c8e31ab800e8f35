"""The terms of a release as a venue states them, checked against DESIGN.md rule 3.

Input names are the venue API's (`start_discount_percent`, …); every refusal is a
ValidationFailed naming that input field, raised before anything is written.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from marketplace.domain.catalog.models import Performance
from marketplace.domain.errors import ValidationFailed
from marketplace.domain.inventory.models import CURVES
from marketplace.domain.validation import instant, integer, text

MIN_DISCOUNT, MAX_DISCOUNT = 25, 80
MAX_FACE_PRICE_CENTS = 1_000_000  # 10 000 €
MAX_QUANTITY = 100_000
MAX_PER_ORDER_LIMIT = 50
MAX_STEP_MINUTES = 7 * 24 * 60
DEFAULT_MAX_PER_ORDER = 6
# The deepest discount arrives by default one hour before curtain.
DEFAULT_MAX_DISCOUNT_LEAD = timedelta(hours=1)


def release_columns(data: Mapping[str, Any], performance: Performance,
                    now: datetime) -> dict[str, Any]:
    """Checked column values for a new release of `performance`, defaults filled in."""
    curtain = performance.starts_at
    if performance.status != "scheduled":
        raise ValidationFailed("This performance is cancelled.", field="performance_id")
    if curtain <= now:
        raise ValidationFailed("This performance has already started.", field="performance_id")
    columns: dict[str, Any] = {
        "category": text(data.get("category"), "category", "The category", 80, required=True),
        "face_price_cents": integer(data.get("face_price_cents"), "face_price_cents",
                                    "The face price (cents)", 1, MAX_FACE_PRICE_CENTS),
        "quantity": integer(data.get("quantity"), "quantity", "The quantity", 1, MAX_QUANTITY),
        "max_per_order": integer(data.get("max_per_order", DEFAULT_MAX_PER_ORDER),
                                 "max_per_order", "The maximum per order", 1,
                                 MAX_PER_ORDER_LIMIT),
    }
    columns.update(_discounts(data))
    columns.update(_curve(data))
    columns.update(_window(data, curtain, now))
    return columns


def _discounts(data: Mapping[str, Any]) -> dict[str, int]:
    start = integer(data.get("start_discount_percent"), "start_discount_percent",
                    "The start discount (percent)", MIN_DISCOUNT, MAX_DISCOUNT)
    deepest = integer(data.get("max_discount_percent"), "max_discount_percent",
                      "The maximum discount (percent)", MIN_DISCOUNT, MAX_DISCOUNT)
    if start > deepest:
        raise ValidationFailed(
            "The start discount (%(start)d%%) cannot be above the maximum discount "
            "(%(deepest)d%%).", field="start_discount_percent",
            params={"start": start, "deepest": deepest})
    return {"start_discount": start, "max_discount": deepest}


def _curve(data: Mapping[str, Any]) -> dict[str, Any]:
    curve = data.get("curve") or "linear"
    if curve not in CURVES:
        raise ValidationFailed("The curve must be one of: %(choices)s.", field="curve",
                               params={"choices": ", ".join(CURVES)})
    step_minutes = data.get("step_minutes")
    if curve == "steps":
        step_minutes = integer(step_minutes, "step_minutes",
                               "The step length (minutes) of a 'steps' curve", 1,
                               MAX_STEP_MINUTES)
    elif step_minutes is not None:
        raise ValidationFailed("step_minutes only applies to the 'steps' curve.",
                               field="step_minutes")
    return {"curve": curve, "step_minutes": step_minutes}


def _window(data: Mapping[str, Any], curtain: datetime, now: datetime) -> dict[str, datetime]:
    """The sales window [open, close) and the time of the deepest discount within it."""
    opens = _optional_instant(data, "sales_open_at", "The sales opening time") or now
    closes = _optional_instant(data, "sales_close_at", "The sales closing time") or curtain
    if closes > curtain:
        raise ValidationFailed("Sales must close at curtain time at the latest.",
                               field="sales_close_at")
    if closes <= opens:
        raise ValidationFailed("Sales must close after they open.", field="sales_close_at")
    if closes <= now:
        raise ValidationFailed("This sales window has already closed.",
                               field="sales_close_at")
    deepest_at = _optional_instant(data, "max_discount_at", "The time of the maximum discount")
    if deepest_at is None:
        deepest_at = min(max(curtain - DEFAULT_MAX_DISCOUNT_LEAD, opens), closes)
    elif not opens <= deepest_at <= closes:
        raise ValidationFailed(
            "The maximum discount must be reached within the sales window.",
            field="max_discount_at")
    return {"sales_open_at": opens, "sales_close_at": closes, "max_discount_at": deepest_at}


def _optional_instant(data: Mapping[str, Any], field: str, label: str) -> datetime | None:
    value = data.get(field)
    return None if value is None else instant(value, field, label)
