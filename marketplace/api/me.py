"""A spectator's access to, and erasure of, what is held about them (token sent by e-mail)."""

from __future__ import annotations

import marshmallow as ma
from flask import current_app
from flask_smorest import Blueprint

from marketplace.api.order_schemas import TOKEN_PATTERN
from marketplace.contacts.rights import data_about, email_from_token, erase
from marketplace.extensions import db
from marketplace.timeutil import utcnow

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
    orders = ma.fields.List(ma.fields.Dict())
    watches = ma.fields.List(ma.fields.Dict())


@blp.get("/me/data")
@blp.arguments(TokenSchema, location="query")
@blp.response(200, MyDataSchema)
def get_my_data(query: dict):
    """Everything held about the e-mail the token was issued for."""
    email = email_from_token(current_app.config["SECRET_KEY"], query["token"], utcnow())
    return data_about(db.session, email)


@blp.delete("/me/data")
@blp.arguments(TokenSchema, location="query")
@blp.response(204)
def delete_my_data(query: dict):
    """Anonymise every personal field about that e-mail; the accounting stays."""
    now = utcnow()
    erase(db.session, email_from_token(current_app.config["SECRET_KEY"], query["token"], now),
          now)
