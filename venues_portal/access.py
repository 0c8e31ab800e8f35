"""The one place that decides who sees a portal page: logged in, working for the venue, role.

Anonymous visitors are sent to the login page (htmx requests get a 401 that tells htmx
to go there); a venue the person does not work for does not exist for them (404), and
a page their role does not allow is forbidden (403). Capabilities per role are
marketplace.accounts.access.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from urllib.parse import urlsplit

from flask import abort, g, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select

from marketplace.accounts.access import can
from marketplace.catalog.models import Venue
from marketplace.extensions import db, htmx

# Every venue page, by endpoint, with the capability it needs (the authorization test walks it).
VENUE_PAGES: dict[str, str] = {}


def venue_page(capability: str) -> Callable:
    """Decorate a view taking `venue_slug`: it is called with the Venue instead, or refused."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(venue_slug: str, **kwargs):
            if not current_user.is_authenticated:
                return to_login()
            venue = db.session.scalar(select(Venue).where(Venue.slug == venue_slug))
            if venue is None or current_user.role_at(venue.id) is None:
                abort(404)
            if not can(current_user, venue.id, capability):
                abort(403)
            g.venue, g.role = venue, current_user.role_at(venue.id)
            return view(venue, **kwargs)

        VENUE_PAGES[f"venues_portal.{view.__name__}"] = capability
        return wrapper

    return decorator


def staff_page(view: Callable) -> Callable:
    """Decorate a view that only needs someone logged in (the venue chooser, the account)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            return to_login()
        return view(*args, **kwargs)

    return wrapper


def to_login():
    """Send an anonymous visitor to the login page, and back here afterwards."""
    target = url_for("venues_portal.login", next=request.full_path.rstrip("?"))
    if htmx:
        # htmx would swap the login page into a fragment: make it load the page instead.
        return "", 401, {"HX-Redirect": target}
    return redirect(target)


def safe_next(target: str | None) -> str | None:
    """`target` if it is a path on this site (never another host), else None."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None
