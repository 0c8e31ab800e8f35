"""Forms of the "Mes données" pages (Flask-WTF: CSRF on each)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField
from wtforms.validators import DataRequired, Length, Regexp

from marketplace.web.one_line import OneLine


class AskLinkForm(FlaskForm):
    email = EmailField(_l("Your e-mail address"), validators=[
        DataRequired(_l("Enter the e-mail address you bought with.")),
        Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
               message=_l("This e-mail address does not look right.")),
        Length(max=254), OneLine()])


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


class EraseForm(FlaskForm):
    confirm = BooleanField(_l("I understand that this cannot be undone"), validators=[
        DataRequired(_l("Tick the box to confirm."))])
