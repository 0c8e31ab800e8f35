"""The door form: one code, scanned or typed."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from marketplace.web.one_line import OneLine


class CheckinForm(FlaskForm):
    code = StringField(_l("Ticket code"), validators=[
        DataRequired(_l("Type the code printed under the QR code.")), Length(max=500),
        OneLine()])
