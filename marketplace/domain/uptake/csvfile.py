"""CSV as French spreadsheets open it cleanly: UTF-8 with a BOM, `;` between fields."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence

from marketplace.domain import spreadsheets


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """The table as CSV text, BOM first (Excel reads the file as UTF-8 thanks to it)."""
    out = io.StringIO()
    out.write("\ufeff")
    # Names come from venues (a venue's name, a show's discipline label): never formulas.
    # Figures are numbers, or texts like "−3,5 %" written with a true minus sign.
    writer = spreadsheets.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()
