"""A venue's sales: seats and money per performance and per day, the API's `since`, the CSV."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from marketplace.domain.inventory.services import place_hold
from marketplace.domain.orders.payments import gateway_for
from marketplace.domain.orders.sales import (
    Money,
    daily_sales,
    order_lines,
    paris_days,
    performance_sales,
    sales_csv,
    sales_since,
    total_of,
)
from marketplace.domain.purchases.cancellation import refund_order
from marketplace.domain.timeutil import PARIS
from tests.buying import bought
from tests.factories import (
    MembershipFactory,
    PerformanceFactory,
    ReleaseFactory,
    VenueFactory,
    log_in,
)

PERCENT = 8


@pytest.fixture
def venue(db):
    venue = VenueFactory(name="La Criée")
    db.session.commit()
    return venue


def on_sale(venue, now, starts_in=timedelta(hours=6), **release):
    performance = PerformanceFactory(show__venue=venue, show__title="Le Misanthrope",
                                     starts_at=now + starts_in)
    release = ReleaseFactory(performance=performance, sales_open_at=now - timedelta(days=1),
                             **release)
    return release


def test_the_platform_commission_is_rounded_half_up_to_the_cent():
    assert Money.split(1234, 8) == Money(1234, 99, 1135)  # 98.72
    assert Money.split(1250, 8) == Money(1250, 100, 1150)
    assert Money.split(1000, 7.5) == Money(1000, 75, 925)
    assert Money.split(0, 8) == Money(0, 0, 0)


def test_a_performance_shows_sold_held_left_and_what_the_venue_is_paid(app, db, venue, now):
    release = on_sale(venue, now, quantity=20, face_price_cents=3000)
    ReleaseFactory(performance=release.performance, category="Balcon", quantity=5,
                               status="withdrawn")
    db.session.commit()
    first = bought(app, release, 2, now)
    second = bought(app, release, 3, now + timedelta(minutes=5))
    place_hold(db.session, release.id, 4, now + timedelta(minutes=20), 600)  # being bought
    place_hold(db.session, release.id, 1, now, 600)  # lapsed by the time we look
    [row] = performance_sales(db.session, venue, start=now, end=now + timedelta(days=1),
                              now=now + timedelta(minutes=25), commission_percent=PERCENT)
    assert row.show_title == "Le Misanthrope"
    assert (row.released, row.sold, row.held, row.left) == (25, 5, 4, 11)
    by_category = {r.category: r for r in row.releases}
    assert by_category["Balcon"].left == 0  # withdrawn: nothing more on sale
    revenue = first.total_cents + second.total_cents
    assert row.orders == 2
    assert row.money == Money.split(revenue, PERCENT)
    assert row.money.payout_cents == revenue - round(revenue * 0.08)


def test_another_venues_performances_and_refunded_orders_do_not_count(app, db, venue, now):
    mine = on_sale(venue, now)
    theirs = on_sale(VenueFactory(), now)
    db.session.commit()
    kept = bought(app, mine, 1, now)
    refunded = bought(app, mine, 2, now)
    bought(app, theirs, 4, now)
    refund_order(db.session, venue, refunded.id, now + timedelta(minutes=3),
                 gateway_for(app.config))
    [row] = performance_sales(db.session, venue, start=now, end=now + timedelta(days=1),
                              now=now + timedelta(minutes=5), commission_percent=PERCENT)
    assert row.orders == 1 and row.money.revenue_cents == kept.total_cents


def test_sales_are_grouped_by_paris_day_of_payment(app, db, venue):
    # 23:40 and 00:20 in Paris on either side of midnight, in winter (UTC+1).
    late = datetime(2026, 11, 20, 22, 30, tzinfo=UTC)
    release = on_sale(venue, late, starts_in=timedelta(days=2))
    db.session.commit()
    evening = bought(app, release, 1, late + timedelta(minutes=10))  # paid 23:41
    night = bought(app, release, 2, late + timedelta(minutes=50))  # paid 00:21 the next day
    start, end = paris_days(datetime(2026, 11, 20).date(), datetime(2026, 11, 21).date())
    assert start == datetime(2026, 11, 19, 23, 0, tzinfo=UTC)
    days = daily_sales(db.session, venue, start=start, end=end, commission_percent=PERCENT)
    assert [(d.day.isoformat(), d.orders, d.seats, d.money.revenue_cents) for d in days] == [
        ("2026-11-21", 1, 2, night.total_cents), ("2026-11-20", 1, 1, evening.total_cents)]
    total = total_of(days, PERCENT)
    assert total.orders == 2 and total.money == Money.split(
        evening.total_cents + night.total_cents, PERCENT)


def test_sales_since_an_instant_include_later_refunds(app, db, venue, now):
    release = on_sale(venue, now)
    other = on_sale(VenueFactory(), now)
    db.session.commit()
    early = bought(app, release, 1, now)
    late = bought(app, release, 2, now + timedelta(hours=1))
    bought(app, other, 1, now + timedelta(hours=1))
    since = late.paid_at
    assert [s.order_id for s in sales_since(db.session, venue, None).sales] == [early.id,
                                                                                late.id]
    assert [s.order_id for s in sales_since(db.session, venue, since).sales] == [late.id]
    refund_order(db.session, venue, early.id, now + timedelta(hours=2), gateway_for(app.config))
    again = sales_since(db.session, venue, now + timedelta(hours=2)).sales
    assert [(s.order_id, s.status) for s in again] == [(early.id, "refunded")]
    sale = next(s for s in sales_since(db.session, venue, since).sales if s.order_id == late.id)
    assert sale.buyer["email"] == "lea.martin@example.org"
    assert len(sale.tickets) == 2 and sale.performance_id == release.performance_id


def test_sales_come_a_page_at_a_time(app, db, venue, now):
    release = on_sale(venue, now, quantity=50)
    db.session.commit()
    orders = [bought(app, release, 1, now + timedelta(minutes=n)) for n in range(5)]
    first = sales_since(db.session, venue, None, per_page=2)
    last = sales_since(db.session, venue, None, page=3, per_page=2)
    assert [s.order_id for s in first.sales] == [o.id for o in orders[:2]]
    assert first.next_page == 2
    assert [s.order_id for s in last.sales] == [orders[4].id] and last.next_page is None


def test_the_csv_opens_cleanly_in_a_french_spreadsheet(app, db, venue, now):
    release = on_sale(venue, now, face_price_cents=2550)
    db.session.commit()
    order = bought(app, release, 2, now, name="Zoé Lefèvre", postcode="13007")
    body = sales_csv(order_lines(db.session, venue, start=now, end=now + timedelta(days=1)),
                     PERCENT)
    assert body.startswith(b"\xef\xbb\xbf")  # UTF-8 byte order mark, for spreadsheets
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["paid_at", "order", "show"]
    line = dict(zip(rows[0], rows[1], strict=True))
    assert line["show"] == "Le Misanthrope" and line["buyer_name"] == "Zoé Lefèvre"
    assert line["seats"] == "2" and line["face_price"] == "25,50"
    total = order.total_cents
    assert line["total"] == f"{total // 100},{total % 100:02d}"
    money = Money.split(total, PERCENT)
    assert line["venue_payout"] == f"{money.payout_cents // 100},{money.payout_cents % 100:02d}"
    assert line["paid_at"] == order.paid_at.astimezone(PARIS).strftime("%d/%m/%Y %H:%M")
    assert body.count(b"\r\n") == 2


def test_a_buyers_name_cannot_become_a_formula_in_the_sales_csv(app, db, venue, now):
    release = on_sale(venue, now)
    release.category = "+Placement libre"
    db.session.commit()
    bought(app, release, 1, now, name='=HYPERLINK("http://evil.example","Cliquez")')
    body = sales_csv(order_lines(db.session, venue, start=now, end=now + timedelta(days=1)),
                     PERCENT)
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    line = dict(zip(rows[0], rows[1], strict=True))
    assert line["buyer_name"] == '\'=HYPERLINK("http://evil.example","Cliquez")'
    assert line["category"] == "'+Placement libre" and line["show"] == "Le Misanthrope"


# The pages ------------------------------------------------------------------------------


@pytest.fixture
def box_office(db, client, venue, now):
    membership = MembershipFactory(venue=venue, role="box_office")
    db.session.commit()
    with time_machine.travel(now, tick=False):
        log_in(client, membership.user)
    return membership


def test_the_sales_page_refreshes_itself_through_htmx(app, db, client, venue, now, box_office):
    release = on_sale(venue, now)
    db.session.commit()
    bought(app, release, 2, now)
    with time_machine.travel(now + timedelta(minutes=5), tick=False):
        page = client.get(f"/portal/venues/{venue.slug}/sales")
        fragment = client.get(f"/portal/venues/{venue.slug}/sales",
                              headers={"HX-Request": "true"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<html" in html
    assert 'hx-trigger="every 10s' in html and "Le Misanthrope" in html
    part = fragment.get_data(as_text=True)
    assert "<html" not in part and "Le Misanthrope" in part and "Reversé au lieu" in part
    assert "HX-Request" in fragment.headers["Vary"]


def test_the_csv_download(app, db, client, venue, now, box_office):
    release = on_sale(venue, now)
    db.session.commit()
    bought(app, release, 1, now)
    with time_machine.travel(now + timedelta(minutes=5), tick=False):
        response = client.get(f"/portal/venues/{venue.slug}/sales.csv?from=2026-11-01"
                              "&to=2026-11-30")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="kiosque-ventes-{venue.slug}-2026-11-01-2026-11-30.csv"')
    assert response.data.startswith(b"\xef\xbb\xbf") and b"Le Misanthrope" in response.data


def test_the_sales_page_shows_the_length_of_each_performances_waiting_line(
        app, db, client, venue, now, box_office):
    from marketplace.domain.models import WaitlistEntry

    release = on_sale(venue, now, quantity=2)
    db.session.commit()
    bought(app, release, 2, now)
    for n in range(3):
        db.session.add(WaitlistEntry(release_id=release.id, email=f"file{n}@example.org",
                                     quantity=1, locale="fr", status="waiting", joined_at=now))
    db.session.add(WaitlistEntry(release_id=release.id, email="partie@example.org",
                                 quantity=1, locale="fr", status="left", joined_at=now))
    db.session.commit()
    [row] = performance_sales(db.session, venue, start=now, end=now + timedelta(days=1),
                              now=now, commission_percent=PERCENT)
    assert row.waiting == 3
    with time_machine.travel(now + timedelta(minutes=5), tick=False):
        html = client.get(f"/portal/venues/{venue.slug}/sales").get_data(as_text=True)
    assert "Liste d’attente" in html
    assert "file0@example.org" not in html  # a count, never who
