"""The agency's own team (admins only); invited colleagues start in blueprints.staff_accounts."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.blueprints.agency.access import agency_page
from marketplace.blueprints.agency.blueprint import bp
from marketplace.blueprints.agency.forms import ActionForm, ColleagueForm, show_error
from marketplace.blueprints.agency.operations import agency_team, invite_colleague, remove_colleague
from marketplace.domain.errors import DomainError
from marketplace.domain.timeutil import utcnow
from marketplace.extensions import db
from marketplace.web.staff_emails import agency_emails
from marketplace.web.vocabulary import error_message


def _team_page(form: ColleagueForm, status: int = 200):
    return render_template("agency/team.html", team=agency_team(db.session), form=form,
                           action=ActionForm()), status


@bp.get("/team")
@agency_page("team")
def team():
    return _team_page(ColleagueForm())


@bp.post("/team")
@agency_page("team")
def invite():
    form = ColleagueForm()
    if form.validate_on_submit():
        try:
            user = invite_colleague(db.session, actor=current_user, email=form.email.data,
                                    name=form.name.data, role=form.role.data,
                                    secret=current_app.config["SECRET_KEY"], now=utcnow(),
                                    compose=agency_emails())
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_("Invitation sent to %(email)s.", email=user.email), "success")
            return redirect(url_for(".team"))
    return _team_page(form, 422)


@bp.post("/team/<int:user_id>/remove")
@agency_page("team")
def remove(user_id: int):
    if ActionForm().validate_on_submit():
        try:
            remove_colleague(db.session, actor=current_user, user_id=user_id)
        except DomainError as error:
            if error.kind == "not_found":
                raise
            flash(error_message(error), "error")
        else:
            flash(_("Access removed."), "success")
    return redirect(url_for(".team"))
