"""Shows and performances in the portal: several dates at once, edits, cancellation, refunds."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from marketplace.domain.models import Order, Performance, Show
from marketplace.domain.timeutil import PARIS
from tests.buying import bought, emails_to
from tests.factories import (
    MembershipFactory,
    PerformanceFactory,
    ReleaseFactory,
    ShowFactory,
    VenueFactory,
    log_in,
)


@pytest.fixture
def frozen(now):
    with time_machine.travel(now, tick=False):
        yield now


@pytest.fixture
def manager(db, client, frozen):
    """A logged-in manager (at the frozen time: a session signed later would look forged)."""
    membership = MembershipFactory(role="manager", venue=VenueFactory(name="La Criée"))
    db.session.commit()
    log_in(client, membership.user)
    return membership


def url(membership, path: str = "") -> str:
    return f"/portal/venues/{membership.venue.slug}/{path}"


def performances(db, venue) -> list[Performance]:
    db.session.expire_all()
    return list(db.session.scalars(select(Performance).where(Performance.venue_id == venue.id)
                                   .order_by(Performance.starts_at)))


def test_a_new_show_is_scheduled_on_several_dates_at_once(db, client, frozen, manager):
    response = client.post(url(manager, "performances/new"), data={
        "show_id": "", "title": "Le Misanthrope", "discipline": "theatre",
        "duration_minutes": "110", "age_guidance": "dès 12 ans", "description": "Molière.",
        "dates-0": "2026-11-21T20:30", "dates-1": "", "dates-2": "2026-11-22T16:00",
    })
    assert response.status_code == 302
    scheduled = performances(db, manager.venue)
    assert [p.starts_at.astimezone(PARIS).strftime("%d %H:%M") for p in scheduled] == [
        "21 20:30", "22 16:00"]
    assert {p.show.title for p in scheduled} == {"Le Misanthrope"}
    assert scheduled[0].show.duration_minutes == 110


def test_more_dates_of_an_existing_show(db, client, frozen, manager):
    show = ShowFactory(venue=manager.venue, title="Giselle", discipline="dance")
    db.session.commit()
    page = client.get(url(manager, f"performances/new?show={show.id}")).get_data(as_text=True)
    assert f'<option selected value="{show.id}">Giselle</option>' in page
    client.post(url(manager, "performances/new"), data={
        "show_id": str(show.id), "dates-0": "2026-11-27T20:00"})
    [performance] = performances(db, manager.venue)
    assert performance.show_id == show.id
    assert db.session.scalar(select(Show.id).where(Show.title == "Giselle")) == show.id


def test_one_more_date_row_without_javascript(db, client, frozen, manager):
    page = client.post(url(manager, "performances/new"), data={
        "show_id": "", "title": "X", "discipline": "theatre", "add_date": "1",
        "dates-0": "", "dates-1": "", "dates-2": ""}).get_data(as_text=True)
    assert 'name="dates-3"' in page
    assert performances(db, manager.venue) == []


@pytest.mark.parametrize(("data", "message"), [
    ({"title": "", "dates-0": "2026-11-21T20:30"}, "Tapez le titre du nouveau spectacle."),
    ({"title": "X", "dates-0": ""}, "Indiquez au moins une date."),
    ({"title": "X", "dates-0": "2026-11-19T20:30"},
     "La représentation doit commencer dans l&#39;avenir."),
    ({"title": "X", "dates-0": "demain soir"}, "Choisissez une date et une heure."),
    ({"title": "X", "image_url": "ftp://x", "dates-0": "2026-11-21T20:30"},
     "L&#39;adresse de l&#39;image doit commencer par https:// ou http://."),
])
def test_bad_dates_or_show_fields_are_explained_in_french(db, client, frozen, manager, data,
                                                          message):
    response = client.post(url(manager, "performances/new"), data={
        "show_id": "", "discipline": "theatre", **data})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert performances(db, manager.venue) == []


def test_a_show_is_edited(db, client, frozen, manager):
    show = ShowFactory(venue=manager.venue, title="Giselle", discipline="dance")
    db.session.commit()
    response = client.post(url(manager, f"shows/{show.id}"), data={
        "title": "Giselle (version courte)", "discipline": "dance", "duration_minutes": "70",
        "description": "Ballet romantique."})
    assert response.status_code == 302
    db.session.expire_all()
    assert show.title == "Giselle (version courte)" and show.duration_minutes == 70


def test_a_performance_with_nothing_on_sale_can_move(db, client, frozen, manager):
    performance = PerformanceFactory(show__venue=manager.venue,
                                     starts_at=frozen + timedelta(days=2))
    other = PerformanceFactory(show__venue=manager.venue, starts_at=frozen + timedelta(days=3))
    ReleaseFactory(performance=other)
    db.session.commit()
    moved = client.post(url(manager, f"performances/{performance.id}/reschedule"),
                        data={"starts_at": "2026-11-25T21:00"})
    assert moved.status_code == 302
    db.session.expire_all()
    assert performance.starts_at.astimezone(PARIS).strftime("%d %H:%M") == "25 21:00"
    refused = client.post(url(manager, f"performances/{other.id}/reschedule"),
                          data={"starts_at": "2026-11-25T21:00"})
    assert refused.status_code == 422
    assert "son horaire ne peut plus changer" in refused.get_data(as_text=True)


def test_cancelling_a_performance_refunds_its_buyers(app, db, client, now, manager):
    performance = PerformanceFactory(show__venue=manager.venue, starts_at=now + timedelta(hours=6))
    release = ReleaseFactory(performance=performance, sales_open_at=now - timedelta(hours=2))
    db.session.commit()
    order = bought(app, release, 2, now, email="lea@example.org")
    with time_machine.travel(now + timedelta(hours=1), tick=False):
        page = client.get(url(manager, f"performances/{performance.id}")).get_data(as_text=True)
        assert "Léa Martin" in page and "Annuler la représentation" in page
        response = client.post(url(manager, f"performances/{performance.id}/cancel"))
    assert response.status_code == 302
    db.session.expire_all()
    assert performance.status == "cancelled"
    assert db.session.get(Order, order.id).status == "refunded"
    assert len(emails_to("lea@example.org")) == 2  # confirmation, then the refund


def test_a_manager_refunds_one_order(app, db, client, now, manager):
    performance = PerformanceFactory(show__venue=manager.venue, starts_at=now + timedelta(hours=6))
    release = ReleaseFactory(performance=performance, sales_open_at=now - timedelta(hours=2))
    db.session.commit()
    order = bought(app, release, 1, now)
    with time_machine.travel(now + timedelta(hours=1), tick=False):
        response = client.post(url(manager, f"orders/{order.id}/refund"))
    assert response.headers["Location"].endswith(f"performances/{performance.id}")
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == "refunded"
    assert performance.status == "scheduled"


def test_another_venues_order_cannot_be_refunded(app, db, client, now, manager):
    release = ReleaseFactory(performance__starts_at=now + timedelta(hours=6),
                             sales_open_at=now - timedelta(hours=2))
    db.session.commit()
    order = bought(app, release, 1, now)
    response = client.post(url(manager, f"orders/{order.id}/refund"))
    assert response.status_code == 404
    assert db.session.get(Order, order.id).status == "paid"


def test_the_programme_lists_upcoming_and_recent_performances(db, client, frozen, manager):
    PerformanceFactory(show__venue=manager.venue, show__title="Demain",
                       starts_at=frozen + timedelta(days=1))
    PerformanceFactory(show__venue=manager.venue, show__title="Hier",
                       starts_at=frozen - timedelta(days=1))
    PerformanceFactory(show__title="Ailleurs", starts_at=frozen + timedelta(days=1))
    db.session.commit()
    page = client.get(url(manager, "performances")).get_data(as_text=True)
    assert "Demain" in page and "Hier" in page and "Ailleurs" not in page
    assert page.index("Demain") < page.index("Hier")
