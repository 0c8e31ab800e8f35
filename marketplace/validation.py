"""Checks of plain input values shared by services; each failure names the field (422).

Schemas already parse types at the API edge; services check again with these so that
every caller (API, portal forms, CLI) gets the same rules and the same messages, and
nothing a client can send reaches the database in a shape it would refuse with a 500.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from marketplace.errors import DomainError, ValidationFailed
from marketplace.vocabulary import Word

# Ids are 32-bit integers in every database we run on.
MAX_ID = 2**31 - 1


def integer(value: object, field: str, label: str, low: int, high: int) -> int:
    """`value` as an int within [low, high], else ValidationFailed on `field`.

    `label` names the value in messages ("The quantity"): it is translated with them, so
    it must be listed in marketplace.vocabulary.error_messages (as must every label below).
    """
    if value is None:
        raise ValidationFailed("%(label)s is required.", field=field,
                               params={"label": Word(label)})
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationFailed("%(label)s must be a whole number.", field=field,
                               params={"label": Word(label)})
    if not low <= value <= high:
        raise ValidationFailed("%(label)s must be between %(low)d and %(high)d.", field=field,
                               params={"label": Word(label), "low": low, "high": high})
    return value


def text(value: object, field: str, label: str, max_length: int, *,
         required: bool = False) -> str:
    """`value` stripped, at most `max_length` characters; required means not blank."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationFailed("%(label)s must be text.", field=field,
                               params={"label": Word(label)})
    value = value.strip()
    if required and not value:
        raise ValidationFailed("%(label)s is required.", field=field,
                               params={"label": Word(label)})
    if len(value) > max_length:
        raise ValidationFailed("%(label)s must be at most %(max_length)d characters.",
                               field=field,
                               params={"label": Word(label), "max_length": max_length})
    return value


def instant(value: object, field: str, label: str) -> datetime:
    """A timezone-aware datetime, returned in UTC; a naive one is refused."""
    if not isinstance(value, datetime):
        raise ValidationFailed("%(label)s must be a date and time.", field=field,
                               params={"label": Word(label)})
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationFailed("%(label)s needs a UTC offset (ISO 8601, e.g. +01:00).",
                               field=field, params={"label": Word(label)})
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValidationFailed("%(label)s is out of range.", field=field,
                               params={"label": Word(label)}) from None


def checked_id(value: object, not_found: Callable[[], DomainError]) -> int:
    """`value` if it can be the id of a row; anything else is simply not found."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_ID:
        raise not_found()
    return value
