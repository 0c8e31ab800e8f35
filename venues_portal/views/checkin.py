"""The door, on a phone: scan (or type) a ticket code, get a big coloured answer, and see
tonight's performance, how many are in, the last scans and the list of names."""

from __future__ import annotations

from datetime import datetime

from flask import render_template, request, session
from flask_login import current_user

from marketplace.domain.orders.checkins import CheckinAnswer, check_in
from marketplace.domain.orders.door import (
    DoorPerformance,
    buyer_names,
    door_count,
    door_performances,
    door_tickets,
    next_performance,
    venue_performance,
)
from marketplace.domain.timeutil import utcnow
from marketplace.extensions import db
from marketplace.web.templating import wants_fragment
from venues_portal.access import venue_page
from venues_portal.blueprint import bp
from venues_portal.forms.checkin import CheckinForm

RECENT_SCANS = 5
SEARCH_MAX_LENGTH = 100


@bp.get("/venues/<venue_slug>/checkin")
@venue_page("checkin")
def checkin(venue):
    now = utcnow()
    performance = _chosen_performance(venue, request.args.get("performance"), now)
    return render_template("portal/checkin.html", **_door(venue, performance, now),
                           form=CheckinForm(), answer=None)


@bp.post("/venues/<venue_slug>/checkin")
@venue_page("checkin")
def scan(venue):
    """One scan: for htmx the answer, with the counter, the last scans and the list out of
    band (the scanner keeps running); without JavaScript the whole page."""
    now = utcnow()
    form = CheckinForm()
    answer = None
    if form.validate_on_submit():
        answer = check_in(db.session, venue, form.code.data, staff=current_user, now=now)
        _remember(venue, answer, now)
    performance = _chosen_performance(
        venue, request.form.get("performance") or (answer and answer.performance_id), now)
    context = _door(venue, performance, now) | {
        "form": CheckinForm(formdata=None), "answer": answer, "scanned": form.code.data}
    template = "portal/_checkin_scan.html" if wants_fragment() else "portal/checkin.html"
    # Every answer is a page that worked (200, so that htmx swaps it in); the venue API
    # gives each its own status. The outcome is also in a header, for scripts and tests.
    return render_template(template, **context), 200, {
        "Cache-Control": "no-store",
        "X-Checkin-Outcome": answer.outcome if answer else "invalid"}


def _chosen_performance(venue, asked: object, now) -> DoorPerformance | None:
    """The performance asked for (one of the venue's), else the one on now or next."""
    if isinstance(asked, str) and asked.isdigit() and len(asked) < 12:
        asked = int(asked)
    chosen = venue_performance(db.session, venue, asked) if asked else None
    return chosen or next_performance(db.session, venue, now)


def _door(venue, performance: DoorPerformance | None, now) -> dict:
    search = request.values.get("q", "").strip()[:SEARCH_MAX_LENGTH]
    return {
        "venue": venue, "performance": performance,
        "tonight": door_performances(db.session, venue, now),
        "count": door_count(db.session, performance.id) if performance else None,
        "tickets": door_tickets(db.session, performance.id, search) if performance else [],
        "search": search, "recent": _recent(venue),
    }


def _remember(venue, answer: CheckinAnswer, now) -> None:
    """This phone's last scans, kept in its session: codes and ticket ids, never names
    (those are read again from the venue's own orders on each page)."""
    scans = [s for s in session.get("door_scans", []) if s.get("venue") == venue.id]
    scans.insert(0, {"venue": venue.id, "outcome": answer.outcome, "at": now.isoformat(),
                     "code": answer.short_code or answer.code, "ticket": answer.ticket_id})
    session["door_scans"] = scans[:RECENT_SCANS]


def _recent(venue) -> list[dict]:
    scans = [s for s in session.get("door_scans", []) if s.get("venue") == venue.id]
    names = buyer_names(db.session, venue, [s["ticket"] for s in scans if s.get("ticket")])
    return [{"outcome": s["outcome"], "at": datetime.fromisoformat(s["at"]),
             "code": s["code"], "name": names.get(s.get("ticket"), "")} for s in scans]
