"""Schemas of the venue API: they validate input and document /api/v1/openapi.json."""

from __future__ import annotations

from datetime import UTC, datetime

import marshmallow as ma
from marshmallow.validate import Length, OneOf, Range, Regexp

from marketplace.blueprints.api.order_schemas import NOT_BLANK
from marketplace.domain.catalog.models import DISCIPLINES
from marketplace.domain.inventory.models import CURVES
from marketplace.domain.inventory.terms import (
    MAX_DISCOUNT,
    MAX_FACE_PRICE_CENTS,
    MAX_PER_ORDER_LIMIT,
    MAX_QUANTITY,
    MAX_STEP_MINUTES,
    MIN_DISCOUNT,
)
from marketplace.domain.timeutil import PARIS
from marketplace.domain.validation import ONE_LINE_PATTERN, SPACES, WHITESPACE, WORD
from marketplace.web.one_line import one_line


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


# Printable ASCII without spaces: it goes into an HMAC key and, for the venue, a config file.
WEBHOOK_SECRET_PATTERN = r"^[\x21-\x7e]{16,200}$"


class VenueChangeSchema(ma.Schema):
    """PATCH /venue/me: what a venue's own systems may change; every field is optional.

    A setting is added here and in operations.profile.update_venue_settings; an unknown
    field is refused (422) like everywhere in the API.
    """

    webhook_url = ma.fields.String(
        allow_none=True, validate=Length(max=500),
        metadata={"description": "Where Kiosque sends the venue's contact events: an https "
                                 "address on the public Internet (DESIGN.md rule 9), checked "
                                 "now and before every call; null or \"\" removes it"})
    webhook_secret = ma.fields.String(
        validate=Regexp(WEBHOOK_SECRET_PATTERN),
        metadata={"description": "The signing secret, 16 to 200 printable ASCII characters "
                                 "without spaces; if an address is set and the venue has no "
                                 "secret, Kiosque generates one and answers it once"})


class VenueSettingsSchema(VenueSchema):
    webhook_secret = ma.fields.String(metadata={
        "description": "Only in the answer that made Kiosque generate it: keep it, it is "
                       "never shown again through the API"})


class WebhookTestSchema(ma.Schema):
    delivered = ma.fields.Boolean(required=True, metadata={
        "description": "The venue's tool answered 2xx (a redirection is not followed)"})
    status = ma.fields.Integer(required=True, allow_none=True, metadata={
        "description": "The HTTP status it answered; null: no answer, or an address rule 9 "
                       "refuses now. Never the body or an error text"})


# Times: ISO 8601; a value without a UTC offset is read as Europe/Paris wall-clock time.
_PARIS_NOTE = "ISO 8601 with offset; a value without offset is read as Europe/Paris time."


# Instants Kiosque could mean; beyond, converting to UTC would overflow (year 1 in Paris).
EARLIEST, LATEST = datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 12, 31, tzinfo=UTC)


def _within_reason(value: datetime) -> None:
    try:
        in_utc = value.astimezone(UTC)
    except OverflowError:
        in_utc = None
    if in_utc is None or not EARLIEST <= in_utc <= LATEST:
        raise ma.ValidationError("Must be between 2000-01-01 and 2100-12-31.")


class _SinceInstant(ma.fields.AwareDateTime):
    """A lower bound for a pull: any instant is fine, held within 2000–2100 (no overflow)."""

    def _deserialize(self, value, attr, data, **kwargs) -> datetime:
        instant = super()._deserialize(value, attr, data, **kwargs)
        try:
            in_utc = instant.astimezone(UTC)
        except OverflowError:
            return EARLIEST if instant.year < 2000 else LATEST
        return min(max(in_utc, EARLIEST), LATEST)


def _since(description: str) -> _SinceInstant:
    return _SinceInstant(default_timezone=PARIS, load_default=None,
                         metadata={"description": f"{description} ({_PARIS_NOTE})"})


def _instant(description: str, **kwargs) -> ma.fields.AwareDateTime:
    return ma.fields.AwareDateTime(default_timezone=PARIS, validate=_within_reason,
                                   metadata={"description": f"{description} ({_PARIS_NOTE}; "
                                                            "2000 to 2100)"},
                                   **kwargs)


