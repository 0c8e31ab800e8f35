"""Read an .xlsx back the way a spreadsheet would, from its XML (no extra library): each
cell's kind (text or number), its value, and its number format (a date shows as one)."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from xml.etree import ElementTree

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
BUILT_IN_FORMATS = {0: "General"}


@dataclass(frozen=True)
class Cell:
    kind: str  # "text", "number" or "formula"
    value: str | float
    number_format: str = "General"

    @property
    def is_date(self) -> bool:
        return self.kind == "number" and "yy" in self.number_format


def read_sheet(body: bytes) -> list[list[Cell | None]]:
    """The first sheet's rows, each a list of cells by column (None where blank)."""
    with zipfile.ZipFile(io.BytesIO(body)) as book:
        shared = _shared_strings(book)
        formats = _cell_formats(book)
        sheet = ElementTree.fromstring(book.read("xl/worksheets/sheet1.xml"))
    rows = []
    for row in sheet.iterfind("m:sheetData/m:row", NS):
        cells: list[Cell | None] = []
        for c in row.iterfind("m:c", NS):
            column = _column_index(c.get("r"))
            cells.extend([None] * (column - len(cells)))
            cells.append(_cell(c, shared, formats))
        rows.append(cells)
    return rows


def _cell(c, shared: list[str], formats: list[str]) -> Cell | None:
    number_format = formats[int(c.get("s", 0))]
    if c.find("m:f", NS) is not None:
        return Cell("formula", c.find("m:f", NS).text or "", number_format)
    kind = c.get("t", "n")
    if kind == "s":
        return Cell("text", shared[int(c.find("m:v", NS).text)], number_format)
    if kind == "inlineStr":
        return Cell("text", "".join(t.text or "" for t in c.iterfind(".//m:t", NS)),
                    number_format)
    value = c.find("m:v", NS)
    return None if value is None else Cell("number", float(value.text), number_format)


def _shared_strings(book: zipfile.ZipFile) -> list[str]:
    if "xl/sharedStrings.xml" not in book.namelist():
        return []
    root = ElementTree.fromstring(book.read("xl/sharedStrings.xml"))
    return ["".join(t.text or "" for t in si.iterfind(".//m:t", NS))
            for si in root.iterfind("m:si", NS)]


def _cell_formats(book: zipfile.ZipFile) -> list[str]:
    root = ElementTree.fromstring(book.read("xl/styles.xml"))
    codes = dict(BUILT_IN_FORMATS)
    for fmt in root.iterfind("m:numFmts/m:numFmt", NS):
        codes[int(fmt.get("numFmtId"))] = fmt.get("formatCode")
    return [codes.get(int(xf.get("numFmtId", 0)), "General")
            for xf in root.iterfind("m:cellXfs/m:xf", NS)]


def _column_index(reference: str) -> int:
    letters = re.match(r"[A-Z]+", reference).group()
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - ord("A") + 1
    return index - 1
