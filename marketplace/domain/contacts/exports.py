"""A venue's contacts as files: CSV for a French spreadsheet (portal), records for systems (API).

Both CSV flavours are UTF-8 with a byte order mark and `;` between fields, produced as a
stream of chunks so that 50,000 contacts never sit in memory at once.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime

from sqlalchemy import Row

from marketplace.domain import spreadsheets as sheet
from marketplace.domain.contacts.models import Contact
from marketplace.domain.spreadsheets import MACHINE, Column, Wording
from marketplace.domain.workbook import xlsx_bytes

BOM = "\ufeff"
ROWS_PER_CHUNK = 500

# The portal's file: for people, dates on Paris clocks and euros with a decimal comma.
PORTAL_TABLE = (
    Column("email"), Column("name"), Column("postcode"), Column("birth_year", sheet.NUMBER),
    Column("stage", sheet.WORD), Column("purchases", sheet.NUMBER),
    Column("amount", sheet.MONEY), Column("first_purchase", sheet.DATETIME),
    Column("last_purchase", sheet.DATETIME), Column("disciplines", sheet.WORDS),
    Column("marketing_consent", sheet.YES_NO), Column("consent_at", sheet.DATETIME),
    Column("consent_text"),
)
PORTAL_COLUMNS = tuple(c.key for c in PORTAL_TABLE)
# The API's records (JSON, or CSV with the same names): ISO 8601 times, cents.
API_FIELDS = ("id", "email", "name", "postcode", "birth_year", "source", "stage", "purchases",
              "amount_cents", "disciplines", "marketing_consent", "consent_at", "consent_text",
              "first_purchase_at", "last_purchase_at", "created_at", "updated_at")


# A contact: the model, or a row of marketplace.domain.contacts.queries.RECORD_COLUMNS.
ContactLike = Contact | Row


def portal_rows(contacts: Iterable[ContactLike]) -> Iterator[list]:
    """One typed row per contact (PORTAL_TABLE), for the CSV and the .xlsx."""
    for contact in contacts:
        yield [contact.email, contact.name, contact.postcode, contact.birth_year,
               contact.stage, contact.purchases, contact.amount_cents,
               contact.first_purchase_at, contact.last_purchase_at,
               list(contact.disciplines or []), contact.marketing_consent,
               contact.consent_at,
               (contact.consent_text or "") if contact.marketing_consent else ""]


def portal_csv(contacts: Iterable[ContactLike], wording: Wording = MACHINE
               ) -> Iterator[bytes]:
    """The contacts as a spreadsheet file, chunk by chunk (the first chunk holds the header),
    with titles and words in the reader's language (`wording`)."""
    return _chunks([wording.title(c) for c in PORTAL_TABLE],
                   (sheet.csv_row(PORTAL_TABLE, row, wording)
                    for row in portal_rows(contacts)))


def portal_xlsx(contacts: Iterable[ContactLike], wording: Wording = MACHINE, *,
                sheet: str = "Contacts") -> bytes:
    """The same table as an .xlsx workbook (typed cells: postcodes as text, real dates)."""
    return xlsx_bytes(PORTAL_TABLE, portal_rows(contacts), wording, sheet=sheet)


def api_record(contact: ContactLike) -> dict:
    """What the venue API says about one contact."""
    return {
        "id": contact.id, "email": contact.email, "name": contact.name,
        "postcode": contact.postcode, "birth_year": contact.birth_year,
        "source": contact.source, "stage": contact.stage, "purchases": contact.purchases,
        "amount_cents": contact.amount_cents, "disciplines": list(contact.disciplines or []),
        "marketing_consent": contact.marketing_consent, "consent_at": contact.consent_at,
        "consent_text": contact.consent_text, "first_purchase_at": contact.first_purchase_at,
        "last_purchase_at": contact.last_purchase_at, "created_at": contact.created_at,
        "updated_at": contact.updated_at,
    }


def api_csv(contacts: Iterable[ContactLike]) -> Iterator[bytes]:
    """The API's records as CSV, chunk by chunk: machine values (ISO times, cents, true/false)."""
    return _chunks(API_FIELDS, ([_machine(value) for value in api_record(c).values()]
                                for c in contacts))


def _chunks(header: Sequence[str], rows: Iterable[list]) -> Iterator[bytes]:
    out = io.StringIO()
    writer = sheet.writer(out)  # every cell inert, whatever its column
    out.write(BOM)
    writer.writerow(header)
    for number, row in enumerate(rows, start=1):
        writer.writerow(row)
        if number % ROWS_PER_CHUNK == 0:
            yield _flush(out)
    yield _flush(out)


def _flush(out: io.StringIO) -> bytes:
    chunk = out.getvalue().encode("utf-8")
    out.seek(0)
    out.truncate()
    return chunk


def _machine(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list):
        return ",".join(value)
    return value

