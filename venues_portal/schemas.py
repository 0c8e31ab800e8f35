"""Schemas of the venue API: they validate input and document /api/v1/openapi.json."""

from __future__ import annotations

import marshmallow as ma


class VenueSchema(ma.Schema):
    slug = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    address = ma.fields.String()
    postcode = ma.fields.String()
    city = ma.fields.String()
    lat = ma.fields.Float()
    lng = ma.fields.Float()
    step_free_access = ma.fields.Boolean()
    webhook_url = ma.fields.String(allow_none=True)
