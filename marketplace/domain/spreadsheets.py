"""Cells a spreadsheet shows as text and never runs as a formula (CSV injection).

A buyer's name, a show's title or a venue's name typed as `=HYPERLINK(…)` would
otherwise become a live formula in the venue's or the agency's spreadsheet: such text
gets a leading apostrophe, which spreadsheets read as "this is text".
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def inert(text: str) -> str:
    """The text, made unable to start a formula."""
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text
