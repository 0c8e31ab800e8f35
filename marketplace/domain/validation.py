"""Checks of plain input values shared by services; each failure names the field (422).

Schemas already parse types at the API edge; services check again with these so that
every caller (API, portal forms, CLI) gets the same rules and the same messages, and
nothing a client can send reaches the database in a shape it would refuse with a 500.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime

from marketplace.domain.errors import DomainError, ValidationFailed
from marketplace.domain.vocabulary import Word

# Ids are 32-bit integers in every database we run on.
MAX_ID = 2**31 - 1

# Control characters (C0, DEL, C1) and Unicode's line and paragraph separators. In a
# one-line field (a title, a name, an address) they break what is built from it: a line
# break in a show title once made an e-mail's Subject header unwritable. The API schemas
# (as an OpenAPI pattern and a check), the forms and the services all refuse them with
# this one pattern and this one message (422 `invalid_characters` in the API).
CONTROL_CHARACTERS = r"\x00-\x1f\x7f-\x9f\u2028\u2029"
# What Python's str.strip() removes, spelled out so that a JSON Schema reader means the same.
WHITESPACE = r"\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
# Spaces that are not control characters: what may separate the words of a line.
SPACES = r"\x20\xa0\u1680\u2000-\u200a\u202f\u205f\u3000"
# A run of printable characters (no whitespace, no control character).
WORD = rf"[^{WHITESPACE}{CONTROL_CHARACTERS}]+"
# Surrounding whitespace is fine (it is stripped); inside, words and spaces only. Written
# so that each character has one way to match: the pattern runs in linear time.
ONE_LINE_REQUIRED_PATTERN = rf"^[{WHITESPACE}]*{WORD}(?:[{SPACES}]+{WORD})*[{WHITESPACE}]*$"
# The same, or blank.
ONE_LINE_PATTERN = rf"^(?:[{WHITESPACE}]*|{ONE_LINE_REQUIRED_PATTERN[1:-1]})$"
_ONE_LINE = re.compile(ONE_LINE_PATTERN)
INVALID_CHARACTERS = "invalid_characters"
ONE_LINE_MESSAGE = "Line breaks and other control characters are not allowed here."


def breaks_the_line(value: str) -> bool:
    """True when `value` holds a control character inside it (surrounding whitespace, which
    is stripped anyway, does not count)."""
    return _ONE_LINE.fullmatch(value) is None


def one_line(value: str, field: str) -> str:
    """`value` if it holds no control character (see `breaks_the_line`), else 422
    `invalid_characters` on `field`."""
    if breaks_the_line(value):
        raise ValidationFailed(ONE_LINE_MESSAGE, code=INVALID_CHARACTERS, field=field)
    return value


def integer(value: object, field: str, label: str, low: int, high: int) -> int:
    """`value` as an int within [low, high], else ValidationFailed on `field`.

    `label` names the value in messages ("The quantity"): it is translated with them, so
    it must be listed in marketplace.domain.vocabulary.error_messages (as must every label below).
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
         required: bool = False, multiline: bool = False) -> str:
    """`value` stripped, at most `max_length` characters; required means not blank; on one
    line (no control characters) unless `multiline`."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationFailed("%(label)s must be text.", field=field,
                               params={"label": Word(label)})
    if not multiline:
        one_line(value, field)
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
