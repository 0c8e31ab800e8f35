"""Schemas of the hold endpoints: they parse input and document /api/v1/openapi.json."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from marketplace.domain.inventory.terms import MAX_PER_ORDER_LIMIT


class HoldRequestSchema(ma.Schema):
    offer_id = ma.fields.Integer(strict=True, required=True, metadata={
        "description": "The offer's id (GET /offers); no such offer: 404"})
    quantity = ma.fields.Integer(
        strict=True, required=True, validate=validate.Range(1, MAX_PER_ORDER_LIMIT),
        metadata={"description": "Seats to hold: 1 to the offer's max_per_order "
                                 f"(at most {MAX_PER_ORDER_LIMIT}); above it: 422"})


class HoldSchema(ma.Schema):
    hold_id = ma.fields.String(required=True, attribute="id", metadata={
        "description": "Unguessable; keep it to check out or to release the seats"})
    offer_id = ma.fields.Integer(required=True, attribute="release_id")
    quantity = ma.fields.Integer(required=True)
    unit_price_cents = ma.fields.Integer(required=True, metadata={
        "description": "Locked at hold time: checkout charges exactly quantity × this"})
    total_cents = ma.fields.Integer(required=True)
    expires_at = ma.fields.AwareDateTime(required=True, metadata={
        "description": "The seats go back on sale at this instant unless paid for"})
