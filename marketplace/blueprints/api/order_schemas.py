"""Schemas of checkout, payments and orders: they parse input and document the API."""

from __future__ import annotations

import datetime as dt

import marshmallow as ma
from marshmallow import validate

from marketplace.domain.orders.checkout import _OLDEST_BUYER_AGE as OLDEST_BUYER_AGE
from marketplace.domain.validation import CONTROL_CHARACTERS, ONE_LINE_REQUIRED_PATTERN, WHITESPACE
from marketplace.web.one_line import one_line

# The same rules as marketplace.domain.orders.checkout.read_buyer, so that the document says them;
# the service still checks (the HTML checkout form does not pass through this schema).
# Python's \s (what the service strips and refuses) is wider than a JSON Schema reader's:
# spelled out, the document and the service mean the same whitespace.
_WS = WHITESPACE
# No control character inside: one-line fields refuse them (marketplace.domain.validation).
EMAIL_PATTERN = (rf"^[{_WS}]*[^@{_WS}{CONTROL_CHARACTERS}]{{1,64}}@[^@{_WS}{CONTROL_CHARACTERS}]+"
                 rf"\.[^@{_WS}.{CONTROL_CHARACTERS}]{{2,}}[{_WS}]*$")
POSTCODE_PATTERN = rf"^[{_WS}]*[A-Za-z0-9][A-Za-z0-9 -]{{1,8}}[A-Za-z0-9][{_WS}]*$"
NOT_BLANK = ONE_LINE_REQUIRED_PATTERN
# URL-safe tokens (itsdangerous and secrets.token_urlsafe): nothing else can match one.
TOKEN_PATTERN = r"^[A-Za-z0-9_.\-]+$"
_THIS_YEAR = dt.date.today().year


class StrictBoolean(ma.fields.Boolean):
    """JSON true or false only: 0, 1 or "yes" are refused (422), as the document says."""

    def _deserialize(self, value, attr, data, **kwargs) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


class CheckoutRequestSchema(ma.Schema):
    email = ma.fields.String(
        required=True,
        validate=[validate.Length(max=254), validate.Regexp(EMAIL_PATTERN, error=(
            "This e-mail address does not look right (name@example.org).")), one_line],
        metadata={"description": "Where the tickets are sent"})
    name = ma.fields.String(required=True,
                            validate=[validate.Length(max=200), validate.Regexp(NOT_BLANK),
                                      one_line])
    postcode = ma.fields.String(
        required=True,
        validate=[validate.Length(max=10), validate.Regexp(
            POSTCODE_PATTERN, error="The postcode should look like 13001."), one_line],
        metadata={"description": "e.g. 13001"})
    birth_year = ma.fields.Integer(
        strict=True, allow_none=True, load_default=None,
        validate=validate.Range(_THIS_YEAR - OLDEST_BUYER_AGE, _THIS_YEAR))
    marketing_consent = StrictBoolean(load_default=False, metadata={
        "description": "Opt-in to the selling venue's news; false unless the buyer ticked it"})


class PaymentStartSchema(ma.Schema):
    provider = ma.fields.String(required=True, metadata={"description": "demo or stripe"})
    redirect_url = ma.fields.String(required=True, metadata={
        "description": "Send the buyer here to pay"})


class CheckoutSchema(ma.Schema):
    order_id = ma.fields.String(required=True)
    status = ma.fields.String(required=True, metadata={"description": "pending"})
    total_cents = ma.fields.Integer(required=True, metadata={
        "description": "Exactly quantity × the unit price locked by the hold"})
    payment = ma.fields.Nested(PaymentStartSchema, required=True)
    order_token = ma.fields.String(required=True, metadata={
        "description": "Shown once: opens GET /orders/{order_id}; keep it secret"})


class OrderQuerySchema(ma.Schema):
    token = ma.fields.String(required=True, validate=[
        validate.Length(min=1, max=200),
        validate.Regexp(TOKEN_PATTERN, error="This token is not valid.")])


class DemoPaymentQuerySchema(ma.Schema):
    # Not required here: a missing token is answered like a wrong one (404), as DESIGN.md says.
    token = ma.fields.String(load_default=None, metadata={
        "description": "The order token from checkout (or the signed key of the order's link)"})


class TicketSchema(ma.Schema):
    code = ma.fields.String(required=True, metadata={"description": "What the QR code says"})
    short_code = ma.fields.String(required=True, metadata={
        "description": "What a person types at the door when the QR code will not scan: "
                       "Crockford base32 with a check character, shown as `K7QM-3XPF-0`; "
                       "accepted by `POST /venue/checkins` in any case, hyphens optional"})
    qr_url = ma.fields.String(required=True, metadata={"description": "The QR code as SVG"})
    checked_in = ma.fields.Boolean(required=True)


class OrderPerformanceSchema(ma.Schema):
    title = ma.fields.String(required=True)
    starts_at = ma.fields.AwareDateTime(required=True)
    status = ma.fields.String(required=True, metadata={"description": "scheduled or cancelled"})
    venue = ma.fields.String(required=True)
    address = ma.fields.String(required=True)


class OrderSchema(ma.Schema):
    order_id = ma.fields.String(required=True)
    status = ma.fields.String(required=True, metadata={
        "description": "pending, paid, cancelled or refunded"})
    quantity = ma.fields.Integer(required=True)
    unit_price_cents = ma.fields.Integer(required=True)
    total_cents = ma.fields.Integer(required=True)
    face_price_cents = ma.fields.Integer(required=True)
    discount_percent = ma.fields.Integer(required=True)
    category = ma.fields.String(required=True)
    performance = ma.fields.Nested(OrderPerformanceSchema, required=True)
    paid_at = ma.fields.AwareDateTime(allow_none=True)
    refunded_at = ma.fields.AwareDateTime(allow_none=True)
    refund_reason = ma.fields.String(allow_none=True, metadata={
        "description": "performance_cancelled, refunded_by_venue, seats_gone or amount_mismatch"})
    tickets = ma.fields.List(ma.fields.Nested(TicketSchema), required=True, metadata={
        "description": "One per seat, once the order is paid"})
    calendar_url = ma.fields.String(required=True)
    order_url = ma.fields.String(required=True, metadata={
        "description": "The buyer's page with the tickets"})


class PaymentOutcomeSchema(ma.Schema):
    order_id = ma.fields.String(required=True)
    status = ma.fields.String(required=True)


class WebhookReceivedSchema(ma.Schema):
    received = ma.fields.Boolean(required=True)
