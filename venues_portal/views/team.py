"""The venue's team: who works here, in which role; invitations by e-mail."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.domain.accounts.memberships import (
    change_role,
    invite_member,
    remove_member,
    resend_invitation,
    venue_team,
)
from marketplace.domain.errors import DomainError
from marketplace.domain.timeutil import utcnow
from marketplace.extensions import db
from marketplace.web.staff_emails import portal_emails
from marketplace.web.vocabulary import error_message
from venues_portal.access import venue_page
from venues_portal.blueprint import bp
from venues_portal.forms import ActionForm, show_error
from venues_portal.forms.accounts import InviteForm, RoleForm


def _team_page(venue, invite_form: InviteForm, status: int = 200):
    team = venue_team(db.session, venue)
    role_forms = {m.id: RoleForm(prefix=f"m{m.id}", role=m.role) for m in team}
    return render_template("portal/team.html", venue=venue, team=team, form=invite_form,
                           role_forms=role_forms, action=ActionForm()), status


@bp.get("/venues/<venue_slug>/team")
@venue_page("manage")
def team(venue):
    return _team_page(venue, InviteForm())


@bp.post("/venues/<venue_slug>/team")
@venue_page("manage")
def invite(venue):
    form = InviteForm()
    if form.validate_on_submit():
        try:
            membership = invite_member(
                db.session, venue, inviter=current_user, email=form.email.data,
                name=form.name.data, role=form.role.data,
                secret=current_app.config["SECRET_KEY"], now=utcnow(),
                compose=portal_emails())
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_("Invitation sent to %(email)s.", email=membership.user.email), "success")
            return redirect(url_for(".team", venue_slug=venue.slug))
    return _team_page(venue, form, 422)


@bp.post("/venues/<venue_slug>/team/<int:membership_id>/role")
@venue_page("manage")
def change_member_role(venue, membership_id: int):
    form = RoleForm(prefix=f"m{membership_id}")
    if form.validate_on_submit():
        _try(lambda: change_role(db.session, venue, actor=current_user,
                                 membership_id=membership_id, role=form.role.data,
                                 now=utcnow()), _("Role changed."))
    return redirect(url_for(".team", venue_slug=venue.slug))


@bp.post("/venues/<venue_slug>/team/<int:membership_id>/remove")
@venue_page("manage")
def remove_team_member(venue, membership_id: int):
    if ActionForm().validate_on_submit():
        _try(lambda: remove_member(db.session, venue, actor=current_user,
                                   membership_id=membership_id, now=utcnow()),
             _("Access removed."))
    return redirect(url_for(".team", venue_slug=venue.slug))


@bp.post("/venues/<venue_slug>/team/<int:membership_id>/resend")
@venue_page("manage")
def resend_team_invitation(venue, membership_id: int):
    if ActionForm().validate_on_submit():
        _try(lambda: resend_invitation(db.session, venue, inviter=current_user,
                                       membership_id=membership_id,
                                       secret=current_app.config["SECRET_KEY"], now=utcnow(),
                                       compose=portal_emails()),
             _("Invitation sent again."))
    return redirect(url_for(".team", venue_slug=venue.slug))


def _try(action, success: str) -> None:
    try:
        action()
    except DomainError as error:
        if error.kind == "not_found":
            raise
        flash(error_message(error), "error")
    else:
        flash(success, "success")
