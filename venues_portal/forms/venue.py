"""The venue profile form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, FloatField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from marketplace.web.one_line import OneLine
from venues_portal.operations.profile import NOTE_MAX_LENGTH


class ProfileForm(FlaskForm):
    name = StringField(_l("Name of the venue"), validators=[
        DataRequired(_l("The venue needs a name.")), Length(max=200), OneLine()])
    address = StringField(_l("Street address"), validators=[Length(max=300), OneLine()])
    postcode = StringField(_l("Postcode"), validators=[
        DataRequired(_l("Type the postcode.")),
        Regexp(r"^\s*\d{5}\s*$", message=_l("A French postcode has 5 digits.")), OneLine()])
    city = StringField(_l("City"), validators=[
        DataRequired(_l("Type the city.")), Length(max=120), OneLine()])
    lat = FloatField(_l("Latitude"), validators=[
        DataRequired(_l("Type a latitude.")),
        NumberRange(-90, 90, _l("A latitude lies between -90 and 90."))])
    lng = FloatField(_l("Longitude"), validators=[
        DataRequired(_l("Type a longitude.")),
        NumberRange(-180, 180, _l("A longitude lies between -180 and 180."))])
    step_free_access = BooleanField(_l("Step-free access (wheelchair users welcome)"))
    access_notes = TextAreaField(_l("Access"), validators=[Length(max=NOTE_MAX_LENGTH)])
    transport_notes = TextAreaField(_l("Getting there"),
                                    validators=[Length(max=NOTE_MAX_LENGTH)])
    getting_home_notes = TextAreaField(_l("Getting home after the show"),
                                       validators=[Length(max=NOTE_MAX_LENGTH)])
    phone = StringField(_l("Phone"), validators=[Length(max=40), OneLine()])
    email = StringField(_l("Public e-mail address"), validators=[Length(max=254), OneLine()])
    website = StringField(_l("Website"), validators=[Length(max=300), OneLine()])
    webhook_url = StringField(_l("Webhook address (your CRM)"), validators=[
        Optional(), Length(max=500), OneLine()])
    new_webhook_secret = BooleanField(_l("Generate a new signing secret"))
