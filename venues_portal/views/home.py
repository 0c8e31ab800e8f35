"""The portal's front door: which venue, then that venue's week at a glance."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, redirect, render_template, url_for
from flask_login import current_user

from marketplace.blueprints.staff_accounts.access import staff_page
from marketplace.domain.accounts.models import Membership
from marketplace.domain.orders.sales import performance_sales
from marketplace.domain.timeutil import utcnow
from marketplace.extensions import db
from venues_portal.access import venue_page
from venues_portal.blueprint import bp

DASHBOARD_DAYS = 7


@bp.get("/")
@staff_page
def home():
    """Straight to one's venue (the box office to its door: tonight's check-in); a choice
    when one works for several (or none)."""
    memberships = sorted(current_user.memberships, key=lambda m: m.venue.name)
    if not memberships and current_user.agency_role:  # the agency's staff work on /agency/
        return redirect(url_for("agency.dashboard"))
    if len(memberships) == 1:
        return redirect(venue_home(memberships[0]))
    return render_template("portal/choose_venue.html", memberships=memberships,
                           venue_home=venue_home)


def venue_home(membership: Membership) -> str:
    """Where a person lands at a venue: the box office at the door of the performance on now
    or next (the check-in page picks it), everyone else on the week's sales."""
    if membership.role == "box_office":
        return url_for(".checkin", venue_slug=membership.venue.slug)
    return url_for(".dashboard", venue_slug=membership.venue.slug)


@bp.get("/venues/<venue_slug>/")
@venue_page("sales")
def dashboard(venue):
    """The next days: each performance, what is on sale, sold and left."""
    now = utcnow()
    rows = performance_sales(db.session, venue, start=now - timedelta(hours=6),
                             end=now + timedelta(days=DASHBOARD_DAYS), now=now,
                             commission_percent=current_app.config[
                                 "PLATFORM_COMMISSION_PERCENT"])
    return render_template("portal/dashboard.html", venue=venue, rows=rows, now=now,
                           days=DASHBOARD_DAYS)
