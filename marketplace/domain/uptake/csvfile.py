"""CSV as French spreadsheets open it cleanly: UTF-8 with a BOM, `;` between fields."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from marketplace.domain.spreadsheets import inert


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """The table as CSV text, BOM first (Excel reads the file as UTF-8 thanks to it)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    # Names come from venues (a venue's name, a show's discipline label): never formulas.
    # Figures are numbers, or texts like "−3,5 %" written with a true minus sign.
    writer.writerows([inert(cell) if isinstance(cell, str) else cell for cell in row]
                     for row in rows)
    return out.getvalue()
