"""The agency sees uptake across the region in aggregate, and never a person."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

from marketplace.domain.accounts.services import issue_token
from marketplace.domain.inventory.models import Hold
from marketplace.domain.orders.models import Order
from marketplace.domain.timeutil import PARIS
from marketplace.domain.uptake.dashboard import build_dashboard
from marketplace.domain.uptake.periods import Period
from marketplace.domain.uptake.queries import region_totals, uptake
from tests.factories import ReleaseFactory, VenueFactory

DAY = date(2026, 11, 20)
NOON = datetime(2026, 11, 20, 12, 0, tzinfo=PARIS)
PERSONAL = ("@", "Martin", "buyer_email", "buyer_name", "birth_year", "email", "address")


def sale(db, release, *, paid_at=NOON, quantity=2, unit=1500, face=3000, email="a@x.org",
         postcode="13001", birth_year=None, new=True, status="paid") -> Order:
    hold = Hold(release_id=release.id, quantity=quantity, unit_price_cents=unit,
                status="converted", expires_at=paid_at, created_at=paid_at)
    db.session.add(hold)
    db.session.flush()
    order = Order(hold_id=hold.id, release_id=release.id, venue_id=release.venue_id,
                  status=status, quantity=quantity, unit_price_cents=unit,
                  total_cents=quantity * unit, face_price_cents=face, discount_percent=50,
                  buyer_email=email, buyer_name="Léa Martin", buyer_postcode=postcode,
                  buyer_birth_year=birth_year, token_hash="0" * 64, payment_provider="demo",
                  new_to_venue=new, created_at=paid_at, paid_at=paid_at)
    db.session.add(order)
    return order


def released(venue, quantity=20, opened=NOON, discipline="theatre"):
    return ReleaseFactory(performance__show__venue=venue, performance__show__discipline=discipline,
                          quantity=quantity, sales_open_at=opened - timedelta(hours=1),
                          performance__starts_at=opened + timedelta(hours=6))


def locate(postcode):
    return {"13001": (43.2965, 5.3698), "13100": (43.5297, 5.4474)}.get(postcode)


def test_figures_add_up_per_venue(db):
    criee, gymnase = VenueFactory(slug="la-criee"), VenueFactory(slug="gymnase")
    release = released(criee, quantity=40)
    released(gymnase, quantity=10)
    for n in range(12):
        sale(db, release, email=f"buyer{n}@x.org", birth_year=2000 if n < 3 else 1970,
             new=n % 2 == 0, postcode="13100" if n < 8 else "13001")
    sale(db, release, email="buyer0@x.org", new=False)  # the same buyer again
    # Paid days before the performance (sales opened then): still this day's performance.
    sale(db, release, email="early@x.org", paid_at=NOON - timedelta(days=2), new=False)
    next_week = released(criee, quantity=30, opened=NOON + timedelta(days=7))
    sale(db, next_week, email="other-day@x.org")  # paid today, for a later performance: out
    sale(db, release, email="refunded@x.org", status="refunded")  # not a sale
    db.session.commit()
    rows = {r.group: r.as_dict() for r in uptake(db.session, DAY, DAY, "venue", locate)}
    criee_row = rows["la-criee"]
    assert criee_row["released"] == 40 and criee_row["sold"] == 28
    assert criee_row["sell_through"] == 0.7
    assert criee_row["revenue_cents"] == 28 * 1500 and criee_row["face_value_cents"] == 28 * 3000
    assert criee_row["avg_discount_percent"] == 50.0
    assert criee_row["orders"] == 14 and criee_row["buyers"] == 13
    assert criee_row["new_to_venue_share"] == 0.4286  # 6 of the 14 orders were a first visit
    assert criee_row["under_30_share"] == round(3 / 12, 4)  # of the 12 orders with a birth year
    assert 20 < criee_row["median_buyer_distance_km"] < 30  # most came from Aix
    assert rows["gymnase"]["released"] == 10 and rows["gymnase"]["sold"] == 0


def test_a_group_with_few_buyers_hides_what_could_single_them_out(db):
    release = released(VenueFactory(slug="petite-salle"))
    for n in range(9):
        sale(db, release, email=f"b{n}@x.org", birth_year=2001)
    db.session.commit()
    [row] = [r.as_dict() for r in uptake(db.session, DAY, DAY, "venue", locate)]
    assert row["buyers"] == 9 and row["sold"] == 18  # counts stay
    assert row["under_30_share"] is None and row["median_buyer_distance_km"] is None
    assert row["new_to_venue_share"] is None


def test_groupings_by_discipline_week_and_territory(db):
    venue = VenueFactory(postcode="13007")
    sale(db, released(venue, discipline="dance"))
    # Paid the same day, for a performance a week later: in the week it is played.
    sale(db, released(venue, discipline="dance", opened=NOON + timedelta(days=7)), email="b@x.org")
    db.session.commit()
    end = DAY + timedelta(days=7)
    assert [r.group for r in uptake(db.session, DAY, end, "discipline", locate)] == ["dance"]
    assert [r.group for r in uptake(db.session, DAY, end, "postcode_area", locate)] == ["13"]
    weeks = {r.group: r.sold for r in uptake(db.session, DAY, end, "week", locate)}
    assert weeks == {"2026-W47": 2, "2026-W48": 2}


def test_the_agency_api_answers_aggregates_and_no_personal_data(db, client, now):
    release = released(VenueFactory(slug="la-criee"))
    for n in range(11):
        sale(db, release, email=f"lea{n}@example.org", birth_year=1999)
    token = issue_token(db.session, venue=None, now=now)
    db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    for group_by in ("venue", "discipline", "week", "postcode_area"):
        response = client.get(f"/api/v1/agency/uptake?from={DAY}&to={DAY}&group_by={group_by}",
                              headers=headers)
        assert response.status_code == 200
        text = json.dumps(response.get_json())
        assert not any(word in text for word in PERSONAL), text
    csv = client.get(f"/api/v1/agency/uptake?from={DAY}&to={DAY}&format=csv", headers=headers)
    assert csv.mimetype == "text/csv" and csv.data.startswith("\ufeff".encode())
    assert "la-criee" in csv.get_data(as_text=True)
    assert not any(word in csv.get_data(as_text=True) for word in PERSONAL)


def test_the_agency_api_refuses_venues_and_strangers(db, client, now):
    venue_token = issue_token(db.session, venue=VenueFactory(), now=now)
    db.session.commit()
    assert client.get("/api/v1/agency/uptake").status_code == 401
    response = client.get("/api/v1/agency/uptake",
                          headers={"Authorization": f"Bearer {venue_token}"})
    assert response.status_code == 401
    # Who asks is checked before what they ask: no hint about the parameters to strangers.
    for query in ("from=nonsense", "group_by=person", "format=xml"):
        response = client.get(f"/api/v1/agency/uptake?{query}")
        assert response.status_code == 401, query
        assert response.get_json()["error"] == "unauthorized"


def test_bad_periods_get_a_clear_422(db, client, now):
    token = issue_token(db.session, venue=None, now=now)
    db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    for query in ("from=2026-11-20&to=2026-11-01", "from=nonsense", "group_by=person",
                  "from=2020-01-01&to=2026-01-01", "format=xml"):
        response = client.get(f"/api/v1/agency/uptake?{query}", headers=headers)
        assert response.status_code == 422, query
        assert response.get_json()["error"] == "validation_error"


def test_sold_never_exceeds_released_when_sales_are_paid_after_they_opened(db):
    """Seats released for a performance count with its sales, whatever the days they
    opened or were paid: 10 seats opened last week, sold out over days, fill 100 %."""
    venue = VenueFactory(slug="le-liberte")
    release = released(venue, quantity=10, opened=NOON)
    release.sales_open_at = NOON - timedelta(days=9)
    for n in range(5):
        sale(db, release, paid_at=NOON - timedelta(days=8 - n), email=f"b{n}@x.org")
    db.session.commit()
    for start, end in ((DAY, DAY), (DAY - timedelta(days=6), DAY)):
        [row] = uptake(db.session, start, end, "venue", locate)
        assert (row.released, row.sold, row.sell_through) == (10, 10, 1.0)
    # The week before (when sales opened and most were paid) has no performance: nothing.
    before = uptake(db.session, DAY - timedelta(days=9), DAY - timedelta(days=1), "venue",
                    locate)
    assert before == []


def test_the_regions_new_to_the_venue_share_is_the_rows_weighted_by_their_orders(db):
    """Counted over orders, a buyer new to one venue only is not « new » to the region."""
    first, second = VenueFactory(slug="premier"), VenueFactory(slug="second")
    one, two = released(first, quantity=60), released(second, quantity=60)
    for n in range(10):  # ten buyers, new at the first venue, regulars at the second
        sale(db, one, email=f"b{n}@x.org", new=True, quantity=1)
        sale(db, two, email=f"b{n}@x.org", new=False, quantity=1)
    db.session.commit()
    rows = {r.group: r.new_to_venue_share for r in uptake(db.session, DAY, DAY, "venue",
                                                           locate)}
    assert rows == {"premier": 1.0, "second": 0.0}
    totals = region_totals(db.session, DAY, DAY, locate)
    assert totals.new_to_venue_share == 0.5  # not 1.0: ten new of twenty orders
    assert totals.buyers == 10


def test_the_dashboard_carries_the_seats_of_each_venue_for_the_map(db):
    criee = VenueFactory(slug="la-criee")
    sale(db, released(criee, quantity=8, discipline="dance"), quantity=2)
    db.session.commit()
    dashboard = build_dashboard(db.session, Period(DAY, DAY), "discipline", locate)
    assert [(r.group, r.released, r.sold, r.sell_through) for r in dashboard.venues] == [
        ("la-criee", 8, 2, 0.25)]
