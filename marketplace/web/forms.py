"""Form helpers shared by the staff pages (portal, agency, staff accounts)."""

from __future__ import annotations

from flask_wtf import FlaskForm

from marketplace.domain.errors import DomainError
from marketplace.web.vocabulary import error_message


def show_error(form: FlaskForm, error: DomainError, fields: dict[str, str] | None = None) -> None:
    """Show a service's refusal next to the field it names (or above the form)."""
    name = (fields or {}).get(error.field or "", error.field)
    message = error_message(error)
    field = form._fields.get(name) if name else None
    if field is None and name and "-" in name:  # a FieldList entry: "dates-0"
        head, _, index = name.rpartition("-")
        entries = getattr(form._fields.get(head), "entries", [])
        field = entries[int(index)] if index.isdigit() and int(index) < len(entries) else None
    if field is not None:
        field.errors = [*field.errors, message]
    else:
        form.form_errors.append(message)
