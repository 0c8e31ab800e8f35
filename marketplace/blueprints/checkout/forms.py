"""The checkout form: CSRF and field rendering; the rules live in domain.orders.checkout."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField


class CheckoutForm(FlaskForm):
    email = StringField()
    name = StringField()
    postcode = StringField()
    birth_year = StringField()
    marketing_consent = BooleanField(default=False)

    def buyer_fields(self) -> dict:
        """The fields as the checkout service reads them (a year typed as digits is a year)."""
        birth_year = (self.birth_year.data or "").strip()
        return {
            "email": self.email.data, "name": self.name.data, "postcode": self.postcode.data,
            "birth_year": int(birth_year) if birth_year.isdigit() else (birth_year or None),
            "marketing_consent": bool(self.marketing_consent.data),
        }


class ConfirmForm(FlaskForm):
    """A bare form for the buttons that change an order (pay, refuse, give up): CSRF only."""
