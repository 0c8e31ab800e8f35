"""Waiting lists of sold-out offers (DESIGN.md rule 11): join, see one's place, leave."""

from __future__ import annotations

from flask import current_app
from flask_babel import get_locale
from flask_smorest import Blueprint

from marketplace.blueprints.api.waitlist_schemas import (
    EntrySchema,
    EntryTokenSchema,
    JoinRequestSchema,
)
from marketplace.domain.mail.links import mail_links
from marketplace.domain.timeutil import utcnow
from marketplace.domain.waitlist.services import entry_state, join_waitlist, leave_waitlist
from marketplace.extensions import db

blp = Blueprint("waitlist", __name__, description="Waiting lists of sold-out offers")


@blp.post("/offers/<int:offer_id>/waitlist")
@blp.arguments(JoinRequestSchema, example={"email": "camille@example.org", "quantity": 2})
@blp.response(201, EntrySchema)
@blp.alt_response(404, description="unknown_offer")
@blp.alt_response(409, description="seats_available: enough seats are on sale, buy them; "
                                    "already_waiting: this e-mail is in line already; "
                                    "sales_closed")
def post_waitlist_entry(body: dict, offer_id: int):
    """Join the waiting list of a sold-out offer; the answer (and an e-mail) gives the
    place in line. When seats come back they are held for the first entry whose quantity
    fits, which becomes `offered` for a short claim window."""
    return join_waitlist(db.session, offer_id, body, mail_links(current_app.config),
                         utcnow(), locale=str(get_locale() or "fr"))


@blp.get("/waitlist/<int:entry_id>")
@blp.arguments(EntryTokenSchema, location="query")
@blp.response(200, EntrySchema)
@blp.alt_response(404, description="unknown_entry (or a wrong token)")
def get_waitlist_entry(query: dict, entry_id: int):
    """Where an entry stands: its place in line, or the seats held for it until when."""
    return entry_state(db.session, entry_id, query["token"], mail_links(current_app.config),
                       utcnow())


@blp.delete("/waitlist/<int:entry_id>")
@blp.arguments(EntryTokenSchema, location="query")
@blp.response(204)
@blp.alt_response(404, description="unknown_entry (or a wrong token)")
def delete_waitlist_entry(query: dict, entry_id: int):
    """Leave the line (again: still 204); seats being offered go to the next in line."""
    leave_waitlist(db.session, entry_id, query["token"], mail_links(current_app.config),
                   utcnow())
