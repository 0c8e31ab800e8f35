"""The venue API: a venue's own systems push releases and pull sales with a bearer token.

Views parse input, call one service with the venue of the token and `now`, and render.
Another venue's performance or release is simply not found (404).
"""

from __future__ import annotations

from datetime import datetime

from flask import g
from flask_smorest import Blueprint

from marketplace.catalog.performances import create_performance
from marketplace.extensions import db
from marketplace.inventory.models import Release
from marketplace.inventory.services import (
    SeatCounts,
    change_quantity,
    count_seats,
    create_release,
    venue_release,
    withdraw_release,
)
from marketplace.pricing import (
    discount_percent_at,
    next_drop,
    price_at,
    upcoming_schedule,
)
from marketplace.timeutil import utcnow
from marketplace.web.auth import venue_token_required
from venues_portal.schemas import (
    CreatedSchema,
    PerformanceCreateSchema,
    QuantityChangeSchema,
    ReleaseCreateSchema,
    ReleaseSchema,
    VenueSchema,
)

blp = Blueprint("venue_api", __name__, description="A venue's own data (bearer token)")

BEARER = [{"bearerAuth": []}]


@blp.get("/me")
@blp.response(200, VenueSchema)
@blp.doc(security=BEARER)
@venue_token_required
def venue_me():
    """The venue the token belongs to."""
    return g.api_venue


@blp.post("/performances")
@venue_token_required
@blp.arguments(PerformanceCreateSchema)
@blp.response(201, CreatedSchema)
@blp.doc(security=BEARER)
def post_performance(body: dict):
    """Schedule a performance of one of the venue's shows (created if new)."""
    performance = create_performance(db.session, g.api_venue, body["show"], body["starts_at"],
                                     utcnow())
    return {"id": performance.id}


@blp.post("/releases")
@venue_token_required
@blp.arguments(ReleaseCreateSchema)
@blp.response(201, ReleaseSchema)
@blp.alt_response(404, description="unknown_performance: not one of this venue's")
@blp.doc(security=BEARER)
def post_release(body: dict):
    """Put seats of an upcoming performance on sale with a discount schedule."""
    now = utcnow()
    release = create_release(db.session, g.api_venue, body, now)
    return release_body(release, count_seats(db.session, release.id, now), now)


@blp.get("/releases/<int:release_id>")
@venue_token_required
@blp.response(200, ReleaseSchema)
@blp.alt_response(404, description="unknown_release: not one of this venue's")
@blp.doc(security=BEARER)
def get_release(release_id: int):
    """A release now: sold, held, seats left and current price."""
    now = utcnow()
    release = venue_release(db.session, g.api_venue, release_id)
    return release_body(release, count_seats(db.session, release.id, now), now)


@blp.patch("/releases/<int:release_id>")
@venue_token_required
@blp.arguments(QuantityChangeSchema)
@blp.response(200, ReleaseSchema)
@blp.alt_response(404, description="unknown_release: not one of this venue's")
@blp.alt_response(409, description="below_sold_and_held")
@blp.doc(security=BEARER)
def patch_release(body: dict, release_id: int):
    """Change the number of seats on sale (never below sold + held: 409)."""
    now = utcnow()
    release = change_quantity(db.session, g.api_venue, release_id, body["quantity"], now)
    return release_body(release, count_seats(db.session, release.id, now), now)


@blp.post("/releases/<int:release_id>/withdraw")
@venue_token_required
@blp.response(200, ReleaseSchema)
@blp.alt_response(404, description="unknown_release: not one of this venue's")
@blp.doc(security=BEARER)
def post_withdraw(release_id: int):
    """Stop selling a release; sold seats and running holds are kept."""
    now = utcnow()
    release = withdraw_release(db.session, g.api_venue, release_id, now)
    return release_body(release, count_seats(db.session, release.id, now), now)


def release_body(release: Release, counts: SeatCounts, now: datetime) -> dict:
    """The release as stored, its counters at `now` and its public price schedule."""
    schedule = release.price_schedule()
    drop = next_drop(schedule, now)
    return {
        "id": release.id,
        "offer_id": release.id,
        "performance_id": release.performance_id,
        "category": release.category,
        "status": release.status,
        "face_price_cents": release.face_price_cents,
        "quantity": counts.quantity,
        "sold": counts.sold,
        "held": counts.held,
        "seats_left": counts.left,
        "start_discount_percent": release.start_discount,
        "max_discount_percent": release.max_discount,
        "curve": release.curve,
        "step_minutes": release.step_minutes,
        "sales_open_at": release.sales_open_at,
        "max_discount_at": release.max_discount_at,
        "sales_close_at": release.sales_close_at,
        "max_per_order": release.max_per_order,
        "price_cents": price_at(schedule, now),
        "discount_percent": discount_percent_at(schedule, now),
        "next_drop_at": drop.at if drop else None,
        "next_price_cents": drop.price_cents if drop else None,
        "schedule": upcoming_schedule(schedule, now),
    }
