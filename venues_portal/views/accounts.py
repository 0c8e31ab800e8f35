"""Logging in and out, forgotten passwords, invitations, and one's own password."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_timedelta, get_locale
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.accounts.login_attempts import LoginThrottled, attempt_login
from marketplace.accounts.memberships import accept_invitation, invitation_user
from marketplace.accounts.passwords import (
    change_password,
    request_password_reset,
    reset_link_user,
    reset_password,
)
from marketplace.accounts.signed_links import InvalidLink
from marketplace.errors import ValidationFailed
from marketplace.extensions import db, limiter
from marketplace.timeutil import utcnow
from marketplace.web.staff_sessions import (
    end_logins_everywhere,
    end_this_login,
    start_login,
    this_login_remembered,
)
from venues_portal.access import safe_next, staff_page
from venues_portal.blueprint import bp
from venues_portal.emails import compose_portal_email
from venues_portal.forms import ActionForm, show_error
from venues_portal.forms.accounts import (
    AcceptInvitationForm,
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    ResetPasswordForm,
)


@bp.route("/login", methods=["GET", "POST"])
def login():
    """The staff login (e-mail and password); wrong passwords slow down the one guessing
    (per address and per client: marketplace.accounts.login_attempts), not the owner."""
    if current_user.is_authenticated and request.method != "POST":
        return redirect(safe_next(request.args.get("next")) or url_for(".home"))
    form = LoginForm()
    if not form.is_submitted():  # GET, and HEAD with it
        return render_template("portal/login.html", form=form)
    if form.validate():
        try:
            user = attempt_login(
                db.session, form.email.data, form.password.data,
                client=request.remote_addr or "", now=utcnow(),
                secret=current_app.config["SECRET_KEY"], compose=compose_portal_email,
                throttle=current_app.config.get("RATELIMIT_ENABLED", True),
                locale=str(get_locale()))
        except LoginThrottled as refused:
            wait = format_timedelta(timedelta(seconds=refused.retry_after), threshold=1)
            form.form_errors.append(_(
                "Too many wrong passwords from this device. Try again in %(wait)s, or choose "
                "a new password with “Forgotten password?”.", wait=wait))
            return (render_template("portal/login.html", form=form), 429,
                    {"Retry-After": str(refused.retry_after)})
        if user is not None:
            start_login(user, remember=form.remember.data)
            return redirect(safe_next(request.args.get("next")) or url_for(".home"))
        form.form_errors.append(_("Wrong e-mail address or password."))
    return render_template("portal/login.html", form=form), 401


@bp.post("/logout")
def logout():
    """Log this browser out (the other devices stay logged in)."""
    if ActionForm().validate_on_submit():
        end_this_login()
        flash(_("You are logged out."), "info")
    return redirect(url_for(".login"))


@bp.post("/logout/everywhere")
@staff_page
def logout_everywhere():
    """Log out on every device: phones, computers, and any copy of their cookies."""
    if ActionForm().validate_on_submit():
        end_logins_everywhere(current_user._get_current_object())
        flash(_("You are logged out on all your devices."), "info")
    return redirect(url_for(".login"))


@bp.route("/password/forgotten", methods=["GET", "POST"])
@limiter.limit("5 per hour", methods=["POST"])
def forgot_password():
    """Ask for a reset link; the answer is the same whether or not the address has an account."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        request_password_reset(db.session, form.email.data,
                               secret=current_app.config["SECRET_KEY"], now=utcnow(),
                               compose=compose_portal_email)
        return render_template("portal/forgot_sent.html", email=form.email.data)
    return render_template("portal/forgot.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"], endpoint="reset_password")
def reset_password_page(token: str):
    secret, now = current_app.config["SECRET_KEY"], utcnow()
    try:
        user = reset_link_user(db.session, token, secret=secret, now=now)
    except InvalidLink:
        return render_template("portal/link_invalid.html", reset=True), 404
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
            return redirect(url_for(".home"))
    return render_template("portal/reset.html", form=form, user=user)


@bp.route("/invitation/<token>", methods=["GET", "POST"], endpoint="accept_invitation")
def accept_invitation_page(token: str):
    secret, now = current_app.config["SECRET_KEY"], utcnow()
    try:
        user = invitation_user(db.session, token, secret=secret, now=now)
    except InvalidLink:
        return render_template("portal/link_invalid.html", reset=False), 404
    form = AcceptInvitationForm(name=user.name)
    if form.validate_on_submit():
        try:
            user = accept_invitation(db.session, token, name=form.name.data,
                                     password=form.password.data, secret=secret, now=now)
        except ValidationFailed as error:
            show_error(form, error)
        else:
            start_login(user)
            flash(_("Welcome to Kiosque!"), "success")
            return redirect(url_for(".home"))
    return render_template("portal/invitation.html", form=form, user=user)


@bp.route("/account", methods=["GET", "POST"])
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
    return render_template("portal/account.html", form=form, action=ActionForm())
