"""Staff logins in the browser (portal and agency): Flask-Login on top of server-side logins.

Flask-Login keeps `User.get_id()` in the session and in the "stay logged in" cookie; here
that is the key of a row of marketplace.domain.accounts.logins, and the user loader accepts only
live keys. So a logout, a password change or « log out everywhere » refuses every copy of
those cookies, not just the browser they were used from.
"""

from __future__ import annotations

from flask import Flask, session
from flask_login import login_user, logout_user

from marketplace.domain.accounts.logins import (
    end_login,
    log_out_everywhere,
    login_remembered,
    open_login,
    user_of_login,
)
from marketplace.domain.accounts.models import User
from marketplace.domain.timeutil import utcnow
from marketplace.extensions import db, login_manager


def init_staff_sessions(app: Flask) -> None:
    @login_manager.user_loader
    def load_user(key: str) -> User | None:
        return user_of_login(db.session, key, utcnow())


def start_login(user: User, *, remember: bool = False) -> None:
    """Log `user` in on this browser, in a fresh session (nothing from before carries over)."""
    open_login(db.session, user, remember=remember, now=utcnow())
    session.clear()
    login_user(user, remember=remember)


def end_this_login() -> None:
    """Log this browser out: its login ends on the server and its cookies are dropped."""
    end_login(db.session, session.get("_user_id"))
    logout_user()
    # logout_user() leaves a flag telling Flask-Login to delete the "stay logged in"
    # cookie in the answer; clearing the session must keep it.
    remember_flag = session.get("_remember")
    session.clear()
    if remember_flag:
        session["_remember"] = remember_flag


def end_logins_everywhere(user: User) -> None:
    """Log `user` out on every device, this browser included."""
    log_out_everywhere(db.session, user)
    end_this_login()


def this_login_remembered() -> bool:
    """Whether this browser logged in with « stay logged in » (kept across a new password)."""
    return login_remembered(db.session, session.get("_user_id"))
