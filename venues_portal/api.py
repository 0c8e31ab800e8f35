"""The venue API: a venue's own systems push releases and pull sales with a bearer token."""

from __future__ import annotations

from flask import g
from flask_smorest import Blueprint

from marketplace.web.auth import venue_token_required
from venues_portal.schemas import VenueSchema

blp = Blueprint("venue_api", __name__, description="A venue's own data (bearer token)")


@blp.get("/me")
@blp.response(200, VenueSchema)
@blp.doc(security=[{"bearerAuth": []}])
@venue_token_required
def venue_me():
    """The venue the token belongs to."""
    return g.api_venue
