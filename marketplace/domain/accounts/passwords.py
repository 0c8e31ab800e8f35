"""Forgotten passwords: a signed link by e-mail, valid two hours and once."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from marketplace.domain.accounts.authentication import check_new_password, find_user
from marketplace.domain.accounts.logins import end_every_login
from marketplace.domain.accounts.mail import ComposeEmail
from marketplace.domain.accounts.models import User
from marketplace.domain.accounts.signed_links import linked_user, make_link_token
from marketplace.domain.db import transaction
from marketplace.domain.errors import ValidationFailed
from marketplace.domain.mail.mailer import queue_email

PURPOSE = "password-reset"
RESET_LINK_LIFETIME = timedelta(hours=2)


def request_password_reset(session: Session, email: object, *, secret: str, now: datetime,
                           compose: ComposeEmail) -> None:
    """E-mail a reset link if an active account has this address; say nothing either way."""
    user = find_user(session, email)
    if user is None or not user.active:
        return
    token = make_link_token(secret, PURPOSE, user, now)
    message = compose("password_reset", user=user, token=token,
                      valid_hours=int(RESET_LINK_LIFETIME.total_seconds() // 3600))
    with transaction(session):
        queue_email(session, dedup_key=f"password-reset:{user.id}:{now.timestamp():.0f}",
                    to=user.email, subject=message.subject, body_text=message.text,
                    body_html=message.html, now=now)


def reset_link_user(session: Session, token: str, *, secret: str, now: datetime) -> User:
    """The person a live reset link is for, else InvalidLink."""
    return linked_user(session, secret, PURPOSE, token, now, RESET_LINK_LIFETIME)


def reset_password(session: Session, token: str, password: object, *, secret: str,
                   now: datetime) -> User:
    """Set a new password through a reset link; the link stops working at once, and so
    does every login of the person (whoever knew the old password is logged out)."""
    user = reset_link_user(session, token, secret=secret, now=now)
    password = check_new_password(password, personal=(user.email, user.name))
    with transaction(session):
        user.set_password(password)
        end_every_login(session, user)
    return user


def change_password(session: Session, user: User, current: object, new: object) -> User:
    """A logged-in person changes their password, giving the current one first; every login
    of theirs ends (the caller opens a new one for the browser they changed it from)."""
    if not isinstance(current, str) or not user.check_password(current):
        raise ValidationFailed("The current password is not right.", field="current_password")
    new = check_new_password(new, field="new_password", personal=(user.email, user.name))
    with transaction(session):
        user.set_password(new)
        end_every_login(session, user)
    return user
