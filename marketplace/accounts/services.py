"""API tokens: issue them once, keep only their hash, recognise them on each call."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.accounts.models import ApiToken, hash_token
from marketplace.catalog.models import Venue


def issue_token(session: Session, *, venue: Venue | None, label: str = "",
                now: datetime) -> str:
    """Create a token for a venue's system (or the agency when venue is None); return it once."""
    token = ApiToken.generate()
    session.add(ApiToken(
        token_hash=hash_token(token),
        prefix=token[:10],
        scope="venue" if venue is not None else "agency",
        venue_id=venue.id if venue is not None else None,
        label=label,
        created_at=now,
    ))
    return token


def find_token(session: Session, token: str, scope: str) -> ApiToken | None:
    """The live token of that scope matching `token`, or None (unknown, revoked, suspended)."""
    if not token or len(token) > 200:
        return None
    api_token = session.scalar(select(ApiToken).where(
        ApiToken.token_hash == hash_token(token),
        ApiToken.scope == scope,
        ApiToken.revoked_at.is_(None),
    ))
    if api_token is None:
        return None
    if api_token.venue is not None and api_token.venue.status != "active":
        return None
    return api_token
