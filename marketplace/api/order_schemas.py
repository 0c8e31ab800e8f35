"""Schemas of checkout, payments and orders: they parse input and document the API."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate


class CheckoutRequestSchema(ma.Schema):
    email = ma.fields.String(required=True, validate=validate.Length(max=254), metadata={
        "description": "Where the tickets are sent"})
    name = ma.fields.String(required=True, validate=validate.Length(max=200))
    postcode = ma.fields.String(required=True, validate=validate.Length(max=10))
    birth_year = ma.fields.Integer(strict=True, allow_none=True, load_default=None)
    marketing_consent = ma.fields.Boolean(load_default=False, metadata={
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
    token = ma.fields.String(required=True, validate=validate.Length(min=1, max=200))


class TicketSchema(ma.Schema):
    code = ma.fields.String(required=True, metadata={"description": "What the QR code says"})
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
