"""The venue API for performances and releases, through the test client."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from marketplace.domain.accounts.services import issue_token
from marketplace.domain.models import Hold, Performance, Release, Show
from marketplace.domain.timeutil import PARIS
from tests.factories import HoldFactory, PerformanceFactory, ReleaseFactory, VenueFactory


@pytest.fixture
def frozen(now):
    """The views read the clock once; pin it to the fixture's instant."""
    with time_machine.travel(now, tick=False):
        yield now


@pytest.fixture
def venue_auth(db, now):
    """A venue, its bearer header, and another venue's header."""
    venue = VenueFactory()
    token = issue_token(db.session, venue=venue, now=now)
    other_token = issue_token(db.session, venue=VenueFactory(), now=now)
    db.session.commit()
    return venue, {"Authorization": f"Bearer {token}"}, {"Authorization": f"Bearer {other_token}"}


def count(db, model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def release_body(performance_id: int, **overrides) -> dict:
    body = {
        "performance_id": performance_id,
        "category": "Placement libre",
        "face_price_cents": 2500,
        "quantity": 30,
        "start_discount_percent": 30,
        "max_discount_percent": 70,
    }
    body.update(overrides)
    return body


# Performances ---------------------------------------------------------------------------


def test_a_venue_schedules_a_performance(db, client, frozen, venue_auth):
    venue, auth, _ = venue_auth
    response = client.post("/api/v1/venue/performances", headers=auth, json={
        "show": {"title": "Le Misanthrope", "discipline": "theatre", "duration_minutes": 110},
        "starts_at": "2026-11-21T20:30:00+01:00",
    })
    assert response.status_code == 201, response.get_json()
    performance = db.session.get(Performance, response.get_json()["id"])
    assert performance.venue_id == venue.id
    assert performance.starts_at.isoformat() == "2026-11-21T19:30:00+00:00"
    assert performance.show.title == "Le Misanthrope"


def test_a_naive_start_time_is_read_as_paris_time(db, client, frozen, venue_auth):
    _, auth, _ = venue_auth
    response = client.post("/api/v1/venue/performances", headers=auth, json={
        "show": {"title": "Giselle", "discipline": "dance"}, "starts_at": "2027-07-14T21:00",
    })
    assert response.status_code == 201
    performance = db.session.get(Performance, response.get_json()["id"])
    assert performance.starts_at.astimezone(PARIS).hour == 21
    assert performance.starts_at.hour == 19  # CEST is UTC+2


@pytest.mark.parametrize(("body", "field"), [
    ({"starts_at": "2026-11-21T20:30:00+01:00"}, "show"),
    ({"show": {"title": "X", "discipline": "dance"}}, "starts_at"),
    ({"show": {"title": "X", "discipline": "jazz"}, "starts_at": "2026-11-21T20:30:00+01:00"},
     "show.discipline"),
    ({"show": {"title": " ", "discipline": "dance"}, "starts_at": "2026-11-21T20:30:00+01:00"},
     "show.title"),
    ({"show": {"title": "X", "discipline": "dance"}, "starts_at": "yesterday"}, "starts_at"),
    ({"show": {"title": "X", "discipline": "dance"}, "starts_at": "2026-11-20T10:00:00+01:00"},
     "starts_at"),
    ({"show": "X", "starts_at": "2026-11-21T20:30:00+01:00"}, "show"),
    ({"show": {"discipline": "dance"}, "starts_at": "2026-11-21T20:30:00+01:00"}, "show.title"),
    ({"show": {"title": "X", "discipline": "dance", "duration_minutes": "long"},
      "starts_at": "2026-11-21T20:30:00+01:00"}, "show.duration_minutes"),
])
def test_bad_performance_input_is_refused_and_creates_nothing(db, client, frozen, venue_auth,
                                                              body, field):
    _, auth, _ = venue_auth
    response = client.post("/api/v1/venue/performances", headers=auth, json=body)
    assert response.status_code == 422
    payload = response.get_json()
    assert payload["error"] == "validation_error"
    assert payload["field"] == field
    assert payload["message"]
    assert count(db, Show) == count(db, Performance) == 0


def test_performances_need_a_venue_token(db, client, frozen):
    response = client.post("/api/v1/venue/performances", json={
        "show": {"title": "X", "discipline": "dance"}, "starts_at": "2026-11-21T20:30:00+01:00"})
    assert response.status_code == 401
    assert count(db, Show) == 0


# Creating releases ----------------------------------------------------------------------


def test_a_venue_puts_seats_on_sale_and_sees_the_schedule(db, client, frozen, venue_auth):
    venue, auth, _ = venue_auth
    performance = PerformanceFactory(show__venue=venue, starts_at=frozen + timedelta(hours=6))
    db.session.commit()
    response = client.post("/api/v1/venue/releases", headers=auth,
                           json=release_body(performance.id))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["offer_id"] == body["id"]
    assert body["status"] == "open"
    assert (body["quantity"], body["sold"], body["held"], body["seats_left"]) == (30, 0, 0, 30)
    assert body["sales_open_at"] == "2026-11-20T16:00:00+00:00"
    assert body["sales_close_at"] == "2026-11-20T22:00:00+00:00"
    assert body["max_discount_at"] == "2026-11-20T21:00:00+00:00"
    assert body["max_per_order"] == 6 and body["curve"] == "linear"
    assert body["price_cents"] == 1750  # 2500 at -30%
    assert body["next_drop_at"] > body["sales_open_at"]
    assert body["schedule"][0]["at"] == body["next_drop_at"]
    assert body["schedule"][-1]["price_cents"] == 750  # 2500 at -70%
    assert db.session.get(Release, body["id"]).venue_id == venue.id


BAD_RELEASES = [
    ({"start_discount_percent": 20}, "start_discount_percent"),
    ({"max_discount_percent": 90}, "max_discount_percent"),
    ({"start_discount_percent": 60, "max_discount_percent": 50}, "start_discount_percent"),
    ({"curve": "cubic"}, "curve"),
    ({"curve": "steps"}, "step_minutes"),
    ({"quantity": 0}, "quantity"),
    ({"quantity": -1}, "quantity"),
    ({"quantity": "12"}, "quantity"),
    ({"quantity": 2.5}, "quantity"),
    ({"face_price_cents": 0}, "face_price_cents"),
    ({"face_price_cents": -200}, "face_price_cents"),
    ({"max_per_order": 0}, "max_per_order"),
    ({"sales_close_at": "2026-11-20T22:01:00+00:00"}, "sales_close_at"),
    ({"sales_open_at": "2026-11-20T20:00:00+00:00", "sales_close_at": "2026-11-20T19:00:00Z"},
     "sales_close_at"),
    ({"max_discount_at": "2026-11-20T23:00:00+00:00"}, "max_discount_at"),
    ({"sales_open_at": "not a date"}, "sales_open_at"),
    ({"category": ""}, "category"),
    ({"colour": "blue"}, "colour"),
]


@pytest.mark.parametrize(("overrides", "field"), BAD_RELEASES)
def test_every_bad_release_input_is_a_422_naming_the_field(db, client, frozen, venue_auth,
                                                           overrides, field):
    venue, auth, _ = venue_auth
    performance = PerformanceFactory(show__venue=venue, starts_at=frozen + timedelta(hours=6))
    db.session.commit()
    response = client.post("/api/v1/venue/releases", headers=auth,
                           json=release_body(performance.id, **overrides))
    assert response.status_code == 422, response.get_json()
    body = response.get_json()
    assert (body["error"], body["field"]) == ("validation_error", field)
    assert body["message"]
    assert count(db, Release) == 0


def test_missing_fields_are_named(db, client, frozen, venue_auth):
    _, auth, _ = venue_auth
    response = client.post("/api/v1/venue/releases", headers=auth, json={"quantity": 3})
    assert response.status_code == 422
    assert response.get_json()["field"] in response.get_json()["fields"]
    assert "performance_id" in response.get_json()["fields"]


def test_malformed_json_is_a_400_and_creates_nothing(db, client, frozen, venue_auth):
    _, auth, _ = venue_auth
    response = client.post("/api/v1/venue/releases", headers=auth, data='{"quantity": 3',
                           content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_json"
    assert count(db, Release) == 0


def test_a_performance_started_or_of_another_venue_gets_no_release(db, client, frozen,
                                                                  venue_auth):
    venue, auth, other_auth = venue_auth
    started = PerformanceFactory(show__venue=venue, starts_at=frozen - timedelta(minutes=1))
    upcoming = PerformanceFactory(show__venue=venue, starts_at=frozen + timedelta(hours=3))
    db.session.commit()
    response = client.post("/api/v1/venue/releases", headers=auth,
                           json=release_body(started.id))
    assert response.status_code == 422
    assert response.get_json()["field"] == "performance_id"
    response = client.post("/api/v1/venue/releases", headers=other_auth,
                           json=release_body(upcoming.id))
    assert response.status_code == 404
    assert response.get_json()["error"] == "unknown_performance"
    response = client.post("/api/v1/venue/releases", json=release_body(upcoming.id))
    assert response.status_code == 401
    assert count(db, Release) == 0


# Changing, withdrawing, reading ---------------------------------------------------------


@pytest.fixture
def on_sale(db, venue_auth):
    venue, _, _ = venue_auth
    release = ReleaseFactory(performance__show__venue=venue, quantity=20, sold=5)
    db.session.commit()
    return release


def test_a_venue_changes_the_quantity(db, client, frozen, venue_auth, on_sale):
    _, auth, _ = venue_auth
    response = client.patch(f"/api/v1/venue/releases/{on_sale.id}", headers=auth,
                            json={"quantity": 12})
    assert response.status_code == 200
    assert (response.get_json()["quantity"], response.get_json()["seats_left"]) == (12, 7)


def test_quantity_below_sold_and_held_is_a_409(db, client, frozen, venue_auth, on_sale):
    _, auth, _ = venue_auth
    HoldFactory(release=on_sale, quantity=3, expires_at=frozen + timedelta(minutes=5))
    on_sale.held = 3
    db.session.commit()
    response = client.patch(f"/api/v1/venue/releases/{on_sale.id}", headers=auth,
                            json={"quantity": 7})
    assert response.status_code == 409
    assert response.get_json()["error"] == "below_sold_and_held"
    assert db.session.get(Release, on_sale.id).quantity == 20


@pytest.mark.parametrize("quantity", [0, -4, "9", None, 1.5])
def test_a_bad_quantity_change_is_a_422(db, client, frozen, venue_auth, on_sale, quantity):
    _, auth, _ = venue_auth
    response = client.patch(f"/api/v1/venue/releases/{on_sale.id}", headers=auth,
                            json={"quantity": quantity})
    assert response.status_code == 422
    assert response.get_json()["field"] == "quantity"
    assert count(db, Release) == 1
    assert db.session.get(Release, on_sale.id).quantity == 20


def test_another_venue_cannot_see_or_touch_a_release(db, client, frozen, venue_auth, on_sale):
    _, _, other_auth = venue_auth
    base = f"/api/v1/venue/releases/{on_sale.id}"
    assert client.get(base, headers=other_auth).status_code == 404
    assert client.patch(base, headers=other_auth, json={"quantity": 6}).status_code == 404
    assert client.post(f"{base}/withdraw", headers=other_auth).status_code == 404
    assert client.get(base).status_code == 401
    assert client.patch(base, json={"quantity": 6}).status_code == 401
    assert client.post(f"{base}/withdraw").status_code == 401
    db.session.expire_all()
    release = db.session.get(Release, on_sale.id)
    assert (release.quantity, release.status) == (20, "open")


def test_unknown_release_ids_are_404(client, frozen, venue_auth):
    _, auth, _ = venue_auth
    for release_id in (424242, 99999999999999999999):
        response = client.get(f"/api/v1/venue/releases/{release_id}", headers=auth)
        assert response.status_code == 404
        assert response.get_json()["error"] == "unknown_release"


def test_withdraw_keeps_sold_and_held_then_holds_are_refused(db, client, frozen, venue_auth,
                                                             on_sale):
    _, auth, _ = venue_auth
    held = client.post("/api/v1/holds", json={"offer_id": on_sale.id, "quantity": 2})
    assert held.status_code == 201
    response = client.post(f"/api/v1/venue/releases/{on_sale.id}/withdraw", headers=auth)
    assert response.status_code == 200
    body = response.get_json()
    assert (body["status"], body["sold"], body["held"]) == ("withdrawn", 5, 2)
    refused = client.post("/api/v1/holds", json={"offer_id": on_sale.id, "quantity": 1})
    assert refused.status_code == 409
    assert refused.get_json()["error"] == "sales_closed"
    assert count(db, Hold) == 1


def test_reading_a_release_counts_lapsed_holds_as_given_back(db, client, frozen, venue_auth,
                                                            on_sale):
    _, auth, _ = venue_auth
    HoldFactory(release=on_sale, quantity=4, expires_at=frozen - timedelta(seconds=1))
    HoldFactory(release=on_sale, quantity=2, expires_at=frozen + timedelta(minutes=9))
    on_sale.held = 6
    db.session.commit()
    response = client.get(f"/api/v1/venue/releases/{on_sale.id}", headers=auth)
    assert response.status_code == 200
    body = response.get_json()
    assert (body["quantity"], body["sold"], body["held"], body["seats_left"]) == (20, 5, 2, 13)
    assert body["price_cents"] > 0 and body["discount_percent"] >= 25


def test_the_openapi_document_describes_the_venue_endpoints(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"post"} <= set(paths["/api/v1/venue/performances"])
    assert {"post"} <= set(paths["/api/v1/venue/releases"])
    assert {"get", "patch"} <= set(paths["/api/v1/venue/releases/{release_id}"])
    assert "post" in paths["/api/v1/venue/releases/{release_id}/withdraw"]
