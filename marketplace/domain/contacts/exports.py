"""A venue's contacts as files: CSV for a French spreadsheet (portal), records for systems (API).

Both CSV flavours are UTF-8 with a byte order mark and `;` between fields, produced as a
stream of chunks so that 50,000 contacts never sit in memory at once.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime

from sqlalchemy import Row

from marketplace.domain.contacts.models import Contact
from marketplace.domain.spreadsheets import inert
from marketplace.domain.timeutil import PARIS

BOM = "\ufeff"
ROWS_PER_CHUNK = 500

# The portal's file: for people, dates on Paris clocks and euros with a decimal comma.
PORTAL_COLUMNS = ("email", "name", "postcode", "birth_year", "stage", "purchases", "amount",
                  "first_purchase", "last_purchase", "disciplines", "marketing_consent",
                  "consent_at", "consent_text")
# The API's records (JSON, or CSV with the same names): ISO 8601 times, cents.
API_FIELDS = ("id", "email", "name", "postcode", "birth_year", "source", "stage", "purchases",
              "amount_cents", "disciplines", "marketing_consent", "consent_at", "consent_text",
              "first_purchase_at", "last_purchase_at", "created_at", "updated_at")
# A spreadsheet runs a cell starting with one of these as a formula: a buyer's name must not.


# A contact: the model, or a row of marketplace.domain.contacts.queries.RECORD_COLUMNS.
ContactLike = Contact | Row


def portal_csv(contacts: Iterable[ContactLike]) -> Iterator[bytes]:
    """The contacts as a spreadsheet file, chunk by chunk (the first chunk holds the header)."""
    return _chunks(PORTAL_COLUMNS, (_portal_row(c) for c in contacts))


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
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
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


def _portal_row(contact: ContactLike) -> list:
    return [
        _cell(contact.email), _cell(contact.name), _cell(contact.postcode),
        contact.birth_year or "", contact.stage, contact.purchases,
        _amount(contact.amount_cents), _local(contact.first_purchase_at),
        _local(contact.last_purchase_at), ", ".join(contact.disciplines or []),
        "yes" if contact.marketing_consent else "no", _local(contact.consent_at),
        _cell(contact.consent_text or "") if contact.marketing_consent else "",
    ]


def _machine(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list):
        return ",".join(value)
    return _cell(value) if isinstance(value, str) else value


def _cell(text: str) -> str:
    return inert(text)


def _local(value: datetime | None) -> str:
    if value is None:
        return ""
    local = value.astimezone(PARIS)
    return f"{local.day:02d}/{local.month:02d}/{local.year} {local.hour:02d}:{local.minute:02d}"


def _amount(cents: int) -> str:
    return f"{cents // 100},{cents % 100:02d}"
