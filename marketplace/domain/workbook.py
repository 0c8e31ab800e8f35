"""The .xlsx beside each CSV: the same typed table, as cells a spreadsheet need not guess.

A CSV leaves the reader to guess each cell's type: a postcode 06000 becomes the number
6000, a date becomes text or a US date. Here every cell is written with its type:
postcodes, ticket codes and order references as text, instants as real date cells on
Paris clocks, money as numbers in euros. Text is written as text, never parsed, so a name
typed as `=HYPERLINK(…)` stays a string (no formula can be made this way).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import xlsxwriter

from marketplace.domain.spreadsheets import (
    DATETIME,
    MONEY,
    NUMBER,
    PERCENT,
    WORD,
    WORDS,
    YES_NO,
    Column,
    Wording,
    csv_value,
)
from marketplace.domain.timeutil import PARIS

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_WIDTHS = {DATETIME: 17, MONEY: 11, NUMBER: 9, PERCENT: 9, YES_NO: 9}


def xlsx_bytes(columns: Sequence[Column], rows: Iterable[Sequence[Any]], wording: Wording,
               *, sheet: str = "Kiosque") -> bytes:
    """One sheet: a bold, frozen header row, a filter on it, then one row per record.

    Written in constant-memory mode (row after row, straight to the file), so a venue's
    50,000 contacts do not sit in memory as cells."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"constant_memory": True, "in_memory": True,
                                     "strings_to_formulas": False,
                                     "strings_to_numbers": False, "strings_to_urls": False})
    formats = {
        "header": book.add_format({"bold": True, "bottom": 1}),
        DATETIME: book.add_format({"num_format": "dd/mm/yyyy hh:mm"}),
        MONEY: book.add_format({"num_format": "#,##0.00 [$€-fr-FR]"}),
        PERCENT: book.add_format({"num_format": "0 %"}),
    }
    page = book.add_worksheet(sheet[:31])
    for number, column in enumerate(columns):
        page.set_column(number, number, _WIDTHS.get(column.kind, 22))
    page.write_row(0, 0, [wording.title(c) for c in columns], formats["header"])
    count = 0
    for count, row in enumerate(rows, start=1):
        for number, (column, value) in enumerate(zip(columns, row, strict=True)):
            _write(page, count, number, column, value, wording, formats)
    page.freeze_panes(1, 0)
    page.autofilter(0, 0, max(count, 1), len(columns) - 1)
    book.close()
    return out.getvalue()


def _write(page, row: int, col: int, column: Column, value: Any, wording: Wording,
           formats: dict) -> None:
    if value is None or value == "":
        page.write_blank(row, col, None)
    elif column.kind == DATETIME:
        # Excel has no time zones: the cell holds the Paris wall-clock time.
        local: datetime = value.astimezone(PARIS).replace(tzinfo=None)
        page.write_datetime(row, col, local, formats[DATETIME])
    elif column.kind == MONEY:
        page.write_number(row, col, value / 100, formats[MONEY])
    elif column.kind == PERCENT:
        page.write_number(row, col, value / 100, formats[PERCENT])
    elif column.kind == NUMBER:
        page.write_number(row, col, value)
    elif column.kind in (WORD, WORDS, YES_NO):
        page.write_string(row, col, csv_value(column, value, wording))
    else:
        page.write_string(row, col, str(value))
