"""Cells a spreadsheet shows as text and never runs as a formula (CSV injection).

A buyer's name, a show's title, an order's reference or a venue's name typed as
`=HYPERLINK(…)` would otherwise become a live formula in the venue's or the agency's
spreadsheet: such text gets a leading apostrophe, which spreadsheets read as "this is
text". Every CSV Kiosque writes goes through `writer()` below, so no column can forget.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TextIO

from marketplace.domain.timeutil import PARIS

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A negative amount ("-12,50") is a number to a spreadsheet, not a formula: keep it usable.
_NEGATIVE_NUMBER = re.compile(r"-\d+(?:[.,]\d+)?")


def inert(text: str) -> str:
    """The text, made unable to start a formula."""
    if not text.startswith(FORMULA_STARTS) or _NEGATIVE_NUMBER.fullmatch(text):
        return text
    return f"'{text}"


def inert_cell(value: Any) -> Any:
    """Any cell: text made inert, numbers (and empty cells) as they are."""
    return inert(value) if isinstance(value, str) else value


class InertWriter:
    """A csv.writer whose every cell (header included) goes through `inert`."""

    def __init__(self, out: TextIO, **options: Any) -> None:
        self._writer = csv.writer(out, **options)

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([inert_cell(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(out: TextIO) -> InertWriter:
    """The CSV writer of every export: `;` between fields (French spreadsheets), CRLF."""
    return InertWriter(out, delimiter=";", lineterminator="\r\n")


# Typed tables: one description of an export gives both its CSV and its .xlsx ---------------

TEXT, NUMBER, MONEY, PERCENT, DATETIME, WORD, WORDS, YES_NO = (
    "text", "number", "money", "percent", "datetime", "word", "words", "yes_no")


@dataclass(frozen=True)
class Column:
    """One column: its key (the machine name), and what kind of value its cells hold.

    text: kept as text everywhere (postcodes, ticket codes, order references: never
    numbers, or 06000 would lose its zero); number: an integer; money: integer cents;
    percent: a whole percentage; datetime: an aware instant, shown on Paris clocks;
    word: a code put into words (a status); words: a list of codes; yes_no: a boolean."""

    key: str
    kind: str = TEXT


def _identity(code: str) -> str:
    return code


@dataclass(frozen=True)
class Wording:
    """How a file speaks: column titles and the words for codes, in the reader's language.

    The default is the machine's: keys as titles, codes as they are, yes/no."""

    titles: Mapping[str, str] = field(default_factory=dict)
    word: Callable[[str], str | None] = _identity

    def title(self, column: Column) -> str:
        return self.titles.get(column.key, column.key)

    def say(self, code: str) -> str:
        """The word for a code; a code without one stays as it is."""
        return self.word(code) or code


MACHINE = Wording()


def csv_value(column: Column, value: Any, wording: Wording) -> Any:
    """A cell as the CSV writes it: Paris dates, decimal commas, codes in words."""
    if value is None or value == "":
        return ""
    kind = column.kind
    if kind == MONEY:
        sign = "-" if value < 0 else ""
        return f"{sign}{abs(value) // 100},{abs(value) % 100:02d}"
    if kind == PERCENT:
        return f"{value} %"
    if kind == DATETIME:
        return value.astimezone(PARIS).strftime("%d/%m/%Y %H:%M")
    if kind == WORD:
        return wording.say(value)
    if kind == WORDS:
        return ", ".join(wording.say(code) for code in value)
    if kind == YES_NO:
        return wording.say("yes" if value else "no")
    return value


def csv_row(columns: Iterable[Column], row: Iterable[Any], wording: Wording) -> list:
    """A typed row as the CSV writes it (see csv_value)."""
    return [csv_value(c, v, wording) for c, v in zip(columns, row, strict=True)]
