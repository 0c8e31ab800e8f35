"""Forms of staff accounts: logging in, passwords, accepting an invitation."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from marketplace.domain.accounts.authentication import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from marketplace.web.one_line import OneLine


class ActionForm(FlaskForm):
    """A button that changes something (logging out): nothing to fill in but the CSRF token."""


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[
        DataRequired(_l("Type your e-mail address.")), OneLine()])
    password = PasswordField(_l("Password"), validators=[
        DataRequired(_l("Type your password."))])
    remember = BooleanField(_l("Stay logged in on this device"))


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[
        DataRequired(_l("Type your e-mail address.")), Length(max=254), OneLine()])


def _new_password(label):
    return PasswordField(label, validators=[
        DataRequired(_l("Choose a password.")),
        Length(min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH,
               message=_l("Between 10 and 200 characters, please."))])


def _confirmation(field_name: str):
    return PasswordField(_l("The same password again"), validators=[
        DataRequired(_l("Type the password a second time.")),
        EqualTo(field_name, _l("The two passwords are not the same."))])


class ResetPasswordForm(FlaskForm):
    password = _new_password(_l("New password"))
    confirm = _confirmation("password")


class AcceptInvitationForm(FlaskForm):
    name = StringField(_l("Your name"), validators=[
        DataRequired(_l("Type your name.")), Length(max=200), OneLine()])
    password = _new_password(_l("Choose a password"))
    confirm = _confirmation("password")


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[
        DataRequired(_l("Type your current password."))])
    new_password = _new_password(_l("New password"))
    confirm = _confirmation("new_password")
