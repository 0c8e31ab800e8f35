"""A spectator's access to, and erasure of, what is held about them (token sent by e-mail)."""

from __future__ import annotations

import marshmallow as ma
from flask import current_app
from flask_smorest import Blueprint

from marketplace.blueprints.api.order_schemas import TOKEN_PATTERN
from marketplace.domain.orders.access import order_links
from marketplace.domain.rights.services import data_about, email_for_link, erase
from marketplace.domain.timeutil import utcnow
from marketplace.extensions import db

blp = Blueprint("me", __name__, description="A spectator's own data")


class TokenSchema(ma.Schema):
    token = ma.fields.String(required=True, validate=[
        ma.validate.Length(min=1, max=500),
        ma.validate.Regexp(TOKEN_PATTERN, error="This token is not valid.")],
                             metadata={"description": "from the link e-mailed by /mes-donnees"})


class MyDataSchema(ma.Schema):
    email = ma.fields.String()
    venues = ma.fields.List(ma.fields.Dict(), metadata={
        "description": "one entry per venue holding a contact for this e-mail"})
    orders = ma.fields.List(ma.fields.Dict(), metadata={
        "description": "each with `tickets_url`, the link to its tickets"})
    watches = ma.fields.List(ma.fields.Dict(), metadata={"description": "alerts, any status"})
    follows = ma.fields.List(ma.fields.Dict(), metadata={
        "description": "venues followed (« Suivre ce lieu »), any status"})
    push_subscriptions = ma.fields.List(ma.fields.Dict(), metadata={
        "description": "browsers that get notifications: push service, since when"})
    waitlist = ma.fields.List(ma.fields.Dict(), metadata={
        "description": "waiting-list entries (show, venue, starts_at, quantity, status)"})
    emails = ma.fields.List(ma.fields.Dict(), metadata={
        "description": "the e-mails sent to this address (subject, date), newest first"})
    data_links = ma.fields.List(ma.fields.Dict(), metadata={
        "description": "the links to this page still valid"})


@blp.get("/me/data")
@blp.arguments(TokenSchema, location="query")
@blp.response(200, MyDataSchema)
def get_my_data(query: dict):
    """Everything held about the e-mail the token was issued for."""
    now = utcnow()
    email = email_for_link(db.session, query["token"], now)
    return data_about(db.session, email, now, order_links(current_app.config))


@blp.delete("/me/data")
@blp.arguments(TokenSchema, location="query")
@blp.response(204)
def delete_my_data(query: dict):
    """Erase every personal field about that e-mail; the accounting stays, the venues that
    held it are told (`contact.erased`), and the token stops working."""
    now = utcnow()
    erase(db.session, email_for_link(db.session, query["token"], now), now)
