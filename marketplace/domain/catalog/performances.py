"""A venue schedules a performance of one of its shows (the venue API and the portal)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.domain.catalog.models import DISCIPLINES, Performance, Show, Venue
from marketplace.domain.db import transaction
from marketplace.domain.errors import ValidationFailed
from marketplace.domain.validation import instant, integer, text

# Last-minute sales: nobody schedules on Kiosque years ahead, and bounded dates stay valid.
MAX_SCHEDULE_AHEAD = timedelta(days=2 * 365)
SHOW_FIELDS = ("title", "discipline", "description", "duration_minutes", "age_guidance",
               "image_url")


def create_performance(session: Session, venue: Venue, show_fields: Mapping[str, Any],
                       starts_at: object, now: datetime) -> Performance:
    """Schedule a performance of the venue's show `show_fields["title"]` at `starts_at`.

    The venue's show with the same title and discipline is reused (else created), and
    the same show at the same time again gives back the existing performance, so that a
    venue system can safely retry.
    """
    fields = _show_values(show_fields)
    starts_at = instant(starts_at, "starts_at", "The start time")
    if starts_at <= now:
        raise ValidationFailed("The performance must start in the future.", field="starts_at")
    if starts_at > now + MAX_SCHEDULE_AHEAD:
        raise ValidationFailed("The performance must start within two years.",
                               field="starts_at")
    with transaction(session):
        show = session.scalar(select(Show).where(
            Show.venue_id == venue.id, Show.title == fields["title"],
            Show.discipline == fields["discipline"]).order_by(Show.id).limit(1))
        if show is None:
            show = Show(venue_id=venue.id, created_at=now, **fields)
            session.add(show)
            session.flush()
        performance = session.scalar(select(Performance).where(
            Performance.show_id == show.id, Performance.starts_at == starts_at).limit(1))
        if performance is None:
            performance = Performance(show_id=show.id, venue_id=venue.id, starts_at=starts_at,
                                      status="scheduled", created_at=now)
            session.add(performance)
    return performance


def _show_values(show_fields: Mapping[str, Any]) -> dict[str, Any]:
    if not isinstance(show_fields, Mapping):
        raise ValidationFailed("The show must be an object with a title and a discipline.",
                               field="show")
    unknown = sorted(set(show_fields) - set(SHOW_FIELDS))
    if unknown:
        raise ValidationFailed("Unknown show field: %(name)s.", field=f"show.{unknown[0]}",
                               params={"name": unknown[0]})
    title = text(show_fields.get("title"), "show.title", "The title", 200, required=True)
    discipline = show_fields.get("discipline")
    if discipline not in DISCIPLINES:
        raise ValidationFailed("The discipline must be one of: %(choices)s.",
                               field="show.discipline", params={"choices": ", ".join(DISCIPLINES)})
    duration = show_fields.get("duration_minutes")
    return {
        "title": title,
        "discipline": discipline,
        "description": text(show_fields.get("description"), "show.description",
                            "The description", 5000, multiline=True),
        "duration_minutes": None if duration is None else integer(
            duration, "show.duration_minutes", "The duration (minutes)", 1, 24 * 60),
        "age_guidance": text(show_fields.get("age_guidance"), "show.age_guidance",
                             "The age guidance", 60),
        "image_url": _image_url(show_fields.get("image_url")),
    }


def _image_url(value: object) -> str:
    url = text(value, "show.image_url", "The image address", 500)
    if url and not url.startswith(("https://", "http://")):
        raise ValidationFailed("The image address must start with https:// or http://.",
                               field="show.image_url")
    return url
