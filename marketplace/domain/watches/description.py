"""What a watch is about, as its e-mails say it: the show, or the filters in words."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from marketplace.domain.catalog.models import Show, Venue
from marketplace.domain.watches.models import Watch


@dataclass(frozen=True)
class Watched:
    """A watch's filters, with the show's title and venue's name looked up."""

    show_title: str | None
    venue_name: str | None
    place_label: str | None
    radius_km: int | None
    discipline: str | None
    max_price_cents: int | None
    when: str | None


def watched(session: Session, watch: Watch) -> Watched:
    """The watch's filters as its e-mails name them."""
    show = session.get(Show, watch.show_id) if watch.show_id else None
    venue = session.get(Venue, watch.venue_id) if watch.venue_id else None
    return Watched(
        show_title=show.title if show else None, venue_name=venue.name if venue else None,
        place_label=watch.place_label,
        radius_km=round(watch.radius_km) if watch.radius_km else None,
        discipline=watch.discipline, max_price_cents=watch.max_price_cents,
        when=watch.when_filter)
