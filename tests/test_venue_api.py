"""The venue API beyond releases: sales since an instant, check-ins, and its documentation."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine

from marketplace.domain.accounts.services import issue_token
from marketplace.domain.models import Release
from marketplace.domain.timeutil import PARIS
from tests.buying import bought
from tests.factories import PerformanceFactory, ReleaseFactory, VenueFactory


@pytest.fixture
def frozen(now):
    with time_machine.travel(now, tick=False):
        yield now


@pytest.fixture
def venue_auth(db, now):
    venue = VenueFactory(name="La Criée")
    token = issue_token(db.session, venue=venue, label="Sirius", now=now)
    db.session.commit()
    return venue, {"Authorization": f"Bearer {token}"}


def sold(app, venue, now, quantity=2, **buyer):
    performance = PerformanceFactory(show__venue=venue, starts_at=now + timedelta(hours=2))
    release = ReleaseFactory(performance=performance, sales_open_at=now - timedelta(days=1))
    return bought(app, release, quantity, now - timedelta(hours=1), **buyer)


# Sales ----------------------------------------------------------------------------------


def test_sales_since_an_instant(app, db, client, now, venue_auth):
    venue, auth = venue_auth
    order = sold(app, venue, now)
    sold(app, VenueFactory(), now)  # not ours
    response = client.get("/api/v1/venue/sales", headers=auth)
    assert response.status_code == 200
    body = response.get_json()
    [sale] = body["sales"]
    assert body["next_page"] is None
    assert sale["order_id"] == order.id and sale["status"] == "paid"
    assert sale["quantity"] == 2 and sale["total_cents"] == order.total_cents
    assert sale["buyer"] == {"name": "Léa Martin", "email": "lea.martin@example.org",
                             "postcode": "13006"}
    assert [t["code"] for t in sale["tickets"]] == [t.code for t in order.tickets]
    assert sale["paid_at"] == order.paid_at.isoformat()

    after = (order.paid_at + timedelta(seconds=1)).isoformat()
    assert client.get("/api/v1/venue/sales", query_string={"since": after},
                      headers=auth).get_json()["sales"] == []
    at = client.get("/api/v1/venue/sales", query_string={"since": order.paid_at.isoformat()},
                    headers=auth).get_json()["sales"]
    assert [s["order_id"] for s in at] == [order.id]  # `since` is inclusive


@pytest.mark.parametrize("query", [{"since": "yesterday"}, {"page": "0"}, {"per_page": "501"}])
def test_bad_sales_queries_are_refused(db, client, venue_auth, query):
    _, auth = venue_auth
    response = client.get("/api/v1/venue/sales", query_string=query, headers=auth)
    assert response.status_code == 422
    assert response.get_json()["error"] == "validation_error"


# Check-ins ------------------------------------------------------------------------------


def test_a_checkin_answers_ok_then_already_checked_in(app, db, client, frozen, venue_auth):
    venue, auth = venue_auth
    order = sold(app, venue, frozen)
    code = order.tickets[0].code
    first = client.post("/api/v1/venue/checkins", json={"code": code}, headers=auth)
    assert first.status_code == 200
    body = first.get_json()
    assert body["status"] == "ok" and body["ticket"]["code"] == code
    assert body["ticket"]["seats"] == 2 and body["checked_in_at"] == frozen.isoformat()

    second = client.post("/api/v1/venue/checkins", json={"code": code}, headers=auth)
    assert second.status_code == 409
    body = second.get_json()
    assert body["error"] == "already_checked_in" and body["message"]
    assert body["checked_in_at"] == frozen.isoformat()
    assert body["checked_in_by"] is None  # the venue's own system


def test_unknown_and_other_venues_tickets(app, db, client, frozen, venue_auth):
    venue, auth = venue_auth
    theirs = sold(app, VenueFactory(), frozen)
    unknown = client.post("/api/v1/venue/checkins", json={"code": "nope"}, headers=auth)
    assert unknown.status_code == 404 and unknown.get_json()["error"] == "unknown_ticket"
    other = client.post("/api/v1/venue/checkins", json={"code": theirs.tickets[0].code},
                        headers=auth)
    assert other.status_code == 403
    assert other.get_json() == {"error": "other_venue",
                                "message": "This ticket is for another venue."}


def test_a_short_code_in_any_case_checks_in_and_a_mistyped_one_is_422(
        app, db, client, frozen, venue_auth):
    venue, auth = venue_auth
    ticket = sold(app, venue, frozen).tickets[1]
    short = ticket.short_code
    mistyped = short[:-1] + ("2" if short[-1] != "2" else "3")
    refused = client.post("/api/v1/venue/checkins", json={"code": mistyped}, headers=auth)
    assert refused.status_code == 422
    assert refused.get_json() == {
        "error": "mistyped_code",
        "message": "This short code is incomplete or mistyped: check its characters."}
    typed = f"{short[:4]}-{short[4:8]}-{short[8]}".lower()
    first = client.post("/api/v1/venue/checkins", json={"code": typed}, headers=auth)
    assert first.status_code == 200
    assert first.get_json()["ticket"]["code"] == ticket.code
    assert first.get_json()["ticket"]["short_code"] == short
    again = client.post("/api/v1/venue/checkins", json={"code": ticket.code}, headers=auth)
    assert again.status_code == 409


@pytest.mark.parametrize("body", [{}, {"code": ""}, {"code": 12}, {"code": "x" * 501}])
def test_a_checkin_needs_a_code(db, client, venue_auth, body):
    _, auth = venue_auth
    response = client.post("/api/v1/venue/checkins", json=body, headers=auth)
    assert response.status_code == 422 and response.get_json()["field"] == "code"


def test_venue_routes_need_a_live_token(db, client, now, venue_auth):
    for method, path in (("get", "/api/v1/venue/sales"), ("post", "/api/v1/venue/checkins")):
        response = getattr(client, method)(path, json={"code": "x"},
                                           headers={"Authorization": "Bearer kq_nope"})
        assert response.status_code == 401


# The OpenAPI document -------------------------------------------------------------------


def test_the_venue_api_is_documented_with_examples(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    paths = spec["paths"]
    for path in ("/api/v1/venue/me", "/api/v1/venue/performances", "/api/v1/venue/releases",
                 "/api/v1/venue/releases/{release_id}",
                 "/api/v1/venue/releases/{release_id}/withdraw", "/api/v1/venue/sales",
                 "/api/v1/venue/checkins"):
        assert path in paths, path
    checkins = paths["/api/v1/venue/checkins"]["post"]
    assert set(checkins["responses"]) >= {"200", "403", "404", "409", "401"} - {"401"}
    assert checkins["responses"]["409"]["content"]["application/json"]["example"]["error"] \
        == "already_checked_in"
    assert checkins["requestBody"]["content"]["application/json"]["example"] == {
        "code": "q8QzF3n2bS0wQy1mW7dJvA"}
    sales = paths["/api/v1/venue/sales"]["get"]
    assert {p["name"] for p in sales["parameters"]} >= {"since", "page", "per_page"}
    assert sales["responses"]["200"]["content"]["application/json"]["example"]["sales"]
    assert checkins["security"] == [{"bearerAuth": []}]
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


# A ticketing system plugged in ----------------------------------------------------------


def paris(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=PARIS)


def test_a_ticketing_system_pushes_a_release_and_pulls_the_sale(app, db, client, venue_auth):
    """What a venue's own system does: schedule, release, then pull its sales since last time."""
    venue, auth = venue_auth
    with time_machine.travel(paris("2026-11-20T14:00"), tick=False):
        assert client.get("/api/v1/venue/me", headers=auth).get_json()["slug"] == venue.slug
        performance = client.post("/api/v1/venue/performances", headers=auth, json={
            "show": {"title": "Phèdre", "discipline": "theatre", "duration_minutes": 120},
            "starts_at": "2026-11-20T20:30:00+01:00"})
        assert performance.status_code == 201, performance.get_json()
        performance_id = performance.get_json()["id"]
        release = client.post("/api/v1/venue/releases", headers=auth, json={
            "performance_id": performance_id, "category": "Placement libre",
            "face_price_cents": 2800, "quantity": 30, "start_discount_percent": 30,
            "max_discount_percent": 70})
        assert release.status_code == 201, release.get_json()
        offer_id = release.get_json()["offer_id"]
        last_pull = "2026-11-20T14:00:00+01:00"
        assert client.get("/api/v1/venue/sales", query_string={"since": last_pull},
                          headers=auth).get_json()["sales"] == []

    # A spectator buys two seats of the offer, through the real checkout and payment.
    bought_at = paris("2026-11-20T17:30")
    with time_machine.travel(bought_at, tick=False):
        offer = client.get(f"/api/v1/offers/{offer_id}").get_json()
        assert offer["venue"]["slug"] == venue.slug
    order = bought(app, db.session.get(Release, offer_id), 2, bought_at,
                   email="zoe@example.org")

    with time_machine.travel(paris("2026-11-20T18:00"), tick=False):
        sales = client.get("/api/v1/venue/sales", query_string={"since": last_pull},
                           headers=auth).get_json()["sales"]
    [sale] = sales
    assert sale["order_id"] == order.id
    assert sale["performance_id"] == performance_id and sale["release_id"] == offer_id
    assert sale["quantity"] == 2 and sale["unit_price_cents"] == offer["price_cents"]
    assert sale["total_cents"] == 2 * offer["price_cents"]
    assert sale["buyer"]["email"] == "zoe@example.org" and len(sale["tickets"]) == 2

    # At curtain time its gate lets the first ticket in, and only once.
    with time_machine.travel(paris("2026-11-20T20:10"), tick=False):
        code = sale["tickets"][0]["code"]
        assert client.post("/api/v1/venue/checkins", json={"code": code},
                           headers=auth).status_code == 200
        assert client.post("/api/v1/venue/checkins", json={"code": code},
                           headers=auth).status_code == 409


# Tokens' use ----------------------------------------------------------------------------


def test_a_tokens_use_is_recorded_to_five_minutes_and_shown_to_managers(db, client, now,
                                                                        venue_auth):
    from marketplace.domain.accounts.models import ApiToken
    from tests.factories import MembershipFactory, log_in

    venue, headers = venue_auth
    unused = issue_token(db.session, venue=venue, label="Vieux guichet", now=now)
    assert unused
    db.session.commit()
    for minutes, expected in ((0, 0), (3, 0), (6, 6)):  # a write every five minutes at most
        with time_machine.travel(now + timedelta(minutes=minutes), tick=False):
            assert client.get("/api/v1/venue/sales", headers=headers).status_code == 200
        db.session.expire_all()
        used = db.session.query(ApiToken).filter_by(label="Sirius").one()
        assert used.last_used_at == now + timedelta(minutes=expected)
    manager = MembershipFactory(venue=venue, role="manager").user
    db.session.commit()
    with time_machine.travel(now + timedelta(minutes=7), tick=False):
        log_in(client, manager)
        page = client.get(f"/portal/venues/{venue.slug}/tokens").get_data(as_text=True)
    assert "Dernière utilisation" in page and "Pas encore utilisé" in page
