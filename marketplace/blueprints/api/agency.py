"""The agency's API: uptake across the region, aggregates only."""

from __future__ import annotations

from datetime import date, timedelta

import marshmallow as ma
from flask import Response
from flask_smorest import Blueprint

from marketplace.domain.timeutil import to_paris, utcnow
from marketplace.domain.uptake.csvfile import csv_text
from marketplace.domain.uptake.grouping import GROUPINGS
from marketplace.domain.uptake.periods import MAX_PERIOD_DAYS
from marketplace.domain.uptake.queries import region_postcode_locator, uptake
from marketplace.domain.uptake.waitlist import WAITLIST_GROUPINGS, waitlist_demand
from marketplace.extensions import db
from marketplace.web.auth import agency_token_required

blp = Blueprint("agency_api", __name__, description="Uptake across the region (agency token)")


# Days Kiosque could have data for; beyond, date arithmetic itself would overflow.
DAYS_ON_RECORD = ma.validate.Range(date(2000, 1, 1), date(2100, 12, 31))


class UptakeQuerySchema(ma.Schema):
    start = ma.fields.Date(data_key="from", validate=DAYS_ON_RECORD, metadata={
        "description": "First day of the performances counted (their date in Paris), "
                       "inclusive (default: 30 days before `to`), 2000-01-01 to 2100-12-31"})
    end = ma.fields.Date(data_key="to", validate=DAYS_ON_RECORD, metadata={
        "description": "Last day of the performances counted (their date in Paris), "
                       "inclusive (default: today), 2000-01-01 to 2100-12-31"})
    group_by = ma.fields.String(load_default="venue", validate=ma.validate.OneOf(GROUPINGS))
    format = ma.fields.String(load_default="json", validate=ma.validate.OneOf(("json", "csv")))

    @ma.post_load
    def default_period(self, data: dict, **_kwargs) -> dict:
        data.setdefault("end", to_paris(utcnow()).date())
        data.setdefault("start", data["end"] - timedelta(days=30))
        if data["start"] > data["end"]:
            raise ma.ValidationError("`from` must not be after `to`.", field_name="from")
        if (data["end"] - data["start"]).days > MAX_PERIOD_DAYS:
            raise ma.ValidationError("The period is at most two years.", field_name="from")
        return data


class UptakeRowSchema(ma.Schema):
    group = ma.fields.String(metadata={
        "description": "venue slug, discipline, ISO week (2026-W47) or postcode area (13)"})
    released = ma.fields.Integer(metadata={
        "description": "seats put on sale for the period's performances, whenever opened"})
    sold = ma.fields.Integer(metadata={
        "description": "seats of those performances in paid orders, whenever paid"})
    sell_through = ma.fields.Float(allow_none=True, metadata={
        "description": "sold / released (same performances: at most 1)"})
    revenue_cents = ma.fields.Integer()
    face_value_cents = ma.fields.Integer()
    avg_discount_percent = ma.fields.Float(allow_none=True)
    orders = ma.fields.Integer()
    buyers = ma.fields.Integer()
    new_to_venue_share = ma.fields.Float(allow_none=True, metadata={
        "description": "share of the paid orders that were their buyer's first at the venue; "
                       "null when the group has fewer than 10 buyers"})
    under_30_share = ma.fields.Float(allow_none=True, metadata={
        "description": "share, of the paid orders whose buyer gave a birth year, by a buyer "
                       "under 30; null under 10 buyers"})
    median_buyer_distance_km = ma.fields.Float(allow_none=True, metadata={
        "description": "null when the group has fewer than 10 buyers"})


class UptakeSchema(ma.Schema):
    start = ma.fields.Date(data_key="from")
    end = ma.fields.Date(data_key="to")
    group_by = ma.fields.String()
    rows = ma.fields.List(ma.fields.Nested(UptakeRowSchema))


@blp.get("/uptake")
@agency_token_required  # outside the arguments: who asks is checked before what they ask
@blp.arguments(UptakeQuerySchema, location="query")
@blp.response(200, UptakeSchema)
@blp.alt_response(200, success=True, content_type="text/csv", schema={
    "type": "string", "description": "format=csv: one row per group, `;`-separated"})
@blp.doc(security=[{"bearerAuth": []}])
def get_uptake(query: dict):
    """Released and sold seats, revenue, discounts and audiences, by group.

    `from`/`to` select performances by their date in Europe/Paris; every figure of a row
    is about those performances (sold never exceeds released). Definitions: README,
    « Agency figures »."""
    rows = [row.as_dict() for row in uptake(
        db.session, query["start"], query["end"], query["group_by"],
        region_postcode_locator(db.session))]
    if query["format"] == "csv":
        return _csv(rows, query)
    return {**query, "rows": rows}


class WaitlistQuerySchema(UptakeQuerySchema):
    group_by = ma.fields.String(load_default="venue",
                                validate=ma.validate.OneOf(WAITLIST_GROUPINGS))
    format = ma.fields.String(load_default="json", validate=ma.validate.OneOf(("json",)))


class WaitlistRowSchema(ma.Schema):
    group = ma.fields.String(metadata={"description": "venue slug or discipline",
                                       "example": "la-criee"})
    entries = ma.fields.Integer(metadata={"description": "people who joined a line",
                                          "example": 12})
    waiting = ma.fields.Integer(metadata={"description": "still in line", "example": 3})
    served = ma.fields.Integer(metadata={"description": "offered seats when some came back",
                                         "example": 7})
    claimed = ma.fields.Integer(metadata={"description": "bought the seats offered",
                                          "example": 5})
    claim_rate = ma.fields.Float(allow_none=True, metadata={
        "description": "claimed / served; null when none was served", "example": 0.714})


class WaitlistDemandSchema(ma.Schema):
    start = ma.fields.Date(data_key="from")
    end = ma.fields.Date(data_key="to")
    group_by = ma.fields.String()
    rows = ma.fields.List(ma.fields.Nested(WaitlistRowSchema))


@blp.get("/waitlist")
@agency_token_required
@blp.arguments(WaitlistQuerySchema, location="query")
@blp.response(200, WaitlistDemandSchema)
@blp.doc(security=[{"bearerAuth": []}])
def get_waitlist_demand(query: dict):
    """Waiting-list demand for the performances of the period, by venue or discipline:
    entries, still waiting, served (offered seats), claimed (bought them). Counts only."""
    rows = [row.as_dict() for row in waitlist_demand(
        db.session, query["start"], query["end"], query["group_by"])]
    return {"start": query["start"], "end": query["end"], "group_by": query["group_by"],
            "rows": rows}


def _csv(rows: list[dict], query: dict) -> Response:
    columns = list(UptakeRowSchema().fields)
    body = csv_text(columns, ([_plain(row[c]) for c in columns] for row in rows))
    name = f"kiosque-uptake-{query['group_by']}-{query['start']}-{query['end']}.csv"
    return Response(body, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _plain(value: object) -> object:
    return "" if value is None else value
