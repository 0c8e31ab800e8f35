"""Forms of the venue's team and API tokens (passwords: marketplace.blueprints.staff_accounts)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from marketplace.web.one_line import OneLine


def role_choices() -> list[tuple[str, str]]:
    return [("box_office", _l("Box office: sales and door check-in")),
            ("manager", _l("Manager: everything, team and settings included"))]


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
