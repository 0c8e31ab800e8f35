"""The dashboard (/agency/) and its CSV exports: uptake for a period, compared with the last.

One URL, one template source: the page includes `_dashboard.html`, and htmx requests
(the filters) get that fragment alone. The filters are a plain GET form, so the page
works, and every state has its own address, without JavaScript.
"""

from __future__ import annotations

from flask import Response, abort, render_template, request
from flask_babel import format_decimal, format_percent, gettext

from marketplace.agency.access import agency_page
from marketplace.agency.blueprint import bp
from marketplace.agency.forms import PRESET_DAYS, FilterForm
from marketplace.agency.labels import grouping_labels
from marketplace.agency.presenting import (
    TABLES,
    chart_data,
    group_label,
    headline_labels,
    headline_table,
    hidden_note,
    territories_table,
    territory_lines,
    timeline_table,
    timing_table,
    uptake_table,
    venue_names,
)
from marketplace.extensions import db, htmx
from marketplace.uptake.csvfile import csv_text
from marketplace.uptake.dashboard import HeadlineFigure, build_dashboard, headline
from marketplace.uptake.periods import paris_today
from marketplace.uptake.queries import (
    MIN_BUYERS,
    region_postcode_locator,
    region_totals,
    uptake,
)
from marketplace.uptake.territories import buyer_territories
from marketplace.uptake.timeline import daily_sales
from marketplace.uptake.timing import purchase_timing


def _filters() -> FilterForm:
    form = FilterForm(request.args, today=paris_today())
    form.validate()
    return form


@bp.get("/")
@agency_page("view")
def dashboard():
    """Headline figures, charts and tables for the chosen period and grouping."""
    form = _filters()
    context = {"form": form, "presets": PRESET_DAYS, "groupings": grouping_labels(),
               "labels": headline_labels(), "hidden_note": hidden_note(), "dashboard": None,
               "group_label": group_label, "min_buyers": MIN_BUYERS, "zip": zip}
    status = 200
    if form.period is None:
        status = 422
    else:
        names = venue_names(db.session)
        figures = build_dashboard(db.session, form.period, form.group_by.data,
                                  region_postcode_locator(db.session))
        context.update(dashboard=figures, names=names, charts=chart_data(figures, names),
                       areas=territory_lines(figures.territories, figures.totals.buyers),
                       export_args={"from": form.period.start.isoformat(),
                                    "to": form.period.end.isoformat(),
                                    "group_by": form.group_by.data})
    if htmx and not htmx.boosted and not htmx.history_restore_request:
        # htmx swaps only successful answers: a refused filter is shown in the fragment.
        return render_template("agency/_dashboard.html", **context), 200
    return render_template("agency/dashboard.html", **context), status


@bp.get("/export/<table>.csv")
@agency_page("view")
def export(table: str):
    """One table of the dashboard as CSV (UTF-8 with BOM, `;`), for the period asked."""
    if table not in TABLES:
        abort(404)
    form = _filters()
    if form.period is None:
        abort(422, description=" ".join(form.error_messages))
    period, group_by = form.period, form.group_by.data
    start, end = period.start, period.end
    locate = region_postcode_locator(db.session)
    if table == "headline":
        previous = period.previous()
        header, rows = headline_table(headline(
            region_totals(db.session, start, end, locate),
            region_totals(db.session, previous.start, previous.end, locate)))
    elif table == "uptake":
        header, rows = uptake_table(uptake(db.session, start, end, group_by, locate), group_by,
                                    venue_names(db.session))
    elif table == "timeline":
        header, rows = timeline_table(daily_sales(db.session, start, end))
    elif table == "timing":
        header, rows = timing_table(purchase_timing(db.session, start, end))
    else:
        header, rows = territories_table(buyer_territories(db.session, start, end),
                                         region_totals(db.session, start, end, locate).buyers)
    suffix = f"-{group_by}" if table == "uptake" else ""
    name = f"kiosque-{table}{suffix}-{start}-{end}.csv"
    return Response(csv_text(header, rows), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{name}"'})


@bp.app_template_global()
def agency_change(figure: HeadlineFigure) -> str:
    """The change of a headline figure, signed, in its unit ("+12 %", "−3.5 pts", "+2.1 km")."""
    change = figure.change
    if change is None:
        return ""
    sign = "+" if change > 0 else ("−" if change < 0 else "±")
    if figure.unit in ("count", "cents"):
        return sign + format_percent(abs(change))
    amount = format_decimal(abs(change), "#,##0.0")
    if figure.unit == "km":
        return sign + gettext("%(km)s km", km=amount)
    return sign + gettext("%(points)s pts", points=amount)