def _whole(description: str, **kwargs) -> ma.fields.Integer:
    return ma.fields.Integer(strict=True, metadata={"description": description}, **kwargs)


# Blank, or an http(s) address on one line (linear-time, as marketplace.domain.validation's).
IMAGE_URL_PATTERN = (rf"^(?:[{WHITESPACE}]*|[{WHITESPACE}]*https?://(?:{WORD})?"
                     rf"(?:[{SPACES}]+{WORD})*[{WHITESPACE}]*)$")


class ShowInputSchema(ma.Schema):
    title = ma.fields.String(required=True,
                             validate=[Length(max=200), Regexp(NOT_BLANK), one_line],
                             metadata={"description": "Up to 200 characters"})
    discipline = ma.fields.String(required=True, validate=OneOf(DISCIPLINES))
    # Several lines are fine here; NUL is refused in any text (marketplace.web.input_guard).
    description = ma.fields.String(load_default="",
                                   validate=[Length(max=5000), Regexp(r"^[^\x00]*$")])
    duration_minutes = _whole("Running time, 1 to 1440", allow_none=True, load_default=None,
                              validate=Range(1, 24 * 60))
    age_guidance = ma.fields.String(load_default="",
                                    validate=[Length(max=60), Regexp(ONE_LINE_PATTERN), one_line],
                                    metadata={"description": "e.g. 'dès 8 ans'"})
    image_url = ma.fields.String(
        load_default="", validate=[Length(max=500), Regexp(IMAGE_URL_PATTERN), one_line],
        metadata={"description": "http(s) address"})


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
    category = ma.fields.String(required=True,
                                validate=[Length(max=80), Regexp(NOT_BLANK), one_line],
                                metadata={"description": "e.g. 'Placement libre'"})
    face_price_cents = _whole("Face price in cents, 1 to 1 000 000", required=True,
                              validate=Range(1, MAX_FACE_PRICE_CENTS))
    quantity = _whole("Seats on sale, 1 to 100 000", required=True,
                      validate=Range(1, MAX_QUANTITY))
    start_discount_percent = _whole("Discount from sales opening, 25 to 80", required=True,
                                    validate=Range(MIN_DISCOUNT, MAX_DISCOUNT))
    max_discount_percent = _whole("Deepest discount, start to 80", required=True,
                                  validate=Range(MIN_DISCOUNT, MAX_DISCOUNT))
    curve = ma.fields.String(load_default="linear", validate=OneOf(CURVES))
    step_minutes = _whole("Minutes between drops; required for the 'steps' curve",
                          allow_none=True, load_default=None,
                          validate=Range(1, MAX_STEP_MINUTES))
    sales_open_at = _instant("Default: now", allow_none=True, load_default=None)
    max_discount_at = _instant(
        "When the deepest discount is reached; default: one hour before curtain, kept "
        "within the sales window", allow_none=True, load_default=None)
    sales_close_at = _instant("Default and latest: curtain time", allow_none=True,
                              load_default=None)
    max_per_order = _whole("Seats one buyer may hold, 1 to 50", load_default=6,
                           validate=Range(1, MAX_PER_ORDER_LIMIT))


class QuantityChangeSchema(ma.Schema):
    quantity = _whole("New number of seats on sale, 1 to 100 000; never below sold + held "
                      "(409)", required=True, validate=Range(1, MAX_QUANTITY))


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


# Sales and check-ins -------------------------------------------------------------------


class SalesQuerySchema(ma.Schema):
    since = _since("Orders paid, refunded or cancelled at or after this instant; "
                   "default: all")
    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1, max=100_000))
    per_page = ma.fields.Integer(load_default=100, validate=ma.validate.Range(min=1, max=500))


class BuyerSchema(ma.Schema):
    name = ma.fields.String(allow_none=True)
    email = ma.fields.String(allow_none=True)
    postcode = ma.fields.String(allow_none=True)


class SaleTicketSchema(ma.Schema):
    code = ma.fields.String(required=True, metadata={
        "description": "What the ticket's QR code holds; POST /venue/checkins takes it"})
    checked_in_at = ma.fields.AwareDateTime(allow_none=True)


