"""Onboarding venues: the list with each venue's state, inviting one, suspending, reinstating."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.blueprints.agency.access import agency_page
from marketplace.blueprints.agency.blueprint import bp
from marketplace.blueprints.agency.forms import ActionForm, VenueInviteForm, show_error
from marketplace.blueprints.agency.operations import (
    invite_venue,
    resend_venue_invitation,
    set_venue_status,
    venues_overview,
)
from marketplace.domain.errors import DomainError
from marketplace.domain.timeutil import utcnow
from marketplace.extensions import db
from marketplace.web.geocoder import staff_geocoder
from marketplace.web.staff_emails import agency_emails
from marketplace.web.vocabulary import error_message


@bp.get("/venues")
@agency_page("onboard")
def venues():
    return render_template("agency/venues.html", venues=venues_overview(db.session),
                           action=ActionForm())


@bp.route("/venues/new", methods=["GET", "POST"])
@agency_page("onboard")
def new_venue():
    """Open a venue on Kiosque and invite its manager to the portal."""
    form = VenueInviteForm()
    status = 200
    if form.validate_on_submit():
        try:
            venue = invite_venue(
                db.session, actor=current_user, fields=form.data,
                manager_email=form.manager_email.data, manager_name=form.manager_name.data,
                geocoder=staff_geocoder(), secret=current_app.config["SECRET_KEY"],
                now=utcnow(), compose=agency_emails())
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_("%(venue)s is open on Kiosque; its manager has been e-mailed an "
                    "invitation.", venue=venue.name), "success")
            return redirect(url_for(".venues"))
    if form.is_submitted():
        status = 422
    return render_template("agency/venue_new.html", form=form), status


@bp.post("/venues/<int:venue_id>/suspend")
@agency_page("onboard")
def suspend_venue(venue_id: int):
    return _change_status(venue_id, "suspended",
                          _("%(venue)s is suspended: its offers are off the storefront and "
                            "its API tokens refused."))


@bp.post("/venues/<int:venue_id>/reinstate")
@agency_page("onboard")
def reinstate_venue(venue_id: int):
    return _change_status(venue_id, "active", _("%(venue)s is active again."))


@bp.post("/venues/<int:venue_id>/invitation")
@agency_page("onboard")
def resend_invitation(venue_id: int):
    if ActionForm().validate_on_submit():
        try:
            resend_venue_invitation(db.session, actor=current_user, venue_id=venue_id,
                                    secret=current_app.config["SECRET_KEY"], now=utcnow(),
                                    compose=agency_emails())
        except DomainError as error:
            if error.kind == "not_found":
                raise
            flash(error_message(error), "error")
        else:
            flash(_("The invitation was sent again."), "success")
    return redirect(url_for(".venues"))


def _change_status(venue_id: int, status: str, message: str):
    if ActionForm().validate_on_submit():
        venue = set_venue_status(db.session, actor=current_user, venue_id=venue_id,
                                 status=status, now=utcnow())
        flash(message % {"venue": venue.name}, "success")
    return redirect(url_for(".venues"))
