"""The public hold endpoints, through the test client."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from marketplace.domain.models import Hold, Release
from tests.factories import HoldFactory, ReleaseFactory


@pytest.fixture
def frozen(app, now):
    """The views read the clock once; pin it to the fixture's instant."""
    with time_machine.travel(now, tick=False):
        yield now


@pytest.fixture
def offer(db):
    release = ReleaseFactory(quantity=10, max_per_order=4)
    db.session.commit()
    return release


def counters(db, release_id: int) -> tuple[int, int, int]:
    db.session.expire_all()
    release = db.session.get(Release, release_id)
    holds = db.session.scalar(select(func.count()).select_from(Hold))
    return release.sold, release.held, holds


def hold(client, offer_id, quantity):
    return client.post("/api/v1/holds", json={"offer_id": offer_id, "quantity": quantity})


def test_a_buyer_holds_seats_at_the_price_shown(db, client, frozen, offer, app):
    response = hold(client, offer.id, 3)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert set(body) == {"hold_id", "offer_id", "quantity", "unit_price_cents", "total_cents",
                         "expires_at"}
    assert body["offer_id"] == offer.id and body["quantity"] == 3
    # 3000 cents, 44 h into a 47 h fall from -25% to -80%: -76.5%, 705.3 rounded to 710.
    assert body["unit_price_cents"] == 710
    assert body["total_cents"] == 3 * body["unit_price_cents"]
    ttl = app.config["HOLD_TTL_SECONDS"]
    assert datetime.fromisoformat(body["expires_at"]) == frozen + timedelta(seconds=ttl)
    assert counters(db, offer.id) == (0, 3, 1)
    stored = db.session.get(Hold, body["hold_id"])
    assert (stored.unit_price_cents, stored.status) == (710, "active")


def test_the_hold_ttl_comes_from_the_configuration(db, client, frozen, offer, app,
                                                   monkeypatch):
    monkeypatch.setitem(app.config, "HOLD_TTL_SECONDS", 90)
    body = hold(client, offer.id, 1).get_json()
    assert datetime.fromisoformat(body["expires_at"]) == frozen + timedelta(seconds=90)


@pytest.mark.parametrize(("body", "field"), [
    ({"offer_id": "OFFER", "quantity": 0}, "quantity"),
    ({"offer_id": "OFFER", "quantity": -2}, "quantity"),
    ({"offer_id": "OFFER", "quantity": 5}, "quantity"),  # above max_per_order
    ({"offer_id": "OFFER", "quantity": "2"}, "quantity"),
    ({"offer_id": "OFFER", "quantity": 1.5}, "quantity"),
    ({"offer_id": "OFFER", "quantity": None}, "quantity"),
    ({"offer_id": "OFFER"}, "quantity"),
    ({"quantity": 1}, "offer_id"),
    ({"offer_id": "7", "quantity": 1}, "offer_id"),
    ({"offer_id": "OFFER", "quantity": 1, "coupon": "FREE"}, "coupon"),
])
def test_every_bad_hold_request_is_a_422_naming_the_field(db, client, frozen, offer, body,
                                                          field):
    body = {key: offer.id if value == "OFFER" else value for key, value in body.items()}
    response = client.post("/api/v1/holds", json=body)
    assert response.status_code == 422, response.get_json()
    payload = response.get_json()
    assert (payload["error"], payload["field"]) == ("validation_error", field)
    assert payload["message"]
    assert counters(db, offer.id) == (0, 0, 0)


