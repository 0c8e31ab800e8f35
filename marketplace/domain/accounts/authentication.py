"""Logging in: e-mail and password checked against the scrypt hash, at the same cost either way."""

from __future__ import annotations

import re
from datetime import datetime
from functools import cache

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from marketplace.domain.accounts.models import User
from marketplace.domain.accounts.password_strength import check_password_strength, personal_words
from marketplace.domain.db import transaction
from marketplace.domain.errors import ValidationFailed
from marketplace.domain.validation import one_line

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 200
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")


def normalise_email(email: object) -> str:
    """The e-mail as stored: trimmed and lower-cased ("" for anything that is not text)."""
    return email.strip().lower() if isinstance(email, str) else ""


def check_email(email: object, field: str = "email") -> str:
    """A plausible e-mail address, normalised, else ValidationFailed on `field`."""
    value = one_line(normalise_email(email), field)
    if not value:
        raise ValidationFailed("The e-mail address is required.", field=field)
    if len(value) > 254 or not _EMAIL.fullmatch(value):
        raise ValidationFailed("This e-mail address does not look right.", field=field)
    return value


def check_new_password(password: object, field: str = "password", *,
                       personal: tuple[str | None, ...] = ()) -> str:
    """A password good enough to set: 10 to 200 characters, not only spaces, and hard to
    guess (zxcvbn), the person's own e-mail address and name (`personal`) counting as easy."""
    if not isinstance(password, str) or not password.strip():
        raise ValidationFailed("Choose a password.", field=field)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed("The password must be at least 10 characters long.", field=field)
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValidationFailed("The password must be at most 200 characters long.", field=field)
    check_password_strength(password, personal_words(*personal), field=field)
    return password


def find_user(session: Session, email: object) -> User | None:
    """The person with this e-mail address (case-insensitive), or None."""
    value = normalise_email(email)
    if not value:
        return None
    return session.scalar(select(User).where(func.lower(User.email) == value))


@cache
def _decoy_hash() -> str:
    return generate_password_hash("not anyone's password", method="scrypt")


def authenticate(session: Session, email: object, password: object,
                 now: datetime, locale: str | None = None) -> User | None:
    """The active person with these credentials (their last login noted, and `locale`, the
    language they logged in with), or None.

    An unknown address costs the same scrypt round as a wrong password, so the answer
    time does not tell who has an account.
    """
    password = password if isinstance(password, str) else ""
    user = find_user(session, email)
    if user is None or not user.password_hash:
        check_password_hash(_decoy_hash(), password)
        return None
    if not user.check_password(password) or not user.active:
        return None
    with transaction(session):
        user.last_login_at = now
        if locale:
            user.locale = locale
    return user
