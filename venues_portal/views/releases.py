"""Releases: the form with its live price clock, publishing, quantity, withdrawal, duplicates."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from marketplace.domain.errors import Conflict, DomainError, ValidationFailed
from marketplace.domain.inventory.services import (
    change_quantity,
    count_seats,
    create_release,
    venue_release,
    withdraw_release,
)
from marketplace.domain.timeutil import utcnow
from marketplace.extensions import db
from venues_portal.access import venue_page
from venues_portal.blueprint import bp
from venues_portal.forms import ActionForm, show_error
from venues_portal.forms.releases import SERVICE_FIELDS, QuantityForm, ReleaseForm
from venues_portal.operations.programme import programme, venue_performance
from venues_portal.operations.releases import (
    duplicate_terms,
    new_release_terms,
    preview_release,
    recent_releases,
    stored_release_preview,
)


def _release_form_page(venue, performance, form: ReleaseForm, now, status: int = 200):
    preview, problems = _preview(performance, form, now) if form.is_submitted() else (
        _preview_of_defaults(performance, form, now))
    return render_template(
        "portal/release_new.html", venue=venue, performance=performance, form=form,
        preview=preview, problems=problems, now=now,
        sources=recent_releases(db.session, venue)), status


@bp.route("/venues/<venue_slug>/performances/<int:performance_id>/releases/new",
          methods=["GET", "POST"])
@venue_page("manage")
def new_release(venue, performance_id: int):
    """The release form; ?from=<release id> starts from the terms of an earlier release."""
    performance = venue_performance(db.session, venue, performance_id)
    now = utcnow()
    if request.method == "GET":
        source = request.args.get("from", type=int)
        terms = (duplicate_terms(venue_release(db.session, venue, source), performance, now)
                 if source else new_release_terms(performance, now))
        return _release_form_page(venue, performance, ReleaseForm.from_terms(terms), now)
    form = ReleaseForm()
    if form.validate_on_submit():
        try:
            release = create_release(db.session, venue, form.terms(performance.id), now)
        except ValidationFailed as error:
            show_error(form, error, SERVICE_FIELDS)
        else:
            flash(ngettext("Published: %(num)d seat is on sale on Kiosque.",
                           "Published: %(num)d seats are on sale on Kiosque.",
                           release.quantity), "success")
            return redirect(url_for(".release", venue_slug=venue.slug, release_id=release.id))
    return _release_form_page(venue, performance, form, now, 422)


@bp.post("/venues/<venue_slug>/performances/<int:performance_id>/releases/preview")
@venue_page("manage")
def preview(venue, performance_id: int):
    """The price clock of the terms being typed (htmx), with each field's message."""
    performance = venue_performance(db.session, venue, performance_id)
    now = utcnow()
    form = ReleaseForm()
    preview_, problems = _preview(performance, form, now)
    return render_template("portal/_release_preview.html", venue=venue,
                           performance=performance, form=form, preview=preview_,
                           problems=problems, now=now, out_of_band=True)


@bp.get("/venues/<venue_slug>/releases/<int:release_id>")
@venue_page("manage")
def release(venue, release_id: int):
    release_ = venue_release(db.session, venue, release_id)
    return _release_page(venue, release_, QuantityForm(quantity=release_.quantity))


@bp.post("/venues/<venue_slug>/releases/<int:release_id>/quantity")
@venue_page("manage")
def release_quantity(venue, release_id: int):
    """Change how many seats are on sale (never below those sold and held)."""
    release_ = venue_release(db.session, venue, release_id)
    form = QuantityForm()
    if form.validate_on_submit():
        now = utcnow()
        try:
            change_quantity(db.session, venue, release_.id, form.quantity.data, now)
        except Conflict:
            counts = count_seats(db.session, release_.id, now)
            form.quantity.errors = [_(
                "%(sold)d sold and %(held)d being bought right now: at least %(least)d.",
                sold=counts.sold, held=counts.held, least=counts.sold + counts.held)]
        except ValidationFailed as error:
            show_error(form, error)
        else:
            flash(ngettext("There is now %(num)d seat in this release.",
                           "There are now %(num)d seats in this release.",
                           form.quantity.data), "success")
            return redirect(url_for(".release", venue_slug=venue.slug, release_id=release_.id))
    return _release_page(venue, release_, form, 422)


@bp.post("/venues/<venue_slug>/releases/<int:release_id>/withdraw")
@venue_page("manage")
def withdraw(venue, release_id: int):
    """Stop selling what is left (seats already sold stay sold)."""
    if ActionForm().validate_on_submit():
        withdraw_release(db.session, venue, release_id, utcnow())
        flash(_("Withdrawn: nothing more is sold from this release."), "success")
    return redirect(url_for(".release", venue_slug=venue.slug, release_id=release_id))


@bp.get("/venues/<venue_slug>/releases/<int:release_id>/duplicate")
@venue_page("manage")
def duplicate(venue, release_id: int):
    """Choose the performance that gets the same terms."""
    source = venue_release(db.session, venue, release_id)
    now = utcnow()
    choices = [p for p in programme(db.session, venue, start=now) if p.status == "scheduled"]
    return render_template("portal/release_duplicate.html", venue=venue, source=source,
                           performances=choices, now=now)


def _release_page(venue, release_, quantity_form: QuantityForm, status: int = 200):
    now = utcnow()
    preview_ = stored_release_preview(release_, now)
    return render_template(
        "portal/release.html", venue=venue, release=release_, performance=release_.performance,
        counts=count_seats(db.session, release_.id, now), preview=preview_, now=now,
        quantity_form=quantity_form, action=ActionForm()), status


def _preview(performance, form: ReleaseForm, now):
    """(preview or None, problems): field errors from the form, then from the service rules."""
    form.form_errors = []
    if not form.validate():
        return None, []
    try:
        return preview_release(performance, form.terms(performance.id), now), []
    except DomainError as error:
        show_error(form, error, SERVICE_FIELDS)
        return None, list(form.form_errors)


def _preview_of_defaults(performance, form: ReleaseForm, now):
    """The first preview, of prefilled terms (none while the price is still empty)."""
    if form.face_price.data is None or form.quantity.data is None:
        return None, []
    try:
        return preview_release(performance, form.terms(performance.id), now), []
    except DomainError:
        return None, []
