"""Transit timetables (GTFS feeds): staff see which are imported; admins upload and delete.

The upload calls the same import as `flask transit import`: a broken feed is refused whole
with the file and line, and nothing changes. Uploads may be far bigger than any other form
of the site, so this one endpoint gets its own size limit, raised before anything reads the
body (the CSRF check included).
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from marketplace.blueprints.agency.access import agency_page
from marketplace.blueprints.agency.blueprint import bp
from marketplace.blueprints.agency.forms import ActionForm, FeedForm
from marketplace.domain.errors import NotFound
from marketplace.domain.timeutil import utcnow
from marketplace.domain.transit.feeds import delete_feed, list_feeds
from marketplace.domain.transit.gtfs import FeedError
from marketplace.domain.transit.importer import import_feed
from marketplace.extensions import db

# A region-wide feed zips to a few tens of megabytes; this leaves room and stops a flood.
FEED_UPLOAD_LIMIT = 200 * 1024 * 1024
UPLOAD_ENDPOINT = "agency.upload_timetable"


def raise_upload_limit() -> None:
    """Before any other before-request (CSRF reads the body): the feed upload's own limit."""
    if request.endpoint == UPLOAD_ENDPOINT:
        request.max_content_length = FEED_UPLOAD_LIMIT


@bp.record_once
def _first_of_all(state) -> None:
    state.app.before_request_funcs.setdefault(None, []).insert(0, raise_upload_limit)


def _page(form: FeedForm, status: int = 200):
    return render_template("agency/timetables.html", feeds=list_feeds(db.session), form=form,
                           action=ActionForm(),
                           limit_mb=FEED_UPLOAD_LIMIT // (1024 * 1024)), status


@bp.get("/timetables")
@agency_page("view")
def timetables():
    return _page(FeedForm())


@bp.post("/timetables")
@agency_page("timetables")
def upload_timetable():
    form = FeedForm()
    if form.validate_on_submit():
        try:
            summary = import_feed(db.session, form.feed.data.stream, form.name.data,
                                  utcnow())
        except FeedError as error:
            form.feed.errors = [*form.feed.errors,
                                _("Timetable refused, nothing imported: %(reason)s",
                                  reason=str(error))]
        else:
            flash(_("Timetable « %(name)s » imported: %(counts)s.", name=summary.name,
                    counts=", ".join((
                        ngettext("%(num)d stop", "%(num)d stops", summary.stops),
                        ngettext("%(num)d line", "%(num)d lines", summary.routes),
                        ngettext("%(num)d trip", "%(num)d trips", summary.trips)))),
                  "success")
            return redirect(url_for(".timetables"))
    return _page(form, 422)


@bp.post("/timetables/<int:feed_id>/delete")
@agency_page("timetables")
def delete_timetable(feed_id: int):
    if ActionForm().validate_on_submit():
        try:
            name = delete_feed(db.session, feed_id)
        except NotFound:
            flash(_("This timetable was already deleted."), "error")
        else:
            flash(_("Timetable « %(name)s » deleted.", name=name), "success")
    return redirect(url_for(".timetables"))
