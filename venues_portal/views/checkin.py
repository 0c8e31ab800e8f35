"""The door, on a phone: scan (or type) a ticket code, get a big coloured answer."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user

from marketplace.domain.orders.checkins import check_in
from marketplace.domain.timeutil import utcnow
from marketplace.extensions import db
from marketplace.web.templating import render_page_or_fragment
from venues_portal.access import venue_page
from venues_portal.blueprint import bp
from venues_portal.forms.checkin import CheckinForm


@bp.get("/venues/<venue_slug>/checkin")
@venue_page("checkin")
def checkin(venue):
    return render_template("portal/checkin.html", venue=venue, form=CheckinForm(),
                           answer=None)


@bp.post("/venues/<venue_slug>/checkin")
@venue_page("checkin")
def scan(venue):
    """One scan: the answer alone for htmx (the scanner keeps running), else the whole page."""
    form = CheckinForm()
    answer = None
    if form.validate_on_submit():
        answer = check_in(db.session, venue, form.code.data, staff=current_user, now=utcnow())
    # Every answer is a page that worked (200, so that htmx swaps it in); the venue API
    # gives each its own status. The outcome is also in a header, for scripts and tests.
    body = render_page_or_fragment("portal/checkin.html", "portal/_checkin_answer.html",
                                   venue=venue, form=CheckinForm(formdata=None), answer=answer,
                                   scanned=form.code.data)
    return body, 200, {"Cache-Control": "no-store", "X-Checkin-Outcome":
                          answer.outcome if answer else "invalid"}
