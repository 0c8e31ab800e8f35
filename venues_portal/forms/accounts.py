"""Forms of logging in, passwords, invitations and the team."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from marketplace.accounts.authentication import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from marketplace.web.one_line import OneLine


def role_choices() -> list[tuple[str, str]]:
    return [("box_office", _l("Box office: sales and door check-in")),
            ("manager", _l("Manager: everything, team and settings included"))]


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


class InviteForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[
        DataRequired(_l("Type their e-mail address.")), Length(max=254), OneLine()])
    name = StringField(_l("Name"), validators=[Length(max=200), OneLine()])
    role = SelectField(_l("Role"), choices=role_choices, default="box_office")


def short_role_choices() -> list[tuple[str, str]]:
    return [("box_office", _l("Box office")), ("manager", _l("Manager"))]


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=short_role_choices)


class TokenForm(FlaskForm):
    label = StringField(_l("What is it for?"), validators=[
        DataRequired(_l("Name the token, for example “Billetterie Sirius”.")),
        Length(max=200), OneLine()])