def test_malformed_json_is_a_400(db, client, frozen, offer):
    response = client.post("/api/v1/holds", data="{offer_id: 1",
                           content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_json"
    assert counters(db, offer.id) == (0, 0, 0)


def test_an_unknown_offer_is_a_404(client, frozen):
    for offer_id in (31337, 0, 2**40):
        response = hold(client, offer_id, 1)
        assert response.status_code == 404
        assert response.get_json()["error"] == "unknown_offer"


def test_sold_out_and_not_enough_seats_are_409s(db, client, frozen, offer):
    assert hold(client, offer.id, 4).status_code == 201
    assert hold(client, offer.id, 4).status_code == 201
    response = hold(client, offer.id, 3)
    assert response.status_code == 409
    assert response.get_json()["error"] == "not_enough_seats"
    assert "2 seats" in response.get_json()["message"]
    assert hold(client, offer.id, 2).status_code == 201
    response = hold(client, offer.id, 1)
    assert response.status_code == 409
    assert response.get_json()["error"] == "sold_out"
    assert counters(db, offer.id) == (0, 10, 3)


def test_sales_closed_is_a_409(db, client, frozen):
    release = ReleaseFactory(sales_open_at=frozen + timedelta(minutes=30))
    db.session.commit()
    response = hold(client, release.id, 1)
    assert response.status_code == 409
    assert response.get_json()["error"] == "sales_closed"
    assert counters(db, release.id) == (0, 0, 0)


def test_deleting_a_hold_gives_the_seats_back_at_once(db, client, frozen, offer):
    hold_id = hold(client, offer.id, 4).get_json()["hold_id"]
    response = client.delete(f"/api/v1/holds/{hold_id}")
    assert response.status_code == 204
    assert response.data == b""
    assert counters(db, offer.id) == (0, 0, 1)
    assert client.delete(f"/api/v1/holds/{hold_id}").status_code == 204
    assert counters(db, offer.id) == (0, 0, 1)


def test_deleting_an_unknown_or_paid_hold_is_refused(db, client, frozen, offer):
    paid = HoldFactory(release=offer, quantity=2, status="converted")
    offer.sold = 2
    db.session.commit()
    response = client.delete("/api/v1/holds/never-existed")
    assert response.status_code == 404
    assert response.get_json()["error"] == "unknown_hold"
    response = client.delete(f"/api/v1/holds/{paid.id}")
    assert response.status_code == 409
    assert response.get_json()["error"] == "hold_converted"
    assert counters(db, offer.id) == (2, 0, 1)


def test_expired_holds_give_seats_back_to_the_next_buyer_without_a_sweep(db, client, offer):
    start = datetime.fromisoformat("2026-11-20T16:00:00+00:00")
    with time_machine.travel(start, tick=False):
        assert hold(client, offer.id, 4).status_code == 201
        assert hold(client, offer.id, 4).status_code == 201
        assert hold(client, offer.id, 4).status_code == 409
    with time_machine.travel(start + timedelta(minutes=11), tick=False):
        response = hold(client, offer.id, 4)
        assert response.status_code == 201
    assert counters(db, offer.id) == (0, 4, 3)
    statuses = db.session.scalars(select(Hold.status).order_by(Hold.created_at)).all()
    assert sorted(statuses) == ["active", "expired", "expired"]


def test_the_openapi_document_describes_holds(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert "post" in document["paths"]["/api/v1/holds"]
    assert "delete" in document["paths"]["/api/v1/holds/{hold_id}"]
    assert "Hold" in document["components"]["schemas"]


# Seats one client may hold at once ----------------------------------------------------------


@pytest.fixture
def capped_app(app, tmp_path_factory, monkeypatch):
    """Limits on (the suite's app runs without): small caps, the request rate out of the way."""
    from marketplace import create_app
    from marketplace.extensions import limiter
    from tests.conftest import OwnContextClient, make_test_config

    monkeypatch.setattr(limiter, "enabled", limiter.enabled)  # one limiter for every app
    monkeypatch.setattr(limiter, "initialized", limiter.initialized)
    capped = create_app({**make_test_config(tmp_path_factory), "RATELIMIT_ENABLED": True,
                         "RATELIMIT_HOLDS": "1000 per minute",
                         "MAX_HELD_SEATS_PER_BROWSER": 4, "MAX_HELD_SEATS_PER_IP": 6})
    capped.test_client_class = OwnContextClient
    yield capped
    limiter.reset()


def client_at(app, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_one_client_cannot_hold_every_seat_of_an_offer(capped_app, db, frozen, offer):
    greedy = client_at(capped_app, "203.0.113.7")
    answers = [hold(greedy, offer.id, 1) for _ in range(10)]
    # One address holds at most half of the offer (10 seats, max_per_order 4: 5), however
    # many holds it asks for.
    assert [a.status_code for a in answers] == [201] * 5 + [429] * 5
    refused = answers[-1]
    assert refused.get_json()["error"] == "too_many_seats_held"
    assert "Many seats of this offer" in refused.get_json()["message"]
    assert "at most 5 at once" in refused.get_json()["message"]
    assert 0 < int(refused.headers["Retry-After"]) <= 601
    assert counters(db, offer.id) == (0, 5, 5)  # refusals held nothing
    assert hold(client_at(capped_app, "198.51.100.9"), offer.id, 4).status_code == 201


def test_the_storefront_caps_each_browser_and_says_so_in_french(capped_app, db, frozen):
    shows = [ReleaseFactory(quantity=20, max_per_order=4) for _ in range(3)]
    db.session.commit()
    first, second = client_at(capped_app, "192.0.2.5"), client_at(capped_app, "192.0.2.5")

    def book(browser, release, quantity):
        return browser.post(f"/offers/{release.id}/hold", data={"quantity": quantity})

    assert book(first, shows[0], 2).status_code == 303
    assert book(first, shows[1], 2).status_code == 303
    refused = book(first, shows[2], 1)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    page = refused.get_data(as_text=True)
    assert "Vous avez déjà des places mises de côté et pas encore payées : 4 au plus" in page
    # Another browser on the same connection (a shared office, a family): up to 6 there.
    assert book(second, shows[2], 2).status_code == 303
    shared = book(second, shows[2], 1)
    assert shared.status_code == 429
    assert "depuis votre connexion" in shared.get_data(as_text=True)
    assert counters(db, shows[2].id)[:2] == (0, 2)


def test_without_rate_limits_no_client_cap_applies(db, client, frozen, offer):
    """RATELIMIT_ENABLED off (the suite, benchmarks, acceptance checks): every seat."""
    assert [hold(client, offer.id, 2).status_code for _ in range(5)] == [201] * 5
    assert counters(db, offer.id) == (0, 10, 5)
