"""The one place that decides who sees a portal page: logged in, working for the venue, role.

Anonymous visitors are sent to the staff login page (htmx requests get a 401 that tells
htmx to go there); a venue the person does not work for does not exist for them (404), and
a page their role does not allow is forbidden (403). Capabilities per role are
marketplace.domain.accounts.access.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort, g
from flask_login import current_user
from sqlalchemy import select

from marketplace.blueprints.staff_accounts.access import to_login
from marketplace.domain.accounts.access import can
from marketplace.domain.catalog.models import Venue
from marketplace.extensions import db

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
