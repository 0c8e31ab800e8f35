"""Sales, live: per performance and per day, money after commission, and the CSV export."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Response, current_app, request
from flask_babel import gettext

from marketplace.domain.orders.sales import (
    daily_sales,
    order_lines,
    paris_days,
    performance_sales,
    sales_csv,
    sales_xlsx,
    total_of,
)
from marketplace.domain.timeutil import to_paris, utcnow
from marketplace.domain.workbook import XLSX_MIMETYPE
from marketplace.extensions import db
from marketplace.web.templating import render_page_or_fragment
from venues_portal.access import venue_page
from venues_portal.blueprint import bp
from venues_portal.exports import sales_wording

DAYS_SHOWN = 14
PERIOD_DAYS = 30
# The page asks for fresh figures this often (htmx polling).
REFRESH_SECONDS = 10
MAX_EXPORT_DAYS = 366


@bp.get("/venues/<venue_slug>/sales")
@venue_page("sales")
def sales(venue):
    """Upcoming (or past) performances and the last two weeks, refreshed every few seconds."""
    now = utcnow()
    past = request.args.get("period") == "past"
    percent = current_app.config["PLATFORM_COMMISSION_PERCENT"]
    start, end = (now - timedelta(days=PERIOD_DAYS), now) if past else (
        now - timedelta(hours=6), now + timedelta(days=PERIOD_DAYS))
    rows = performance_sales(db.session, venue, start=start, end=end, now=now,
                             commission_percent=percent)
    today = to_paris(now).date()
    days = daily_sales(db.session, venue, commission_percent=percent,
                       **_bounds(today - timedelta(days=DAYS_SHOWN - 1), today))
    return render_page_or_fragment(
        "portal/sales.html", "portal/_sales.html", venue=venue, now=now, past=past,
        performances=list(reversed(rows)) if past else rows, days=days,
        total=total_of(days, percent), percent=percent, refresh=REFRESH_SECONDS,
        export_from=today - timedelta(days=PERIOD_DAYS - 1), export_to=today)


@bp.get("/venues/<venue_slug>/sales.csv")
@venue_page("sales")
def sales_export(venue):
    """Orders paid between two Paris days (?from=&to=, ISO dates), for a spreadsheet."""
    first, last, orders = _export_orders(venue)
    body = sales_csv(orders, current_app.config["PLATFORM_COMMISSION_PERCENT"],
                     sales_wording())
    return _download(body, "text/csv", _file_name(venue, first, last, "csv"))


@bp.get("/venues/<venue_slug>/sales.xlsx")
@venue_page("sales")
def sales_export_xlsx(venue):
    """The same orders as an .xlsx workbook (typed cells: references as text, real dates)."""
    first, last, orders = _export_orders(venue)
    body = sales_xlsx(orders, current_app.config["PLATFORM_COMMISSION_PERCENT"],
                      sales_wording(), sheet=gettext("Sales"))
    return _download(body, XLSX_MIMETYPE, _file_name(venue, first, last, "xlsx"))


def _export_orders(venue):
    today = to_paris(utcnow()).date()
    last = _day(request.args.get("to")) or today
    first = _day(request.args.get("from")) or last - timedelta(days=PERIOD_DAYS - 1)
    first = max(min(first, last), last - timedelta(days=MAX_EXPORT_DAYS))
    return first, last, order_lines(db.session, venue, **_bounds(first, last))


def _file_name(venue, first: date, last: date, extension: str) -> str:
    return f"kiosque-ventes-{venue.slug}-{first.isoformat()}-{last.isoformat()}.{extension}"


def _download(body: bytes, mimetype: str, name: str) -> Response:
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


def _bounds(first: date, last: date) -> dict:
    start, end = paris_days(first, last)
    return {"start": start, "end": end}


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None
