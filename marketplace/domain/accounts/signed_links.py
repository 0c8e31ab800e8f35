"""Signed, expiring links sent by e-mail (password reset, invitation), no table needed.

A link carries the user's id, a fingerprint of their current password hash and the time
it was issued, signed with the app's secret. Setting a password changes the fingerprint,
so a link works once; the issue time makes it expire; the signature makes it unforgeable.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.orm import Session

from marketplace.domain.accounts.models import User
from marketplace.domain.errors import DomainError


class InvalidLink(DomainError):
    """The link is malformed, forged, used already or expired."""

    kind = "not_found"
    code = "invalid_link"
    message = "This link is not valid any more: it was used already, or it has expired."


def password_fingerprint(user: User) -> str:
    """A short digest of the password hash: it changes whenever the password does."""
    return hashlib.sha256((user.password_hash or "no password").encode()).hexdigest()[:16]


def make_link_token(secret: str, purpose: str, user: User, now: datetime, **extra) -> str:
    """A token for `purpose` ("password-reset", "invitation") naming `user`, issued `now`."""
    payload = {"u": user.id, "f": password_fingerprint(user), "t": int(now.timestamp())}
    payload.update(extra)
    return URLSafeSerializer(secret, salt=f"kiosque-{purpose}").dumps(payload)


def read_link_token(secret: str, purpose: str, token: str, now: datetime,
                    max_age: timedelta) -> dict:
    """The payload of a token issued for `purpose` less than `max_age` ago, else InvalidLink.

    The caller still checks the fingerprint against the user (see `linked_user`).
    """
    if not isinstance(token, str) or len(token) > 500:
        raise InvalidLink
    try:
        payload = URLSafeSerializer(secret, salt=f"kiosque-{purpose}").loads(token)
    except BadSignature:
        raise InvalidLink from None
    if not isinstance(payload, dict) or not isinstance(payload.get("u"), int) \
            or not isinstance(payload.get("t"), int):
        raise InvalidLink
    issued = datetime.fromtimestamp(payload["t"], tz=now.tzinfo)
    if not issued - timedelta(minutes=5) <= now <= issued + max_age:
        raise InvalidLink
    return payload


def linked_user(session: Session, secret: str, purpose: str, token: str, now: datetime,
                max_age: timedelta) -> User:
    """The active person a live token names, their password unchanged since; else InvalidLink."""
    payload = read_link_token(secret, purpose, token, now, max_age)
    user = session.get(User, payload["u"])
    if user is None or not user.active or password_fingerprint(user) != payload.get("f"):
        raise InvalidLink
    return user
