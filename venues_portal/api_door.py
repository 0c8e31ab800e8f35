"""The venue API, continued: pulling sales (`since`) and checking tickets in at the door.

A venue's ticketing system pulls its sales with the time of its last pull and admits
tickets scanned by its own gates: the same guarded UPDATE as the portal's door page,
so a ticket scanned at a gate and on a phone at the same moment is admitted once.
"""

from __future__ import annotations

from datetime import datetime

from flask import g, jsonify

from marketplace.domain.orders.checkins import (
    ALREADY,
    CANCELLED,
    MISTYPED,
    OK,
    OTHER_VENUE,
    UNKNOWN,
    WRONG_TIME,
    CheckinAnswer,
    check_in,
)
from marketplace.domain.orders.sales import sales_since
from marketplace.domain.timeutil import to_paris, utcnow
from marketplace.extensions import db
from marketplace.web.auth import venue_token_required
from venues_portal.api import BEARER, blp
from venues_portal.schemas import (
    CHECKIN_ALREADY_EXAMPLE,
    CHECKIN_INPUT_EXAMPLE,
    CHECKIN_OK_EXAMPLE,
    CHECKIN_OTHER_VENUE_EXAMPLE,
    CHECKIN_UNKNOWN_EXAMPLE,
    SALES_EXAMPLE,
    CheckinInputSchema,
    CheckinSchema,
    CheckinTicketSchema,
    SalesPageSchema,
    SalesQuerySchema,
)

# Refusals: (HTTP status, error code) for each outcome of a scan.
REFUSALS = {
    ALREADY: (409, "already_checked_in"),
    UNKNOWN: (404, "unknown_ticket"),
    OTHER_VENUE: (403, "other_venue"),
    CANCELLED: (409, "ticket_cancelled"),
    WRONG_TIME: (409, "not_valid_now"),
    MISTYPED: (422, "mistyped_code"),
}


@blp.get("/sales")
@venue_token_required
@blp.arguments(SalesQuerySchema, location="query", as_kwargs=True)
@blp.response(200, SalesPageSchema, example=SALES_EXAMPLE)
@blp.doc(security=BEARER)
def get_sales(since: datetime | None, page: int, per_page: int):
    """The venue's orders paid, refunded or cancelled since an instant, with buyers and tickets.

    Pull with `since` = the time of your previous pull: orders come oldest payment first,
    `since` is inclusive (an order may come twice; its `order_id` is stable), and an order
    refunded later comes again with its new status.
    """
    found = sales_since(db.session, g.api_venue, since, page=page, per_page=per_page)
    return {"sales": found.sales, "next_page": found.next_page}


@blp.post("/checkins")
@venue_token_required
@blp.arguments(CheckinInputSchema, example=CHECKIN_INPUT_EXAMPLE)
@blp.response(200, CheckinSchema, example=CHECKIN_OK_EXAMPLE)
@blp.alt_response(409, description="already_checked_in (when, by whom), ticket_cancelled "
                  "(order refunded or performance cancelled) or not_valid_now (the "
                  "performance is not within 12 hours before to 6 hours after now)",
                  example=CHECKIN_ALREADY_EXAMPLE)
@blp.alt_response(404, description="unknown_ticket", example=CHECKIN_UNKNOWN_EXAMPLE)
@blp.alt_response(403, description="other_venue: a real ticket, for another venue",
                  example=CHECKIN_OTHER_VENUE_EXAMPLE)
@blp.doc(security=BEARER)
def post_checkin(body: dict):
    """Admit a ticket at the door, once: a second scan, anywhere, is told when it was admitted.

    `code` is what the QR code holds (the ticket code or the ticket's link), or the short
    code printed under it, in any case, with or without hyphens or spaces (`k7qm-3xpf-0`).
    A short code whose check character does not match (a character missing, extra or
    mistyped) is refused with 422 `mistyped_code` before any ticket is looked up.
    """
    answer = check_in(db.session, g.api_venue, body["code"], staff=None, now=utcnow())
    if answer.outcome == OK:
        return {"status": "ok", "checked_in_at": answer.checked_in_at,
                "ticket": _ticket(answer)}
    status, code = REFUSALS[answer.outcome]
    payload = {"error": code, "message": _message(answer)}
    if answer.outcome in (ALREADY, CANCELLED, WRONG_TIME):
        payload["ticket"] = CheckinTicketSchema().dump(_ticket(answer))
    if answer.outcome == ALREADY:
        payload["checked_in_at"] = answer.checked_in_at.isoformat()
        payload["checked_in_by"] = answer.checked_in_by
    return jsonify(payload), status


def _ticket(answer: CheckinAnswer) -> dict:
    return {"code": answer.code, "short_code": answer.short_code,
            "performance_id": answer.performance_id,
            "show_title": answer.show_title, "starts_at": answer.starts_at,
            "category": answer.category, "buyer_name": answer.buyer_name,
            "seat_number": answer.seat_number, "seats": answer.seats}


def _message(answer: CheckinAnswer) -> str:
    """In English, like every other API error message."""
    if answer.outcome == ALREADY:
        at = to_paris(answer.checked_in_at).strftime("%H:%M on %d/%m/%Y")
        who = answer.checked_in_by or "your ticketing system"
        return f"This ticket was already scanned at {at} (Paris time) by {who}."
    return {
        UNKNOWN: "No ticket has this code.",
        MISTYPED: "This short code is incomplete or mistyped: check its characters.",
        OTHER_VENUE: "This ticket is for another venue.",
        CANCELLED: "This ticket was cancelled (order refunded or performance cancelled).",
        WRONG_TIME: "This ticket is for a performance at another time: "
                    f"{to_paris(answer.starts_at).isoformat() if answer.starts_at else ''}.",
    }[answer.outcome]
