"""Time helpers: UTC in the database, Europe/Paris on screen."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


def utcnow() -> datetime:
    """The current instant, timezone-aware UTC (the one clock the app reads)."""
    return datetime.now(UTC)


def to_paris(value: datetime) -> datetime:
    """The same instant on the wall clocks of the region."""
    return value.astimezone(PARIS)


def parse_iso(value: str) -> datetime:
    """Parse an ISO 8601 instant; a naive value is read as Paris local time."""
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=PARIS)
    return parsed.astimezone(UTC)
