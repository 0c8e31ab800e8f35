"""What the door shows around each scan: tonight's performance, how many are in, who is
expected (to find a name when a phone will not show its ticket). A venue's own tickets only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from marketplace.domain.catalog.models import Performance, Show, Venue
from marketplace.domain.catalog.services import fold_accents
from marketplace.domain.inventory.models import Release
from marketplace.domain.orders.checkins import ADMISSION_CLOSES_AFTER, ADMISSION_OPENS_BEFORE
from marketplace.domain.orders.models import Order, Ticket

DEFAULT_DURATION = timedelta(hours=2)
TICKET_LIST_LIMIT = 200  # one performance's Kiosque tickets; more than that: search a name


@dataclass(frozen=True)
class DoorPerformance:
    id: int
    title: str
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class DoorCount:
    scanned: int
    expected: int


@dataclass(frozen=True)
class DoorTicket:
    ticket_id: int
    short_code: str
    buyer_name: str
    category: str
    seat_number: int
    seats: int
    checked_in_at: datetime | None


def door_performances(session: Session, venue: Venue, now: datetime) -> list[DoorPerformance]:
    """The venue's scheduled performances whose tickets open the door now, by start time."""
    rows = session.execute(
        select(Performance.id, Show.title, Performance.starts_at, Show.duration_minutes)
        .join(Show, Show.id == Performance.show_id)
        .where(Show.venue_id == venue.id, Performance.status == "scheduled",
               Performance.starts_at >= now - ADMISSION_CLOSES_AFTER,
               Performance.starts_at <= now + ADMISSION_OPENS_BEFORE)
        .order_by(Performance.starts_at, Performance.id))
    return [_door_performance(*row) for row in rows]


def next_performance(session: Session, venue: Venue, now: datetime) -> DoorPerformance | None:
    """The performance the door is for now: the first not yet over, else the latest one
    still admitting, else the next one to come (days ahead)."""
    admitting = door_performances(session, venue, now)
    running = [p for p in admitting if p.ends_at > now]
    if running:
        return running[0]
    if admitting:
        return admitting[-1]
    row = session.execute(
        select(Performance.id, Show.title, Performance.starts_at, Show.duration_minutes)
        .join(Show, Show.id == Performance.show_id)
        .where(Show.venue_id == venue.id, Performance.status == "scheduled",
               Performance.starts_at > now)
        .order_by(Performance.starts_at, Performance.id).limit(1)).first()
    return _door_performance(*row) if row else None


def venue_performance(session: Session, venue: Venue,
                      performance_id: object) -> DoorPerformance | None:
    """One of the venue's performances by id (None for anything else, another venue's too)."""
    if not isinstance(performance_id, int):
        return None
    row = session.execute(
        select(Performance.id, Show.title, Performance.starts_at, Show.duration_minutes)
        .join(Show, Show.id == Performance.show_id)
        .where(Performance.id == performance_id, Show.venue_id == venue.id)).first()
    return _door_performance(*row) if row else None


def door_count(session: Session, performance_id: int) -> DoorCount:
    """Tickets of the performance's paid orders: how many are in, out of how many."""
    scanned, expected = session.execute(
        select(func.count(Ticket.checked_in_at), func.count(Ticket.id))
        .join(Order, Order.id == Ticket.order_id)
        .join(Release, Release.id == Order.release_id)
        .where(Release.performance_id == performance_id, Order.status == "paid")).one()
    return DoorCount(scanned=scanned, expected=expected)


def door_tickets(session: Session, performance_id: int, search: str = "") -> list[DoorTicket]:
    """The performance's paid tickets by buyer name; `search` keeps the names that contain
    it, whatever the case and accents."""
    rows = session.execute(
        select(Ticket.id, Ticket.short_code, Ticket.order_id, Ticket.checked_in_at,
               Order.buyer_name, Order.quantity, Release.category)
        .join(Order, Order.id == Ticket.order_id)
        .join(Release, Release.id == Order.release_id)
        .where(Release.performance_id == performance_id, Order.status == "paid")
        .order_by(Ticket.order_id, Ticket.id)).all()
    wanted = _folded(search)
    tickets, seat_of_order = [], {}
    for row in rows:
        seat_of_order[row.order_id] = seat_of_order.get(row.order_id, 0) + 1
        name = row.buyer_name or ""
        if wanted and wanted not in _folded(name):
            continue
        tickets.append(DoorTicket(row.id, row.short_code, name, row.category,
                                  seat_of_order[row.order_id], row.quantity,
                                  row.checked_in_at))
    tickets.sort(key=lambda t: (_folded(t.buyer_name), t.seat_number, t.ticket_id))
    return tickets[:TICKET_LIST_LIMIT]


def buyer_names(session: Session, venue: Venue, ticket_ids: list[int]) -> dict[int, str]:
    """The buyer's name of each of these tickets, for the venue's own tickets only."""
    if not ticket_ids:
        return {}
    rows = session.execute(
        select(Ticket.id, Order.buyer_name).join(Order, Order.id == Ticket.order_id)
        .where(Ticket.id.in_(ticket_ids), Order.venue_id == venue.id))
    return {ticket_id: name or "" for ticket_id, name in rows}


def _folded(text: str) -> str:
    return fold_accents(text).casefold().strip()


def _door_performance(performance_id: int, title: str, starts_at: datetime,
                      duration_minutes: int | None) -> DoorPerformance:
    duration = timedelta(minutes=duration_minutes) if duration_minutes else DEFAULT_DURATION
    return DoorPerformance(performance_id, title, starts_at, starts_at + duration)
