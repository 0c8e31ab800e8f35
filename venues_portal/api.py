"""The venue API: a venue's own systems push releases and pull sales with a bearer token.

Views parse input, call one service with the venue of the token and `now`, and render.
Another venue's performance or release is simply not found (404).
"""

from __future__ import annotations

from datetime import datetime

from flask import Response, current_app, g, request, stream_with_context
from flask_smorest import Blueprint

from marketplace.domain.catalog.performances import create_performance
from marketplace.domain.contacts.exports import api_csv, api_record
from marketplace.domain.contacts.queries import all_contacts_since, contacts_since
from marketplace.domain.errors import ValidationFailed
from marketplace.domain.inventory.models import Release
from marketplace.domain.inventory.services import (
    SeatCounts,
    change_quantity,
    count_seats,
    create_release,
    venue_release,
    withdraw_release,
)
from marketplace.domain.pricing import (
    discount_percent_at,
    next_drop,
    price_at,
    upcoming_schedule,
)
from marketplace.domain.timeutil import utcnow
from marketplace.extensions import db
from marketplace.outbound import policy_from_config
from marketplace.web.auth import venue_token_required
from venues_portal.operations.contacts_webhooks import send_webhook_test_for_venue
from venues_portal.operations.profile import update_venue_settings
from venues_portal.schemas import (
    CONTACTS_EXAMPLE,
    ContactsPageSchema,
    ContactsQuerySchema,
    CreatedSchema,
    PerformanceCreateSchema,
    QuantityChangeSchema,
    ReleaseCreateSchema,
    ReleaseSchema,
    VenueChangeSchema,
    VenueSchema,
    VenueSettingsSchema,
    WebhookTestSchema,
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


@blp.patch("/me")
@venue_token_required
@blp.arguments(VenueChangeSchema)
@blp.response(200, VenueSettingsSchema)
@blp.doc(security=BEARER, description=(
    "Change the venue's settings; only the fields given change, all or none. A webhook "
    "address that leads to a loopback, private, link-local, multicast or reserved address, "
    "or that is not https, is refused: 422 `webhook_url_not_allowed`."))
def patch_venue_me(body: dict):
    """Change the venue's settings (its webhook address and secret)."""
    if not isinstance(request.get_json(silent=True), dict):  # no body reads as {} otherwise
        raise ValidationFailed("Send the changes as a JSON object, e.g. "
                               '{"webhook_url": "https://…"}.', field="body")
    saved = update_venue_settings(db.session, g.api_venue, changes=body,
                                  webhook_policy=policy_from_config(current_app.config))
    answer = VenueSchema().dump(saved.venue)
    if saved.generated_secret:
        answer["webhook_secret"] = saved.generated_secret
    return answer


@blp.post("/webhooks/test")
@venue_token_required
@blp.response(200, WebhookTestSchema)
@blp.alt_response(409, description="no_webhook_url: set one first (PATCH /venue/me)")
@blp.doc(security=BEARER)
def post_webhook_test():
    """Send a "test" event to the venue's webhook now: delivered or not, and the status.

    The event is logged with the others (the portal's webhook log); a failed
    test is not retried. The receiver's body and any error text are never returned.
    """
    result = send_webhook_test_for_venue(db.session, g.api_venue, now=utcnow(),
                                         policy=policy_from_config(current_app.config))
    return {"delivered": result.delivered, "status": result.status}


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


@blp.get("/contacts")
@venue_token_required
@blp.arguments(ContactsQuerySchema, location="query", as_kwargs=True)
@blp.response(200, ContactsPageSchema, example=CONTACTS_EXAMPLE)
@blp.alt_response(200, success=True, content_type="text/csv", schema={
    "type": "string", "description": "format=csv: the same fields, one contact a line"})
@blp.doc(security=BEARER)
def get_contacts(updated_since: datetime | None, format: str, page: int | None,
                 per_page: int | None):
    """The venue's contacts (its buyers on Kiosque) created or changed since an instant.

    Pull with `updated_since` = the `as_of` of your previous pull. Contacts come by id,
    so one that changes while you walk the pages may come twice (its `id` and `email`
    are stable) but none is skipped. Use `marketing_consent` before any marketing.
    `format=csv` gives every contact in one file unless `page` or `per_page` is given.
    """
    venue, now = g.api_venue, utcnow()
    if format == "csv" and page is None and per_page is None:
        return _contacts_csv(all_contacts_since(db.session, venue, updated_since), now)
    found = contacts_since(db.session, venue, updated_since, page=page or 1,
                           per_page=per_page or 100)
    if format == "csv":
        response = _contacts_csv(iter(found.contacts), now)
        if found.next_page:
            response.headers["X-Next-Page"] = str(found.next_page)
        return response
    return {"contacts": [api_record(c) for c in found.contacts], "next_page": found.next_page,
            "as_of": now}


def _contacts_csv(contacts, now: datetime) -> Response:
    name = f"kiosque-contacts-{g.api_venue.slug}-{now.strftime('%Y%m%dT%H%M%SZ')}.csv"
    return Response(stream_with_context(api_csv(contacts)), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store",
        "X-As-Of": now.isoformat()})


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