class SaleSchema(ma.Schema):
    order_id = ma.fields.String(required=True)
    performance_id = ma.fields.Integer(required=True)
    release_id = ma.fields.Integer(required=True)
    status = ma.fields.String(required=True, metadata={
        "enum": ["paid", "refunded", "cancelled"]})
    quantity = ma.fields.Integer(required=True)
    unit_price_cents = ma.fields.Integer(required=True)
    total_cents = ma.fields.Integer(required=True)
    face_price_cents = ma.fields.Integer(required=True)
    discount_percent = ma.fields.Integer(required=True)
    paid_at = ma.fields.AwareDateTime(required=True)
    refunded_at = ma.fields.AwareDateTime(allow_none=True)
    cancelled_at = ma.fields.AwareDateTime(allow_none=True)
    buyer = ma.fields.Nested(BuyerSchema, required=True, metadata={
        "description": "The venue's own customer (null fields once the buyer was erased)"})
    tickets = ma.fields.List(ma.fields.Nested(SaleTicketSchema), required=True)


class SalesPageSchema(ma.Schema):
    sales = ma.fields.List(ma.fields.Nested(SaleSchema), required=True)
    next_page = ma.fields.Integer(allow_none=True, metadata={
        "description": "The page to ask for next, null on the last page"})


SALES_EXAMPLE = {
    "sales": [{
        "order_id": "Yq3n0V5mJ2bqk8Jd1xP9eA", "performance_id": 412, "release_id": 977,
        "status": "paid", "quantity": 2, "unit_price_cents": 1450, "total_cents": 2900,
        "face_price_cents": 2500, "discount_percent": 42,
        "paid_at": "2026-11-20T18:04:11+00:00", "refunded_at": None, "cancelled_at": None,
        "buyer": {"name": "Camille Martin", "email": "camille.martin@example.org",
                  "postcode": "13006"},
        "tickets": [{"code": "q8QzF3n2bS0wQy1mW7dJvA", "checked_in_at": None},
                    {"code": "Jx0pLk4t9BvY2cR6nQ1sZg", "checked_in_at": None}],
    }],
    "next_page": None,
}


class CheckinInputSchema(ma.Schema):
    code = ma.fields.String(required=True, validate=[
        ma.validate.Length(min=1, max=500), Regexp(ONE_LINE_PATTERN), one_line],
                            metadata={"description": "The ticket code (or the ticket link) "
                                                     "read from the QR code, or the short "
                                                     "code typed from under it (any case, "
                                                     "hyphens and spaces ignored)"})


class CheckinTicketSchema(ma.Schema):
    code = ma.fields.String(required=True)
    short_code = ma.fields.String(metadata={
        "description": "The short code printed under the QR code, without its hyphens "
                       "(shown as `K7QM-3XPF-0`)"})
    performance_id = ma.fields.Integer(required=True)
    show_title = ma.fields.String(required=True)
    starts_at = ma.fields.AwareDateTime(required=True)
    category = ma.fields.String(required=True)
    buyer_name = ma.fields.String(allow_none=True)
    seat_number = ma.fields.Integer(metadata={"description": "This ticket is seat n of `seats`"})
    seats = ma.fields.Integer()


class CheckinSchema(ma.Schema):
    status = ma.fields.String(required=True, metadata={"enum": ["ok"]})
    checked_in_at = ma.fields.AwareDateTime(required=True)
    ticket = ma.fields.Nested(CheckinTicketSchema, required=True)


_TICKET_EXAMPLE = {
    "code": "q8QzF3n2bS0wQy1mW7dJvA", "short_code": "K7QM3XPF0", "performance_id": 412,
    "show_title": "Le Misanthrope",
    "starts_at": "2026-11-20T19:30:00+00:00", "category": "Placement libre",
    "buyer_name": "Camille Martin", "seat_number": 1, "seats": 2,
}
CHECKIN_INPUT_EXAMPLE = {"code": "q8QzF3n2bS0wQy1mW7dJvA"}
CHECKIN_OK_EXAMPLE = {"status": "ok", "checked_in_at": "2026-11-20T19:12:40+00:00",
                      "ticket": _TICKET_EXAMPLE}
