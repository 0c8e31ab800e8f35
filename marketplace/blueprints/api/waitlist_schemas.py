"""Schemas of the waiting-list endpoints: they parse input and document /api/v1/openapi.json."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from marketplace.blueprints.api.order_schemas import EMAIL_PATTERN, TOKEN_PATTERN
from marketplace.domain.inventory.models import WAITLIST_STATUSES
from marketplace.domain.inventory.terms import MAX_PER_ORDER_LIMIT
from marketplace.web.one_line import one_line


class JoinRequestSchema(ma.Schema):
    email = ma.fields.String(
        required=True,
        validate=[validate.Length(max=254), validate.Regexp(EMAIL_PATTERN, error=(
            "This e-mail address does not look right (name@example.org).")), one_line],
        metadata={"description": "Where the place in line and the offer are sent; one entry "
                                 "per e-mail and offer", "example": "camille@example.org"})
    quantity = ma.fields.Integer(
        strict=True, required=True, validate=validate.Range(1, MAX_PER_ORDER_LIMIT),
        metadata={"description": "Seats wanted: 1 to the offer's max_per_order; above it: "
                                 "422", "example": 2})


class EntryTokenSchema(ma.Schema):
    token = ma.fields.String(required=True, validate=[
        validate.Length(min=1, max=200),
        validate.Regexp(TOKEN_PATTERN, error="This token is not valid.")],
        metadata={"description": "The entry's token, answered when joining and in its "
                                 "e-mails; a wrong one: 404"})


class EntrySchema(ma.Schema):
    entry_id = ma.fields.Integer(required=True, metadata={"example": 41})
    token = ma.fields.String(required=True, metadata={
        "description": "Opens and leaves this entry (GET/DELETE /waitlist/{entry_id}?token=)",
        "example": "MQ.x2Y9kX7tq0n6W4mJb1c3sVhQpLe"})
    offer_id = ma.fields.Integer(required=True, metadata={"example": 7})
    quantity = ma.fields.Integer(required=True, metadata={"example": 2})
    status = ma.fields.String(required=True, validate=validate.OneOf(WAITLIST_STATUSES),
                              metadata={"description": "waiting (in line), offered (seats "
                                        "held until claim_until), claimed (bought), expired "
                                        "(an offer unclaimed, or sales ended), left",
                                        "example": "waiting"})
    position = ma.fields.Integer(allow_none=True, metadata={
        "description": "1 = first in line; null unless waiting", "example": 3})
    hold_id = ma.fields.String(allow_none=True, metadata={
        "description": "When offered: the hold to check out (POST /holds/{hold_id}/checkout "
                       "with this entry's e-mail)", "example": None})
    claim_until = ma.fields.AwareDateTime(allow_none=True, metadata={
        "description": "When offered: the seats pass to the next in line at this instant",
        "example": None})
