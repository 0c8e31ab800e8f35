"""Refuse input no view could mean before any view runs: NUL characters, non-JSON API bodies.

PostgreSQL refuses text containing NUL (0x00) while SQLite stores it, so the same
request would fail on one and succeed on the other; refusing it here answers the same
clear 422 on both, and nothing is written.
"""

from __future__ import annotations

from collections.abc import Iterator

from flask import Flask, request

from marketplace.domain.errors import DomainError, ValidationFailed

NUL = "\x00"
BODY_METHODS = {"POST", "PUT", "PATCH"}


class UnsupportedMediaType(DomainError):
    """A body the endpoint cannot read (415)."""

    kind = "unsupported_media_type"
    code = "unsupported_media_type"
    message = "Send the request body as JSON (Content-Type: application/json)."


def _strings(value: object, name: str = "") -> Iterator[tuple[str, str]]:
    """Every string in a decoded JSON document, with the dotted name of where it sits."""
    if isinstance(value, str):
        yield name, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield name, str(key)
            yield from _strings(item, f"{name}.{key}" if name else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, f"{name}.{index}" if name else str(index))


def _field_with_nul() -> str | None:
    """The name of the first input carrying a NUL character ("" for the path), if any."""
    if NUL in request.path:
        return "path"
    for source in (request.args, request.form):
        for name, value in source.items(multi=True):
            if NUL in name or NUL in value:
                return name.replace(NUL, "") or "?"
    if request.is_json:
        for name, value in _strings(request.get_json(silent=True)):
            if NUL in value:
                return name or "body"
    return None


def refuse_unreadable_input() -> None:
    """before_request: 415 for a non-JSON API body, 422 for a NUL character anywhere."""
    if (request.path.startswith("/api/") and request.method in BODY_METHODS
            and request.content_length and not request.is_json):
        raise UnsupportedMediaType()
    field = _field_with_nul()
    if field is not None:
        raise ValidationFailed("Text may not contain NUL (0x00) characters.",
                               code="invalid_characters", field=field)


def install_input_guard(app: Flask) -> None:
    app.before_request(refuse_unreadable_input)
