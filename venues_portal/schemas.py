"""Schemas of the venue API: they validate input and document /api/v1/openapi.json."""

from __future__ import annotations

import marshmallow as ma

from marketplace.catalog.models import DISCIPLINES
from marketplace.inventory.models import CURVES
from marketplace.timeutil import PARIS


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


# Times: ISO 8601; a value without a UTC offset is read as Europe/Paris wall-clock time.
_PARIS_NOTE = "ISO 8601 with offset; a value without offset is read as Europe/Paris time."


def _instant(description: str, **kwargs) -> ma.fields.AwareDateTime:
    return ma.fields.AwareDateTime(default_timezone=PARIS,
                                   metadata={"description": f"{description} ({_PARIS_NOTE})"},
                                   **kwargs)


def _whole(description: str, **kwargs) -> ma.fields.Integer:
    return ma.fields.Integer(strict=True, metadata={"description": description}, **kwargs)


class ShowInputSchema(ma.Schema):
    title = ma.fields.String(required=True, metadata={"description": "Up to 200 characters"})
    discipline = ma.fields.String(required=True, metadata={"enum": list(DISCIPLINES)})
    description = ma.fields.String(load_default="")
    duration_minutes = _whole("Running time, 1 to 1440", allow_none=True, load_default=None)
    age_guidance = ma.fields.String(load_default="", metadata={"description": "e.g. 'dès 8 ans'"})
    image_url = ma.fields.String(load_default="", metadata={"description": "http(s) address"})


class PerformanceCreateSchema(ma.Schema):
    show = ma.fields.Nested(ShowInputSchema, required=True, metadata={
        "description": "The venue's show with this title and discipline is reused if it exists"})
    starts_at = _instant("Curtain time, in the future", required=True)

    def handle_error(self, error: ma.ValidationError, data, *, many: bool, **kwargs):
        """Name nested fields by their path ("show.title"), as the services do."""
        raise ma.ValidationError(_dotted(error.messages), data=data,
                                 valid_data=error.valid_data)


def _dotted(messages: dict, prefix: str = "") -> dict:
    flat: dict = {}
    for key, value in messages.items():
        name = prefix if key == "_schema" and prefix else f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_dotted(value, f"{name}."))
        else:
            flat[name.rstrip(".")] = value
    return flat


class CreatedSchema(ma.Schema):
    id = ma.fields.Integer(required=True)


class ReleaseCreateSchema(ma.Schema):
    performance_id = _whole("One of this venue's upcoming performances", required=True)
    category = ma.fields.String(required=True, metadata={"description": "e.g. 'Placement libre'"})
    face_price_cents = _whole("Face price in cents, 1 to 1 000 000", required=True)
    quantity = _whole("Seats on sale, 1 to 100 000", required=True)
    start_discount_percent = _whole("Discount from sales opening, 25 to 80", required=True)
    max_discount_percent = _whole("Deepest discount, start to 80", required=True)
    curve = ma.fields.String(load_default="linear", metadata={"enum": list(CURVES)})
    step_minutes = _whole("Minutes between drops; required for the 'steps' curve",
                          allow_none=True, load_default=None)
    sales_open_at = _instant("Default: now", allow_none=True, load_default=None)
    max_discount_at = _instant(
        "When the deepest discount is reached; default: one hour before curtain, kept "
        "within the sales window", allow_none=True, load_default=None)
    sales_close_at = _instant("Default and latest: curtain time", allow_none=True,
                              load_default=None)
    max_per_order = _whole("Seats one buyer may hold, 1 to 50", load_default=6)


class QuantityChangeSchema(ma.Schema):
    quantity = _whole("New number of seats on sale; never below sold + held", required=True)


class ReleasePricePointSchema(ma.Schema):
    at = ma.fields.AwareDateTime(required=True)
    price_cents = ma.fields.Integer(required=True)
    discount_percent = ma.fields.Integer(required=True)


class ReleaseSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    offer_id = ma.fields.Integer(required=True, metadata={
        "description": "The id under which the storefront and POST /holds know this release"})
    performance_id = ma.fields.Integer(required=True)
    category = ma.fields.String(required=True)
    status = ma.fields.String(required=True, metadata={"enum": ["open", "withdrawn", "closed"]})
    face_price_cents = ma.fields.Integer(required=True)
    quantity = ma.fields.Integer(required=True)
    sold = ma.fields.Integer(required=True)
    held = ma.fields.Integer(required=True, metadata={
        "description": "Seats in active holds (lapsed holds already counted as given back)"})
    seats_left = ma.fields.Integer(required=True)
    start_discount_percent = ma.fields.Integer(required=True)
    max_discount_percent = ma.fields.Integer(required=True)
    curve = ma.fields.String(required=True)
    step_minutes = ma.fields.Integer(allow_none=True)
    sales_open_at = ma.fields.AwareDateTime(required=True)
    max_discount_at = ma.fields.AwareDateTime(required=True)
    sales_close_at = ma.fields.AwareDateTime(required=True)
    max_per_order = ma.fields.Integer(required=True)
    price_cents = ma.fields.Integer(required=True, metadata={"description": "Price right now"})
    discount_percent = ma.fields.Integer(required=True)
    next_drop_at = ma.fields.AwareDateTime(allow_none=True)
    next_price_cents = ma.fields.Integer(allow_none=True)
    schedule = ma.fields.List(ma.fields.Nested(ReleasePricePointSchema), required=True, metadata={
        "description": "The upcoming price drops"})
