"""Letting people in at the door: one scan, one answer, and a ticket admitted at most once.

Admission is a single guarded UPDATE (`… SET checked_in_at = now WHERE code = :code AND
checked_in_at IS NULL`): when two doors scan the same ticket at the same moment, the
database lets exactly one of them through and the other is told when, and by whom.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from marketplace.domain.accounts.models import User
from marketplace.domain.catalog.models import Performance, Show, Venue
from marketplace.domain.db import transaction
from marketplace.domain.inventory.models import Release
from marketplace.domain.orders.models import Order, Ticket
from marketplace.domain.orders.short_codes import (
    format_short_code,
    looks_like_short_code,
    read_short_code,
)

OK, ALREADY, UNKNOWN, OTHER_VENUE, CANCELLED, WRONG_TIME, MISTYPED = (
    "ok", "already_checked_in", "unknown_ticket", "other_venue", "cancelled", "wrong_time",
    "mistyped_code")
OUTCOMES = (OK, ALREADY, UNKNOWN, OTHER_VENUE, CANCELLED, WRONG_TIME, MISTYPED)
# A ticket opens the door from the morning of its performance until well after the end.
ADMISSION_OPENS_BEFORE = timedelta(hours=12)
ADMISSION_CLOSES_AFTER = timedelta(hours=6)
_CODE = re.compile(r"[A-Za-z0-9_-]{1,32}")


@dataclass(frozen=True)
class CheckinAnswer:
    """What the door is told about one scan (details only for the venue's own tickets)."""

    outcome: str
    code: str
    performance_id: int | None = None
    show_title: str | None = None
    starts_at: datetime | None = None
    category: str | None = None
    buyer_name: str | None = None
    seat_number: int | None = None  # this ticket is seat n of the order's `seats`
    seats: int | None = None
    checked_in_at: datetime | None = None
    checked_in_by: str | None = None  # a staff name; None when the venue's system scanned
    short_code: str | None = None  # canonical (orders.short_codes); only for the venue's own
    ticket_id: int | None = None  # only for the venue's own tickets

    @property
    def admitted(self) -> bool:
        return self.outcome == OK


def ticket_code_from_scan(scanned: object) -> str:
    """The ticket code in what a scanner read: the bare code, or a ticket link carrying it."""
    if not isinstance(scanned, str):
        return ""
    value = scanned.strip()
    if "/" in value or "?" in value:
        parts = urlsplit(value)
        from_query = parse_qs(parts.query).get("code")
        segments = [s for s in parts.path.split("/") if s]
        value = from_query[0] if from_query else (segments[-1] if segments else "")
    return value if _CODE.fullmatch(value) else ""


def check_in(session: Session, venue: Venue, scanned: object, *, staff: User | None,
             now: datetime) -> CheckinAnswer:
    """Admit the ticket `scanned` (QR code, ticket link or short code) at the venue's door,
    or say why not (never raises)."""
    code = ticket_code_from_scan(scanned)
    shown = code or (scanned.strip()[:40] if isinstance(scanned, str) else "")
    if looks_like_short_code(scanned):  # typed by a person: never a 22-character code
        short_code = read_short_code(scanned)
        if short_code is None:
            return CheckinAnswer(MISTYPED, shown)
        ticket = _read_ticket(session, Ticket.short_code == short_code)
        shown = format_short_code(short_code)
    else:
        ticket = _read_ticket(session, Ticket.code == code) if code else None
    if ticket is None:
        return CheckinAnswer(UNKNOWN, shown)
    code = ticket.code
    if ticket.venue_id != venue.id:
        return CheckinAnswer(OTHER_VENUE, code)
    details = _details(session, ticket)
    if ticket.order_status != "paid" or ticket.performance_status != "scheduled":
        return CheckinAnswer(CANCELLED, **details)
    if ticket.checked_in_at is None and not (
            ticket.starts_at - ADMISSION_OPENS_BEFORE <= now
            <= ticket.starts_at + ADMISSION_CLOSES_AFTER):
        return CheckinAnswer(WRONG_TIME, **details)
    with transaction(session):
        admitted = session.execute(
            update(Ticket)
            .where(Ticket.code == code, Ticket.checked_in_at.is_(None))
            .values(checked_in_at=now, checked_in_by_id=staff.id if staff else None)
            .returning(Ticket.id)
            .execution_options(synchronize_session=False)
        ).first()
    if admitted is not None:
        by = (staff.name or staff.email) if staff else None
        return CheckinAnswer(OK, checked_in_at=now, checked_in_by=by, **details)
    checked_in_at, by = session.execute(
        select(Ticket.checked_in_at, func.coalesce(func.nullif(User.name, ""), User.email))
        .outerjoin(User, User.id == Ticket.checked_in_by_id)
        .where(Ticket.code == code)).one()
    return CheckinAnswer(ALREADY, checked_in_at=checked_in_at, checked_in_by=by, **details)


def _read_ticket(session: Session, which):
    row = session.execute(
        select(Ticket.id, Ticket.code, Ticket.short_code, Ticket.order_id, Ticket.checked_in_at,
               Order.venue_id, Order.status.label("order_status"), Order.buyer_name,
               Order.quantity, Release.category, Performance.id.label("performance_id"),
               Performance.starts_at, Performance.status.label("performance_status"),
               Show.title)
        .join(Order, Order.id == Ticket.order_id)
        .join(Release, Release.id == Order.release_id)
        .join(Performance, Performance.id == Release.performance_id)
        .join(Show, Show.id == Performance.show_id)
        .where(which)
    ).one_or_none()
    return row


def _details(session: Session, ticket) -> dict:
    seat_number = session.scalar(select(func.count()).select_from(Ticket).where(
        Ticket.order_id == ticket.order_id, Ticket.id <= ticket.id))
    return {
        "code": ticket.code, "short_code": ticket.short_code, "ticket_id": ticket.id,
        "performance_id": ticket.performance_id,
        "show_title": ticket.title, "starts_at": ticket.starts_at,
        "category": ticket.category, "buyer_name": ticket.buyer_name,
        "seat_number": seat_number, "seats": ticket.quantity,
    }
