"""Logins that the server can end: one row per browser a person logged in from.

Flask's session cookie and Flask-Login's "stay logged in" cookie are signed, not stored:
a copy taken before a logout would keep working. So the cookies carry a random key that
names a row of `login_sessions` (through `User.get_id`), and a login lasts while its row
does. Logging out deletes this browser's row; logging out everywhere, a password change
and a password reset delete them all: every copy of the cookies is refused from then on.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from marketplace.domain.accounts.models import LoginSession, User, hash_token
from marketplace.domain.db import transaction

# At most as long as the "stay logged in" cookie; then one logs in again.
LOGIN_LIFETIME = timedelta(days=14)
MAX_KEY_LENGTH = 100


def open_login(session: Session, user: User, *, remember: bool, now: datetime,
               lifetime: timedelta = LOGIN_LIFETIME) -> str:
    """Start a login of `user` for one browser; return its key (also set on `user`)."""
    key = secrets.token_urlsafe(32)
    with transaction(session):
        # The first statement writes (SQLite: see inventory.locking); dead logins go.
        session.execute(delete(LoginSession).where(
            LoginSession.user_id == user.id, LoginSession.expires_at <= now))
        session.add(LoginSession(user_id=user.id, key_hash=hash_token(key), remember=remember,
                                 created_at=now, expires_at=now + lifetime))
    user.login_key = key
    return key


def user_of_login(session: Session, key: object, now: datetime) -> User | None:
    """The active person whose live login `key` names (with `login_key` set), or None."""
    if not isinstance(key, str) or not key or len(key) > MAX_KEY_LENGTH:
        return None
    user = session.scalar(
        select(User).join(LoginSession, LoginSession.user_id == User.id)
        .where(LoginSession.key_hash == hash_token(key), LoginSession.expires_at > now))
    if user is None or not user.active:
        return None
    user.login_key = key
    return user


def login_remembered(session: Session, key: object) -> bool:
    """Whether the login `key` names was opened with « stay logged in »."""
    if not isinstance(key, str) or not key or len(key) > MAX_KEY_LENGTH:
        return False
    return bool(session.scalar(
        select(LoginSession.remember).where(LoginSession.key_hash == hash_token(key))))


def end_login(session: Session, key: object) -> None:
    """Log one browser out: its login stops working, whoever holds a copy of its cookies."""
    if not isinstance(key, str) or not key or len(key) > MAX_KEY_LENGTH:
        return
    with transaction(session):
        session.execute(delete(LoginSession).where(LoginSession.key_hash == hash_token(key)))


def end_every_login(session: Session, user: User) -> int:
    """Delete every login of `user`, in the caller's transaction; return how many."""
    return session.execute(
        delete(LoginSession).where(LoginSession.user_id == user.id)).rowcount or 0


def log_out_everywhere(session: Session, user: User) -> int:
    """End every login of `user`, on every device; return how many were ended."""
    with transaction(session):
        return end_every_login(session, user)
