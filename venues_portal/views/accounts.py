"""Logging in and out, forgotten passwords, invitations, and one's own password."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from marketplace.accounts.authentication import authenticate, normalise_email
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


def _failed(response) -> bool:
    """Only failed attempts count towards the login limits (a success redirects)."""
    return response.status_code != 302


def _login_email() -> str:
    return "login:" + normalise_email(request.form.get("email"))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("20 per 10 minutes", methods=["POST"], deduct_when=_failed)
@limiter.limit("5 per 10 minutes", methods=["POST"], key_func=_login_email,
               deduct_when=_failed)
def login():
    """The staff login (e-mail and password); throttled per address and per client."""
    if current_user.is_authenticated and request.method == "GET":
        return redirect(safe_next(request.args.get("next")) or url_for(".home"))
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(db.session, form.email.data, form.password.data, utcnow(),
                            locale=str(get_locale()))
        if user is not None:
            session.clear()  # nothing from before the login carries over
            login_user(user, remember=form.remember.data)
            return redirect(safe_next(request.args.get("next")) or url_for(".home"))
        form.form_errors.append(_("Wrong e-mail address or password."))
    return render_template("portal/login.html", form=form), 200 if request.method == "GET" else 401


@bp.post("/logout")
def logout():
    form = ActionForm()
    if form.validate_on_submit():
        logout_user()
        session.clear()
        flash(_("You are logged out."), "info")
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
            session.clear()
            login_user(user)
            flash(_("Your new password is saved."), "success")
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
            session.clear()
            login_user(user)
            flash(_("Welcome to Kiosque!"), "success")
            return redirect(url_for(".home"))
    return render_template("portal/invitation.html", form=form, user=user)


@bp.route("/account", methods=["GET", "POST"])
@staff_page
def account():
    """One's own account: change the password."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            change_password(db.session, current_user, form.current_password.data,
                            form.new_password.data)
        except ValidationFailed as error:
            show_error(form, error)
        else:
            flash(_("Your new password is saved."), "success")
            return redirect(url_for(".account"))
    return render_template("portal/account.html", form=form)
