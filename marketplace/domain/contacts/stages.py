"""The relationship stage of a contact, from its purchase dates (pure)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

REGULAR_PURCHASES = 3
WINDOW = timedelta(days=365)


def stage_for(purchases_at: Iterable[datetime], now: datetime) -> str:
    """new contact → first-time buyer → regular (≥ 3 in 12 months) → lapsed (none in 12 months)."""
    past = [at for at in purchases_at if at <= now]
    if not past:
        return "contact"
    recent = sum(1 for at in past if at > now - WINDOW)
    if recent == 0:
        return "lapsed"
    return "regular" if recent >= REGULAR_PURCHASES else "first_time"
