"""Access checks shared by blueprints: bearer tokens for the venue and agency APIs."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import g, request

from marketplace.domain.accounts.services import find_token, record_token_use
from marketplace.domain.errors import Unauthorized
from marketplace.domain.timeutil import utcnow
from marketplace.extensions import db


def _bearer_token() -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def token_required(scope: str) -> Callable:
    """Refuse the call (401) unless it carries a live token of `scope`; sets g.api_token."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            api_token = find_token(db.session, _bearer_token(), scope)
            if api_token is None:
                raise Unauthorized(
                    "A valid %(scope)s API token is required (Authorization: Bearer <token>).",
                    code="unauthorized", params={"scope": scope},
                )
            record_token_use(db.session, api_token, utcnow())  # commits apart, before the call
            g.api_token = api_token
            g.api_venue = api_token.venue
            return view(*args, **kwargs)

        return wrapper

    return decorator


venue_token_required = token_required("venue")
agency_token_required = token_required("agency")
