"""Forms of shows and performances: a show and several dates at once."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import FieldList, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, NumberRange, Optional, ValidationError

from marketplace.web.one_line import OneLine
from marketplace.web.vocabulary import discipline_labels
from venues_portal.forms import ParisDateTimeField

NEW_SHOW = ""
FIRST_DATE_ROWS = 3
MAX_DATE_ROWS = 20


def discipline_choices() -> list[tuple[str, str]]:
    return list(discipline_labels().items())


class ShowFieldsMixin:
    title = StringField(_l("Title"), validators=[Length(max=200), OneLine()])
    discipline = SelectField(_l("Discipline"), choices=discipline_choices, default="theatre")
    duration_minutes = IntegerField(_l("Running time (minutes)"), validators=[
        Optional(), NumberRange(1, 24 * 60, _l("Between 1 and 1440 minutes."))])
    age_guidance = StringField(_l("Age guidance"), validators=[Length(max=60), OneLine()])
    description = TextAreaField(_l("Description"), validators=[Length(max=5000)])
    image_url = StringField(_l("Image address"), validators=[Length(max=500), OneLine()])

    def show_fields(self) -> dict:
        return {"title": self.title.data or "", "discipline": self.discipline.data,
                "duration_minutes": self.duration_minutes.data,
                "age_guidance": self.age_guidance.data or "",
                "description": self.description.data or "",
                "image_url": self.image_url.data or ""}


class ShowForm(ShowFieldsMixin, FlaskForm):
    def validate_title(self, field):
        if not (field.data or "").strip():
            raise ValidationError(_l("Type the title of the show."))


class PerformancesForm(ShowFieldsMixin, FlaskForm):
    """A show (one of the venue's, or a new one) and the dates it plays."""

    show_id = SelectField(_l("Show"), choices=[], default=NEW_SHOW)
    dates = FieldList(ParisDateTimeField(_l("Date and time")), min_entries=FIRST_DATE_ROWS,
                      max_entries=MAX_DATE_ROWS)

    def validate_title(self, field):
        if self.show_id.data == NEW_SHOW and not (field.data or "").strip():
            raise ValidationError(_l("Type the title of the new show."))

    def validate_dates(self, field):
        if not any(entry.data for entry in field.entries):
            raise ValidationError(_l("Give at least one date."))

    def chosen_show_id(self) -> int | None:
        value = self.show_id.data
        return int(value) if value and value.isdigit() else None


class RescheduleForm(FlaskForm):
    starts_at = ParisDateTimeField(_l("New date and time"))

    def validate_starts_at(self, field):
        if field.data is None:
            raise ValidationError(_l("Choose a date and a time."))
