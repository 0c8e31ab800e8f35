"""Logging in and out, forgotten passwords, invitations, and one's own password.

The portal's staff and the agency's use the same pages; `area` only says whose chrome
a page wears ("agency" for the agency's people, the portal's otherwise)."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_timedelta, get_locale
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.blueprints.staff_accounts.access import safe_next, staff_page
from marketplace.blueprints.staff_accounts.blueprint import bp
from marketplace.blueprints.staff_accounts.forms import (
    AcceptInvitationForm,
    ActionForm,
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    ResetPasswordForm,
)
from marketplace.blueprints.staff_accounts.sessions import (
    end_logins_everywhere,
    end_this_login,
    start_login,
    this_login_remembered,
)
from marketplace.domain.accounts.login_attempts import LoginThrottled, attempt_login
from marketplace.domain.accounts.memberships import accept_invitation, invitation_user
from marketplace.domain.accounts.passwords import (
    change_password,
    request_password_reset,
    reset_link_user,
    reset_password,
)
from marketplace.domain.accounts.signed_links import InvalidLink
from marketplace.domain.errors import ValidationFailed
from marketplace.domain.timeutil import utcnow
from marketplace.extensions import db, limiter
from marketplace.web.forms import show_error
from marketplace.web.staff_emails import portal_emails

HOME = "venues_portal.home"  # which sends the agency's people on to /agency/


def _area_of(user) -> str:
    """Whose chrome `user`'s own pages wear: the agency's when they work only there."""
    return "agency" if user.agency_role and not user.memberships else "portal"


@bp.route("/portal/login", methods=["GET", "POST"])
def login():
    """The staff login (e-mail and password); wrong passwords slow down the one guessing
    (per address and per client: marketplace.domain.accounts.login_attempts), not the owner."""
    if current_user.is_authenticated and request.method != "POST":
        return redirect(safe_next(request.args.get("next")) or url_for(HOME))
    form = LoginForm()
    if not form.is_submitted():  # GET, and HEAD with it
        return render_template("staff/login.html", form=form)
    if form.validate():
        try:
            user = attempt_login(
                db.session, form.email.data, form.password.data,
                client=request.remote_addr or "", now=utcnow(),
                secret=current_app.config["SECRET_KEY"], compose=portal_emails(),
                throttle=current_app.config.get("RATELIMIT_ENABLED", True),
                locale=str(get_locale()))
        except LoginThrottled as refused:
            wait = format_timedelta(timedelta(seconds=refused.retry_after), threshold=1)
            form.form_errors.append(_(
                "Too many wrong passwords from this device. Try again in %(wait)s, or choose "
                "a new password with “Forgotten password?”.", wait=wait))
            return (render_template("staff/login.html", form=form), 429,
                    {"Retry-After": str(refused.retry_after)})
        if user is not None:
            start_login(user, remember=form.remember.data)
            return redirect(safe_next(request.args.get("next")) or url_for(HOME))
        form.form_errors.append(_("Wrong e-mail address or password."))
    return render_template("staff/login.html", form=form), 401


@bp.post("/portal/logout")
def logout():
    """Log this browser out (the other devices stay logged in)."""
    if ActionForm().validate_on_submit():
        end_this_login()
        flash(_("You are logged out."), "info")
    return redirect(url_for(".login"))


@bp.post("/portal/logout/everywhere")
@staff_page
def logout_everywhere():
    """Log out on every device: phones, computers, and any copy of their cookies."""
    if ActionForm().validate_on_submit():
        end_logins_everywhere(current_user._get_current_object())
        flash(_("You are logged out on all your devices."), "info")
    return redirect(url_for(".login"))


@bp.route("/portal/password/forgotten", methods=["GET", "POST"])
@limiter.limit("5 per hour", methods=["POST"])
def forgot_password():
    """Ask for a reset link; the answer is the same whether or not the address has an account."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        request_password_reset(db.session, form.email.data,
                               secret=current_app.config["SECRET_KEY"], now=utcnow(),
                               compose=portal_emails())
        return render_template("staff/forgot_sent.html", email=form.email.data)
    return render_template("staff/forgot.html", form=form)


@bp.route("/portal/password/reset/<token>", methods=["GET", "POST"], endpoint="reset_password")
def reset_password_page(token: str):
    secret, now = current_app.config["SECRET_KEY"], utcnow()
    try:
        user = reset_link_user(db.session, token, secret=secret, now=now)
    except InvalidLink:
        return render_template("staff/link_invalid.html", reset=True), 404
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            user = reset_password(db.session, token, form.password.data, secret=secret, now=now)
        except ValidationFailed as error:
            show_error(form, error)
        else:
            start_login(user)  # every other login of theirs has just ended
            flash(_("Your new password is saved. You are logged out on your other devices."),
                  "success")
            return redirect(url_for(HOME))
    return render_template("staff/reset.html", form=form, user=user, area=_area_of(user))


@bp.route("/portal/invitation/<token>", methods=["GET", "POST"], endpoint="accept_invitation")
def accept_venue_invitation(token: str):
    """The link a venue's new staff get (from a manager, or from the agency's onboarding)."""
    return _invitation_page(token, area="portal")


@bp.route("/agency/invitation/<token>", methods=["GET", "POST"],
          endpoint="accept_agency_invitation")
def accept_agency_invitation(token: str):
    """The link the agency's new colleagues get."""
    return _invitation_page(token, area="agency")


def _invitation_page(token: str, area: str):
    """An invited person chooses a name and a password, and starts: on their venue's
    portal, or on the agency's dashboard (the link they were sent says which)."""
    secret, now = current_app.config["SECRET_KEY"], utcnow()
    try:
        user = invitation_user(db.session, token, secret=secret, now=now)
    except InvalidLink:
        return render_template("staff/link_invalid.html", reset=False, area=area), 404
    form = AcceptInvitationForm(name=user.name)
    if form.validate_on_submit():
        try:
            user = accept_invitation(db.session, token, name=form.name.data,
                                     password=form.password.data, secret=secret, now=now)
        except ValidationFailed as error:
            show_error(form, error)
        else:
            start_login(user)
            if area == "agency":
                flash(_("Welcome to the agency's dashboard!"), "success")
                return redirect(url_for("agency.dashboard"))
            flash(_("Welcome to Kiosque!"), "success")
            return redirect(url_for(HOME))
    return render_template("staff/invitation.html", form=form, user=user, area=area)


@bp.route("/portal/account", methods=["GET", "POST"])
@staff_page
def account():
    """One's own account: change the password, log out on every device."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        remembered = this_login_remembered()
        try:
            user = change_password(db.session, current_user._get_current_object(),
                                   form.current_password.data, form.new_password.data)
        except ValidationFailed as error:
            show_error(form, error)
        else:
            start_login(user, remember=remembered)  # this browser stays; the others are out
            flash(_("Your new password is saved. You are logged out on your other devices."),
                  "success")
            return redirect(url_for(".account"))
    return render_template("staff/account.html", form=form, action=ActionForm(),
                           area=_area_of(current_user))
