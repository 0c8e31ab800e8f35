"""The imported feeds as the agency manages them: which there are, and removing one."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.domain.db import transaction
from marketplace.domain.errors import NotFound
from marketplace.domain.transit.importer import remove_feed
from marketplace.domain.transit.models import TransitFeed


def list_feeds(session: Session) -> list[TransitFeed]:
    """Every imported feed, by name, with its counts and service window."""
    return list(session.scalars(select(TransitFeed).order_by(TransitFeed.name)))


def delete_feed(session: Session, feed_id: int) -> str:
    """Remove a feed and everything of it in one transaction; its name. NotFound if gone."""
    name = session.scalar(select(TransitFeed.name).where(TransitFeed.id == feed_id))
    if name is None:
        raise NotFound()
    with transaction(session):
        remove_feed(session, name)
    return name
