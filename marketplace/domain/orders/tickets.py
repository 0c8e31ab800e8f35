"""Tickets as a buyer carries them: QR codes (segno: SVG and PNG) and a calendar entry."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

import segno
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.domain.errors import NotFound
from marketplace.domain.orders.models import Order, Ticket
from marketplace.domain.orders.short_codes import new_short_code

# Ticket codes are 22 URL-safe characters (new_ticket_code); anything else is not one.
TICKET_CODE_MAX_LENGTH = 32
DEFAULT_DURATION = timedelta(hours=2)


def paid_ticket(session: Session, code: object) -> Ticket:
    """The ticket with this code, if its order is paid; anything else is not found (404)."""
    ticket = None
    if isinstance(code, str) and 0 < len(code) <= TICKET_CODE_MAX_LENGTH:
        ticket = session.scalar(
            select(Ticket).join(Order).where(Ticket.code == code, Order.status == "paid"))
    if ticket is None:
        raise NotFound("There is no such ticket.", code="unknown_ticket")
    return ticket


def fresh_short_codes(session: Session, count: int) -> list[str]:
    """`count` new short codes, distinct and used by no ticket yet (drawn again on collision).

    The unique index on tickets.short_code stays the last word should two confirmations draw
    the same code at the same instant (about one chance in 10^12).
    """
    codes: set[str] = set()
    while len(codes) < count:
        drawn = {new_short_code() for _ in range(count - len(codes))} - codes
        taken = set(session.scalars(select(Ticket.short_code)
                                    .where(Ticket.short_code.in_(drawn))))
        codes |= drawn - taken
    return sorted(codes)


def _qr(code: str) -> segno.QRCode:
    # Error correction "M": still scans with a crease or a cracked phone screen.
    return segno.make(code, error="m", micro=False)


def qr_svg_inline(code: str, title: str = "") -> str:
    """The QR code as an <svg> element for a page (black on white, with its quiet zone)."""
    return _qr(code).svg_inline(dark="#000", light="#fff", omitsize=True, title=title or None,
                                svgclass="ticket__qr-code")


def qr_svg(code: str, *, scale: int = 8) -> bytes:
    """The QR code as a standalone SVG file."""
    buffer = io.BytesIO()
    _qr(code).save(buffer, kind="svg", scale=scale, dark="#000", light="#fff")
    return buffer.getvalue()


def qr_png(code: str, *, scale: int = 10) -> bytes:
    buffer = io.BytesIO()
    _qr(code).save(buffer, kind="png", scale=scale, dark="#000", light="#fff")
    return buffer.getvalue()


def _ics_text(value: str) -> str:
    """Escape a value for an iCalendar TEXT property (RFC 5545, 3.3.11)."""
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n"))


def _ics_time(value: datetime) -> str:
    return value.strftime("%Y%m%dT%H%M%SZ")


def _fold(line: str) -> str:
    """Lines of at most 75 octets, continued with a leading space (RFC 5545, 3.1)."""
    encoded, parts = line.encode(), []
    while len(encoded) > (limit := 74 if parts else 75):  # continuations start with a space
        cut = limit
        while (encoded[cut] & 0xC0) == 0x80:  # never split a UTF-8 character
            cut -= 1
        parts.append(encoded[:cut].decode())
        encoded = encoded[cut:]
    parts.append(encoded.decode())
    return "\r\n ".join(parts)


def order_calendar(order: Order, order_url: str, now: datetime) -> str:
    """An iCalendar file with the performance, for "add to calendar"."""
    performance = order.release.performance
    show, venue = performance.show, performance.venue
    duration = timedelta(minutes=show.duration_minutes) if show.duration_minutes \
        else DEFAULT_DURATION
    place = ", ".join(part for part in (venue.name, venue.address,
                                        f"{venue.postcode} {venue.city}") if part)
    lines = [
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Kiosque//Billets//FR",
        "CALSCALE:GREGORIAN", "METHOD:PUBLISH", "BEGIN:VEVENT",
        f"UID:order-{order.id}@kiosque", f"DTSTAMP:{_ics_time(now)}",
        f"DTSTART:{_ics_time(performance.starts_at)}",
        f"DTEND:{_ics_time(performance.starts_at + duration)}",
        f"SUMMARY:{_ics_text(show.title)}",
        f"LOCATION:{_ics_text(place)}",
        f"GEO:{venue.lat:.6f};{venue.lng:.6f}",
        f"DESCRIPTION:{_ics_text(f'{order.quantity} × {order.release.category}. {order_url}')}",
        f"URL:{order_url}",
        "STATUS:CONFIRMED" if performance.status == "scheduled" else "STATUS:CANCELLED",
        "END:VEVENT", "END:VCALENDAR",
    ]
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
