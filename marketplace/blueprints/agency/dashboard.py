"""The dashboard (/agency/) and its CSV exports: uptake for a period, compared with the last.

One URL, one template source: the page includes `_dashboard.html`, and htmx requests
(the filters) get that fragment alone. The filters are a plain GET form, so the page
works, and every state has its own address, without JavaScript.
"""

from __future__ import annotations

from flask import Response, abort, render_template, request, url_for

from marketplace.blueprints.agency.access import agency_page
from marketplace.blueprints.agency.blueprint import bp
from marketplace.blueprints.agency.definitions import figure_definitions
from marketplace.blueprints.agency.forms import PRESET_DAYS, FilterForm
from marketplace.blueprints.agency.labels import grouping_labels
from marketplace.blueprints.agency.presenting import (
    TABLES,
    chart_data,
    export_table,
    group_label,
    headline_labels,
    hidden_note,
    sorted_rows,
    territory_lines,
    venue_names,
    venue_points,
)
from marketplace.domain.uptake.csvfile import csv_text
from marketplace.domain.uptake.dashboard import build_dashboard
from marketplace.domain.uptake.periods import paris_today
from marketplace.domain.uptake.queries import MIN_BUYERS, region_postcode_locator
from marketplace.domain.uptake.waitlist import WAITLIST_GROUPINGS, waitlist_demand
from marketplace.extensions import db, htmx


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
               "definitions": figure_definitions(), "group_label": group_label,
               "min_buyers": MIN_BUYERS, "zip": zip}
    status = 200
    if form.period is None:
        status = 422
    else:
        names = venue_names(db.session)
        figures = build_dashboard(db.session, form.period, form.group_by.data,
                                  region_postcode_locator(db.session))
        rows = sorted_rows(figures.rows, form.sort.data, form.order.data == "desc",
                           form.group_by.data, names)
        waitlist_by = form.group_by.data if form.group_by.data in WAITLIST_GROUPINGS \
            else "venue"
        context.update(waitlist=waitlist_demand(db.session, form.period.start,
                                                form.period.end, waitlist_by),
                       waitlist_by=waitlist_by)
        context.update(dashboard=figures, names=names, charts=chart_data(figures, names),
                       rows=rows, sort_header=_sort_header(form),
                       venue_points=venue_points(db.session, figures.venues),
                       areas=territory_lines(figures.territories, figures.totals.buyers),
                       export_args={"from": form.period.start.isoformat(),
                                    "to": form.period.end.isoformat(),
                                    "group_by": form.group_by.data})
    if htmx and not htmx.boosted and not htmx.history_restore_request:
        # htmx swaps only successful answers: a refused filter is shown in the fragment.
        return render_template("agency/_dashboard.html", **context), 200
    return render_template("agency/dashboard.html", **context), status


def _sort_header(form: FilterForm):
    """For a column: the link that sorts by it (descending first, then flips) and its
    aria-sort value ("none" unless it is the column sorted)."""
    current, order = form.sort.data, form.order.data

    def header(key: str) -> tuple[str, str]:
        if key == current:
            following, state = ("asc" if order == "desc" else "desc"), (
                "descending" if order == "desc" else "ascending")
        else:
            following, state = ("asc" if key == "group" else "desc"), "none"
        href = url_for("agency.dashboard", **{
            "from": form.period.start.isoformat(), "to": form.period.end.isoformat(),
            "group_by": form.group_by.data, "sort": key, "order": following})
        return href, state

    return header


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
    header, rows = export_table(db.session, table, period, group_by,
                                region_postcode_locator(db.session))
    suffix = f"-{group_by}" if table == "uptake" else ""
    name = f"kiosque-{table}{suffix}-{period.start}-{period.end}.csv"
    return Response(csv_text(header, rows), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{name}"'})
