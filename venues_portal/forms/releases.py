"""The release form (the same fields publish and preview), and the quantity form."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from marketplace.domain.inventory.terms import (
    MAX_DISCOUNT,
    MAX_FACE_PRICE_CENTS,
    MAX_PER_ORDER_LIMIT,
    MAX_QUANTITY,
    MAX_STEP_MINUTES,
    MIN_DISCOUNT,
)
from marketplace.web.one_line import OneLine
from venues_portal.forms import EurosField, ParisDateTimeField
from venues_portal.labels import curve_label

# Service field names (the venue API's) → form field names, where they differ.
SERVICE_FIELDS = {"face_price_cents": "face_price"}


def _discount(label):
    return IntegerField(label, validators=[
        InputRequired(_l("Type a percentage.")),
        NumberRange(MIN_DISCOUNT, MAX_DISCOUNT, _l("Between 25 and 80."))])


class ReleaseForm(FlaskForm):
    category = StringField(_l("Category"), validators=[
        InputRequired(_l("Name the seats, for example “Placement libre”.")),
        Length(max=80, message=_l("At most 80 characters.")), OneLine()])
    face_price = EurosField(_l("Face price (€)"), validators=[InputRequired(
        _l("Type the full price of a seat."))])
    quantity = IntegerField(_l("Seats on sale"), validators=[
        InputRequired(_l("How many seats?")),
        NumberRange(1, MAX_QUANTITY, _l("Between 1 and 100 000 seats."))])
    start_discount_percent = _discount(_l("Discount at opening, in percent"))
    max_discount_percent = _discount(_l("Deepest discount, in percent"))
    curve = SelectField(_l("How the price goes down"),
                        choices=lambda: [(c, curve_label(c)) for c in ("linear", "steps")],
                        default="linear")
    step_minutes = IntegerField(_l("Minutes between two drops"), validators=[
        Optional(), NumberRange(1, MAX_STEP_MINUTES, _l("Between 1 minute and a week."))])
    sales_open_at = ParisDateTimeField(_l("Sales open"))
    max_discount_at = ParisDateTimeField(_l("Deepest discount from"))
    sales_close_at = ParisDateTimeField(_l("Sales close"))
    max_per_order = IntegerField(_l("At most per order"), default=6, validators=[
        InputRequired(_l("How many seats may one person buy?")),
        NumberRange(1, MAX_PER_ORDER_LIMIT, _l("Between 1 and 50."))])

    def validate_face_price(self, field):
        if field.data is not None and not 1 <= field.data <= MAX_FACE_PRICE_CENTS:
            raise ValidationError(_l("Between 0,01 € and 10 000 €."))

    def validate_max_discount_percent(self, field):
        start = self.start_discount_percent.data
        if field.data is not None and start is not None and field.data < start:
            raise ValidationError(_l("The deepest discount cannot be smaller than the "
                                     "discount at opening."))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        # Here rather than in validate_step_minutes: its Optional() ends the field's checks.
        if self.curve.data == "steps" and not self.step_minutes.data \
                and not self.step_minutes.errors:
            self.step_minutes.errors = [*self.step_minutes.errors,
                                        _l("How many minutes between two drops?")]
            valid = False
        return valid

    def terms(self, performance_id: int) -> dict[str, Any]:
        """The terms in the venue API's words, for create_release and the preview."""
        return {
            "performance_id": performance_id,
            "category": self.category.data,
            "face_price_cents": self.face_price.data,
            "quantity": self.quantity.data,
            "start_discount_percent": self.start_discount_percent.data,
            "max_discount_percent": self.max_discount_percent.data,
            "curve": self.curve.data,
            "step_minutes": self.step_minutes.data if self.curve.data == "steps" else None,
            "sales_open_at": self.sales_open_at.data,
            "max_discount_at": self.max_discount_at.data,
            "sales_close_at": self.sales_close_at.data,
            "max_per_order": self.max_per_order.data,
        }

    @classmethod
    def from_terms(cls, terms: dict[str, Any], **kwargs) -> ReleaseForm:
        """A form filled with terms in the venue API's words (defaults, a duplicated release)."""
        return cls(category=terms["category"], face_price=terms["face_price_cents"],
                   quantity=terms["quantity"],
                   start_discount_percent=terms["start_discount_percent"],
                   max_discount_percent=terms["max_discount_percent"], curve=terms["curve"],
                   step_minutes=terms["step_minutes"], sales_open_at=terms["sales_open_at"],
                   max_discount_at=terms["max_discount_at"],
                   sales_close_at=terms["sales_close_at"],
                   max_per_order=terms["max_per_order"], **kwargs)


class QuantityForm(FlaskForm):
    quantity = IntegerField(_l("Seats on sale"), validators=[
        InputRequired(_l("How many seats?")),
        NumberRange(1, MAX_QUANTITY, _l("Between 1 and 100 000 seats."))])
