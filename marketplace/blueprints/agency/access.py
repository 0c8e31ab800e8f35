"""Who may use an agency page: logged in, with an agency role that allows the page.

Anonymous visitors go to the staff login page (marketplace.blueprints.staff_accounts) and come
back; a person without an agency role (venue staff) is refused with 403. Staff read
the figures (and the list of transit timetables) and onboard venues; admins also manage
the agency's own team and upload or delete timetables.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort
from flask_login import current_user

from marketplace.blueprints.staff_accounts.access import to_login
from marketplace.domain.accounts.models import User

CAPABILITIES = {
    "staff": frozenset({"view", "onboard"}),
    "admin": frozenset({"view", "onboard", "team", "timetables"}),
}
AGENCY_ROLES = tuple(CAPABILITIES)
# Every agency page, by endpoint, with the capability it needs (the access test walks it).
AGENCY_PAGES: dict[str, str] = {}


def agency_can(user: User | None, capability: str) -> bool:
    """Whether `user` may use `capability` ("view", "onboard", "team", "timetables")."""
    if capability not in CAPABILITIES["admin"]:
        raise ValueError(f"unknown capability {capability!r}")
    if user is None or not user.active or user.agency_role not in CAPABILITIES:
        return False
    return capability in CAPABILITIES[user.agency_role]


def agency_page(capability: str) -> Callable:
    """Decorate an agency view: login redirect when anonymous, 403 without the capability."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                return to_login()
            if not agency_can(current_user, capability):
                abort(403)
            return view(*args, **kwargs)

        AGENCY_PAGES[f"agency.{view.__name__}"] = capability
        return wrapper

    return decorator
