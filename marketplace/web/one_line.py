"""One-line text fields, in API schemas and in forms: the same rule and the same message.

The rule is marketplace.domain.validation's (`breaks_the_line`: no control character inside the
text); this module only adapts it to marshmallow (the JSON API answers 422
`invalid_characters`, see marketplace.web.errors) and to WTForms (the form comes back
with the message under the field).
"""

from __future__ import annotations

import marshmallow as ma
from flask_babel import lazy_gettext as _l
from wtforms import Field, Form
from wtforms.validators import ValidationError

from marketplace.domain.validation import ONE_LINE_MESSAGE, breaks_the_line


def one_line(value: object) -> None:
    """marshmallow validator: refuse a control character inside the text."""
    if isinstance(value, str) and breaks_the_line(value):
        raise ma.ValidationError(ONE_LINE_MESSAGE)


class OneLine:
    """WTForms validator: refuse a control character inside the text, with the message."""

    field_flags = {"one_line": True}

    def __call__(self, form: Form, field: Field) -> None:
        if isinstance(field.data, str) and breaks_the_line(field.data):
            # ONE_LINE_MESSAGE, spelled out for the catalogue (the services' refusals are
            # translated by the same entry).
            raise ValidationError(_l("Line breaks and other control characters are not "
                                     "allowed here."))
