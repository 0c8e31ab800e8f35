"""API tokens: issue them once, keep only their hash, recognise them on each call."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from marketplace.domain.accounts.access import can
from marketplace.domain.accounts.models import ApiToken, User, hash_token
from marketplace.domain.catalog.models import Venue
from marketplace.domain.db import transaction
from marketplace.domain.errors import Forbidden, NotFound
from marketplace.domain.validation import text


def issue_token(within: Session, *, venue: Venue | None, label: str = "",
                now: datetime) -> str:
    """Create a token for a venue's system (or the agency when venue is None), in the
    caller's transaction; return it once."""
    token = ApiToken.generate()
    within.add(ApiToken(
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


# Use is recorded to this precision: a write per token every few minutes, not per call.
TOKEN_USE_PRECISION = timedelta(minutes=5)


def remember_staff_language(session: Session, user: User, locale: str) -> None:
    """The language `user` reads Kiosque in: their e-mails (digests) are written in it.
    Its own transaction (nothing to do when it is already theirs)."""
    if user.locale == locale:
        return
    with transaction(session):
        user.locale = locale


def set_digests(session: Session, user_id: object, *, stopped: bool, now: datetime) -> User:
    """Stop (or resume) the person's daily and weekly digests; again is fine. NotFound when
    the link names no one."""
    user = (session.get(User, user_id)
            if isinstance(user_id, int) and not isinstance(user_id, bool) else None)
    if user is None:
        raise NotFound("This link does not lead to anyone's digests.")
    with transaction(session):
        if not stopped:
            user.digests_stopped_at = None
        elif user.digests_stopped_at is None:
            user.digests_stopped_at = now
    return user


def record_token_use(session: Session, api_token: ApiToken, now: datetime) -> None:
    """Note that the token was just used (shown to managers deciding what to revoke), to
    TOKEN_USE_PRECISION. Its own short transaction, committed before the call's work: a
    call that fails was still made with the token."""
    last_used = api_token.last_used_at
    if last_used is not None and last_used >= now - TOKEN_USE_PRECISION:
        return
    with transaction(session):
        session.execute(
            update(ApiToken)
            .where(ApiToken.id == api_token.id,
                   or_(ApiToken.last_used_at.is_(None),
                       ApiToken.last_used_at < now - TOKEN_USE_PRECISION))
            .values(last_used_at=now).execution_options(synchronize_session=False))


def venue_tokens(session: Session, venue: Venue) -> list[ApiToken]:
    """The venue's tokens, live ones first, newest first."""
    return list(session.scalars(
        select(ApiToken).where(ApiToken.scope == "venue", ApiToken.venue_id == venue.id)
        .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc(),
                  ApiToken.id.desc())))


def create_venue_token(session: Session, venue: Venue, *, actor: User, label: object,
                       now: datetime) -> str:
    """A manager names and creates a token for the venue's system; return it (shown once)."""
    _require_manager(actor, venue)
    label = text(label, "label", "The name of the token", 200, required=True)
    with transaction(session):
        token = issue_token(session, venue=venue, label=label, now=now)
    return token


def revoke_token(session: Session, venue: Venue, *, actor: User, token_id: object,
                 now: datetime) -> ApiToken:
    """Stop a token of the venue from working, at once and for good (idempotent)."""
    _require_manager(actor, venue)
    with transaction(session):
        api_token = (session.get(ApiToken, token_id)
                     if isinstance(token_id, int) and not isinstance(token_id, bool) else None)
        if api_token is None or api_token.venue_id != venue.id:
            raise NotFound("The venue has no such token.", code="unknown_token")
        if api_token.revoked_at is None:
            api_token.revoked_at = now
    return api_token


def _require_manager(user: User, venue: Venue) -> None:
    if not can(user, venue.id, "manage"):
        raise Forbidden("Only a manager of the venue can manage its API tokens.")
