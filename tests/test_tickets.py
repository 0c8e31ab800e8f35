"""Tickets: one per seat, unguessable codes, QR codes that scan, a calendar entry."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import segno

from marketplace.domain.orders.models import new_ticket_code
from marketplace.domain.orders.tickets import order_calendar, qr_png, qr_svg, qr_svg_inline
from tests.buying import bought, checkout, hold_seats
from tests.factories import ReleaseFactory


@pytest.fixture
def order(app, db, now):
    release = ReleaseFactory(
        quantity=10, category="Placement libre", performance__show__title="Crowd, le bal",
        performance__show__duration_minutes=75,
        performance__show__venue__name="Le Silo; Marseille, quai",
        performance__show__venue__address="35 quai du Lazaret")
    db.session.commit()
    return bought(app, release, 3, now)


def test_ticket_codes_carry_128_bits_and_never_repeat():
    codes = {new_ticket_code() for _ in range(5000)}
    assert len(codes) == 5000
    assert all(len(code) == 22 for code in codes)  # 16 random bytes, URL-safe base64


def test_the_qr_code_says_the_ticket_code_in_svg_and_png():
    code = new_ticket_code()
    svg = qr_svg(code).decode()
    assert svg.startswith("<?xml") and "<svg" in svg and 'fill="#fff"' in svg
    inline = qr_svg_inline(code, "Billet 1")
    assert inline.startswith("<svg") and "<title>Billet 1</title>" in inline
    png = qr_png(code)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    # The same content, re-encoded, gives the same matrix: what is drawn is the code.
    expected = segno.make(code, error="m", micro=False)
    buffer = io.BytesIO()
    expected.save(buffer, kind="png", scale=10, dark="#000", light="#fff")
    assert buffer.getvalue() == png


def test_qr_images_are_served_for_paid_tickets_only(app, client, db, order, now):
    code = order.tickets[0].code
    svg = client.get(f"/tickets/{code}.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    png = client.get(f"/tickets/{code}.png")
    assert png.status_code == 200 and png.data[:4] == b"\x89PNG"
    assert "private" in png.headers["Cache-Control"]
    assert client.get("/tickets/not-a-ticket.svg").status_code == 404
    assert client.get(f"/tickets/{'x' * 300}.png").status_code == 404
    pending = checkout(app, hold_seats(order.release, 1, now), now).order
    assert pending.tickets == []


def test_the_calendar_entry_is_valid_icalendar(app, client, db, order, now):
    from marketplace.domain.orders.access import order_links

    links = order_links(app.config)
    text = order_calendar(order, links.order_url(order.id), now)
    lines = text.split("\r\n")
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-2] == "END:VCALENDAR" and lines[-1] == ""
    assert "DTSTART:20261120T200000Z" in lines and "DTEND:20261120T211500Z" in lines
    assert "SUMMARY:Crowd\\, le bal" in lines
    assert any(line.startswith("LOCATION:Le Silo\\; Marseille\\, quai") for line in lines)
    assert all(len(line.encode()) <= 75 for line in lines)  # folded
    unfolded = text.replace("\r\n ", "")
    assert f"/orders/{order.id}?token=" in unfolded

    response = client.get(f"/orders/{order.id}/calendar.ics",
                          query_string={"token": links.key(order.id)})
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    assert "attachment" in response.headers["Content-Disposition"]
    assert client.get(f"/orders/{order.id}/calendar.ics?token=wrong").status_code == 404


def test_the_ticket_page_shows_one_qr_code_per_seat_and_the_practical_information(
        app, client, db, order):
    from marketplace.domain.orders.access import order_links

    key = order_links(app.config).key(order.id)
    page = client.get(f"/orders/{order.id}?token={key}").get_data(as_text=True)
    assert page.count('class="ticket__qr-code"') == 3
    for ticket in order.tickets:  # the long code is in the QR; people type the short one
        short = ticket.short_code
        assert f"{short[:4]}-{short[4:8]}-{short[8]}" in page
    assert "35 quai du Lazaret" in page and "Pour venir" in page
    assert "Billet 3 sur 3" in page and "75 minutes" in page
    assert "js/tickets.js" in page  # print button and offline copy


def test_the_offline_worker_is_served_for_the_order_pages(client):
    response = client.get("/orders/sw.js")
    assert response.status_code == 200 and "javascript" in response.mimetype
    assert "caches.match" in response.get_data(as_text=True)


def test_checked_in_tickets_say_so(app, client, db, order, now):
    from marketplace.domain.orders.access import order_links

    order.tickets[0].checked_in_at = now + timedelta(hours=3, minutes=40)
    db.session.commit()
    key = order_links(app.config).key(order.id)
    page = client.get(f"/orders/{order.id}?token={key}").get_data(as_text=True)
    assert "Entrée validée à 20:40" in page
