"""The agency's forms: the dashboard's filters (a plain GET form) and the onboarding forms."""

from __future__ import annotations

from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    DateField,
    EmailField,
    FloatField,
    Form,
    SelectField,
    StringField,
)
from wtforms.validators import (
    DataRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from marketplace.blueprints.agency.labels import grouping_labels
from marketplace.domain.errors import DomainError
from marketplace.domain.uptake.periods import MAX_PERIOD_DAYS, Period
from marketplace.web.one_line import OneLine
from marketplace.web.vocabulary import discipline_labels, error_message

PRESET_DAYS = (7, 30, 90, 365)
DEFAULT_DAYS = 30
# The uptake table's columns it can be sorted by (the API's names; "group" is the label).
SORT_KEYS = ("group", "released", "sold", "sell_through", "revenue_cents",
             "avg_discount_percent", "orders", "buyers", "new_to_venue_share",
             "under_30_share", "median_buyer_distance_km")


class DayField(DateField):
    """A calendar day typed as YYYY-MM-DD (what date inputs send), with a message in words."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_l("Choose a date, like 2026-11-20.")) from None


class ChoiceField(SelectField):
    def pre_validate(self, form) -> None:
        if self.data not in {value for value, _label in self.iter_choices_values()}:
            raise ValidationError(_l("Choose one of the options offered."))

    def iter_choices_values(self):
        return self.choices() if callable(self.choices) else self.choices


class FilterForm(Form):
    """Period and grouping of the dashboard, read from the query string (no CSRF: it reads)."""

    days = StringField(validators=[OneLine()])
    start = DayField(_l("From"), validators=[Optional()])
    end = DayField(_l("To"), validators=[Optional()])
    group_by = ChoiceField(_l("Table by"), default="venue",
                           choices=lambda: list(grouping_labels().items()))
    sort = ChoiceField(default="group", choices=[(key, key) for key in SORT_KEYS])
    order = ChoiceField(default="asc", choices=[("asc", "asc"), ("desc", "desc")])

    def __init__(self, formdata, today: date, **kwargs) -> None:
        # The query string says from= and to=, words Python keeps for itself.
        data = formdata.copy()
        for name, field in (("from", "start"), ("to", "end")):
            if name in data:
                data.setlist(field, data.poplist(name))
        super().__init__(data, **kwargs)
        self.today = today
        self.period: Period | None = None

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        preset = (self.days.data or "").strip()
        if preset and preset not in {str(days) for days in PRESET_DAYS}:
            self.days.errors = [_l("Choose one of the periods offered.")]
            return False
        if preset or (self.start.data is None and self.end.data is None):
            days = int(preset or DEFAULT_DAYS)
            self.period = Period(self.today - timedelta(days=days - 1), self.today)
            self.start.data, self.end.data = self.period.start, self.period.end
            return True
        end = self.end.data or self.today
        start = self.start.data or end - timedelta(days=DEFAULT_DAYS - 1)
        if start > end:
            self.start.errors = [_l("The first day must not come after the last.")]
            return False
        if (end - start).days > MAX_PERIOD_DAYS:
            self.start.errors = [_l("A period is at most two years long.")]
            return False
        self.start.data, self.end.data = start, end
        self.period = Period(start, end)
        return True

    @property
    def error_messages(self) -> list[str]:
        return [str(message) for field in self for message in field.errors]

    def preset(self) -> int | None:
        """The preset the period is (ending today), if it is one."""
        if self.period is None or self.period.end != self.today:
            return None
        return self.period.days if self.period.days in PRESET_DAYS else None


class FeedForm(FlaskForm):
    """A GTFS timetable to import (or to replace, under a name already used)."""

    name = StringField(_l("Name of the timetable"), validators=[
        DataRequired(_l("Give the timetable a name.")), Length(max=80), OneLine(),
        Regexp(r"^[A-Za-z0-9][A-Za-z0-9 _.!-]*$",
               message=_l("Letters without accents, digits, spaces, dots or dashes."))],
        description=_l("Importing under a name already used replaces that timetable."))
    feed = FileField(_l("GTFS file (.zip)"), validators=[
        FileRequired(_l("Choose the timetable's .zip file.")),
        FileAllowed(["zip"], _l("A GTFS timetable is a .zip file."))])


class ActionForm(FlaskForm):
    """A button that changes something: nothing to fill in but the CSRF token."""


def discipline_choices() -> list[tuple[str, str]]:
    return list(discipline_labels().items())


class VenueInviteForm(FlaskForm):
    name = StringField(_l("Name of the venue"), validators=[
        DataRequired(_l("The venue needs a name.")), Length(max=200), OneLine()])
    address = StringField(_l("Street address"), validators=[Length(max=300), OneLine()])
    postcode = StringField(_l("Postcode"), validators=[
        DataRequired(_l("Type the postcode.")),
        Regexp(r"^\s*\d{5}\s*$", message=_l("A French postcode has 5 digits.")), OneLine()])
    city = StringField(_l("City"), validators=[
        DataRequired(_l("Type the city.")), Length(max=120), OneLine()])
    discipline = SelectField(_l("Main discipline"), choices=discipline_choices,
                             default="theatre")
    lat = FloatField(_l("Latitude (optional)"), validators=[
        Optional(), NumberRange(-90, 90, _l("A latitude lies between -90 and 90."))])
    lng = FloatField(_l("Longitude (optional)"), validators=[
        Optional(), NumberRange(-180, 180, _l("A longitude lies between -180 and 180."))])
    manager_name = StringField(_l("Manager's name"), validators=[Length(max=200), OneLine()])
    manager_email = EmailField(_l("Manager's e-mail address"), validators=[
        DataRequired(_l("Type their e-mail address.")), Length(max=254), OneLine()])


def agency_role_choices() -> list[tuple[str, str]]:
    return [("staff", _l("Staff: dashboard, exports and venues")),
            ("admin", _l("Admin: also the agency's team"))]


class ColleagueForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[
        DataRequired(_l("Type their e-mail address.")), Length(max=254), OneLine()])
    name = StringField(_l("Name"), validators=[Length(max=200), OneLine()])
    role = SelectField(_l("Role"), choices=agency_role_choices, default="staff")


def show_error(form: FlaskForm, error: DomainError) -> None:
    """Show a service's refusal next to the field it names (or above the form)."""
    message = error_message(error)
    field = form._fields.get(error.field) if error.field else None
    if field is not None:
        field.errors = [*field.errors, message]
    else:
        form.form_errors.append(message)
