"""Sending anonymous staff to the login page, and back where they were afterwards."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from urllib.parse import urlsplit

from flask import redirect, request, url_for
from flask_login import current_user

from marketplace.extensions import htmx


def to_login():
    """Send an anonymous visitor to the staff login page, and back here afterwards."""
    target = url_for("staff.login", next=request.full_path.rstrip("?"))
    if htmx:
        # htmx would swap the login page into a fragment: make it load the page instead.
        return "", 401, {"HX-Redirect": target}
    return redirect(target)


def staff_page(view: Callable) -> Callable:
    """Decorate a view that only needs someone logged in (the venue chooser, the account)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            return to_login()
        return view(*args, **kwargs)

    return wrapper


def safe_next(target: str | None) -> str | None:
    """`target` if it is a path on this site (never another host), else None."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None
