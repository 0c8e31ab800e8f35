"""Flask-WTF forms of the portal (CSRF on every one), and what forms share.

Forms check types and single-field rules with messages in plain words; the services
check everything again, and `show_error` puts a service's refusal next to its field.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, Field
from wtforms.widgets import TextInput

from marketplace.domain.timeutil import PARIS, to_paris
from marketplace.web.forms import show_error  # noqa: F401 (the portal's views import it here)


class ActionForm(FlaskForm):
    """A button that changes something: nothing to fill in but the CSRF token."""


class EurosField(Field):
    """An amount in euros typed the French way ("12,50" or "12.50"), kept as integer cents."""

    widget = TextInput()

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.data: int | None = kwargs.get("default")

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        euros, cents = divmod(self.data, 100)
        return f"{euros},{cents:02d}" if cents else str(euros)

    def process_formdata(self, valuelist):
        self.data = None
        text = (valuelist[0] if valuelist else "").strip().replace("€", "").replace(" ", "")
        if not text:
            return
        try:
            amount = Decimal(text.replace(",", "."))
            # quantize() itself refuses amounts beyond the decimal precision ("1e300").
            exact = amount.is_finite() and amount == amount.quantize(Decimal("0.01"))
        except InvalidOperation:
            exact = False
        if not exact:
            raise ValueError(_l("Type an amount in euros, for example 18,50."))
        self.data = int(amount * 100)


class ParisDateTimeField(DateTimeLocalField):
    """A date and time typed on Paris clocks; `data` is timezone-aware."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("format", ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"])
        super().__init__(label, validators, **kwargs)

    def process_data(self, value):
        self.data = to_paris(value) if isinstance(value, datetime) and value.tzinfo else value

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_l("Choose a date and a time.")) from None
        if isinstance(self.data, datetime) and self.data.tzinfo is None:
            self.data = self.data.replace(tzinfo=PARIS)

    def _value(self) -> str:
        if self.raw_data:
            return " ".join(self.raw_data)
        return to_paris(self.data).strftime("%Y-%m-%dT%H:%M") if self.data else ""