CHECKIN_ALREADY_EXAMPLE = {
    "error": "already_checked_in",
    "message": "This ticket was already scanned at 20:12 by Nadia Haddad.",
    "checked_in_at": "2026-11-20T19:12:40+00:00", "checked_in_by": "Nadia Haddad",
    "ticket": _TICKET_EXAMPLE,
}
CHECKIN_UNKNOWN_EXAMPLE = {"error": "unknown_ticket",
                           "message": "No ticket has this code."}
CHECKIN_OTHER_VENUE_EXAMPLE = {"error": "other_venue",
                               "message": "This ticket is for another venue."}


# Contacts ------------------------------------------------------------------------------


class ContactsQuerySchema(ma.Schema):
    updated_since = _since("Contacts created or changed at or after this instant; "
                           "default: all")
    format = ma.fields.String(load_default="json", validate=ma.validate.OneOf(("json", "csv")),
                              metadata={"description": "json (paginated) or csv (UTF-8 with "
                                                       "BOM, `;`; every contact unless `page` "
                                                       "or `per_page` is given)"})
    page = ma.fields.Integer(load_default=None, validate=ma.validate.Range(min=1, max=100_000),
                             metadata={"description": "Default: 1"})
    per_page = ma.fields.Integer(load_default=None, validate=ma.validate.Range(min=1, max=500),
                                 metadata={"description": "Default: 100"})


class ContactSchema(ma.Schema):
    id = ma.fields.Integer(required=True, metadata={"description": "Stable within the venue"})
    email = ma.fields.String(required=True, metadata={
        "description": "Trimmed and lower-cased: unique within the venue"})
    name = ma.fields.String(required=True)
    postcode = ma.fields.String(required=True)
    birth_year = ma.fields.Integer(allow_none=True)
    source = ma.fields.String(required=True, metadata={"enum": ["kiosque"]})
    stage = ma.fields.String(required=True, metadata={
        "enum": ["contact", "first_time", "regular", "lapsed"],
        "description": "regular: 3 purchases or more in 12 months; lapsed: none in 12 months"})
    purchases = ma.fields.Integer(required=True, metadata={"description": "Paid orders"})
    amount_cents = ma.fields.Integer(required=True)
    disciplines = ma.fields.List(ma.fields.String(), required=True)
    marketing_consent = ma.fields.Boolean(required=True, metadata={
        "description": "Opted in to the venue's news (unticked by default at checkout)"})
    consent_at = ma.fields.AwareDateTime(allow_none=True, metadata={
        "description": "When consent was given (or withdrawn, when marketing_consent is false)"})
    consent_text = ma.fields.String(allow_none=True, metadata={
        "description": "The words the buyer ticked"})
    first_purchase_at = ma.fields.AwareDateTime(allow_none=True)
    last_purchase_at = ma.fields.AwareDateTime(allow_none=True)
    created_at = ma.fields.AwareDateTime(required=True)
    updated_at = ma.fields.AwareDateTime(required=True)


class ContactsPageSchema(ma.Schema):
    contacts = ma.fields.List(ma.fields.Nested(ContactSchema), required=True)
    next_page = ma.fields.Integer(allow_none=True, metadata={
        "description": "The page to ask for next, null on the last page"})
    as_of = ma.fields.AwareDateTime(required=True, metadata={
        "description": "When this answer was made: pass it as `updated_since` next time"})


CONTACTS_EXAMPLE = {
    "contacts": [{
        "id": 5812, "email": "camille.martin@example.org", "name": "Camille Martin",
        "postcode": "13006", "birth_year": 1994, "source": "kiosque", "stage": "first_time",
        "purchases": 1, "amount_cents": 2900, "disciplines": ["theatre"],
        "marketing_consent": True, "consent_at": "2026-11-20T18:04:11+00:00",
        "consent_text": "J'accepte de recevoir la programmation de La Criée.",
        "first_purchase_at": "2026-11-20T18:04:11+00:00",
        "last_purchase_at": "2026-11-20T18:04:11+00:00",
        "created_at": "2026-11-20T18:04:11+00:00", "updated_at": "2026-11-20T18:04:11+00:00",
    }],
    "next_page": None,
    "as_of": "2026-11-20T18:30:00+00:00",
}
