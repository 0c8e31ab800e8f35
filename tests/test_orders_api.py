"""GET /api/v1/orders/{id}?token=: the buyer's order, opened by its token only."""

from __future__ import annotations

import pytest

from marketplace.domain.orders.access import OrderLinks, order_links
from marketplace.domain.orders.short_codes import read_short_code
from tests.buying import checkout, hold_seats, pay
from tests.factories import ReleaseFactory


@pytest.fixture
def release(db):
    release = ReleaseFactory(quantity=10, performance__show__title="Le Misanthrope")
    db.session.commit()
    return release


def get_order(client, order_id, token):
    return client.get(f"/api/v1/orders/{order_id}", query_string={"token": token})


def test_a_pending_order_has_no_tickets_yet(app, client, db, release, now):
    result = checkout(app, hold_seats(release, 2, now), now)
    response = get_order(client, result.order.id, result.order_token)
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "pending" and body["tickets"] == []
    assert body["total_cents"] == result.order.total_cents
    assert body["performance"]["title"] == "Le Misanthrope"


def test_a_paid_order_lists_one_ticket_per_seat_with_its_qr_url(app, client, db, release, now):
    result = checkout(app, hold_seats(release, 3, now), now)
    pay(app, result.order.id, now)
    body = get_order(client, result.order.id, result.order_token).get_json()
    assert body["status"] == "paid" and len(body["tickets"]) == 3
    for ticket in body["tickets"]:
        assert ticket["qr_url"] == f"http://kiosque.test/tickets/{ticket['code']}.svg"
        assert ticket["checked_in"] is False
        assert read_short_code(ticket["short_code"]) == ticket["short_code"]
    assert body["paid_at"].endswith("+00:00")
    assert body["order_url"].startswith(f"http://kiosque.test/orders/{result.order.id}?token=")


def test_the_signed_link_opens_the_order_too(app, client, db, release, now):
    result = checkout(app, hold_seats(release, 1, now), now)
    key = order_links(app.config).key(result.order.id)
    assert get_order(client, result.order.id, key).status_code == 200


def test_a_wrong_token_and_an_unknown_order_look_the_same(app, client, db, release, now):
    result = checkout(app, hold_seats(release, 1, now), now)
    other = checkout(app, hold_seats(release, 1, now), now)
    another_site = OrderLinks("http://kiosque.test", "another-secret").key(result.order.id)
    for order_id, token in ((result.order.id, "wrong"), (result.order.id, other.order_token),
                            (result.order.id, another_site), ("unknown", result.order_token),
                            (result.order.id, "x" * 150)):
        response = get_order(client, order_id, token)
        assert response.status_code == 404, (order_id, token)
        assert response.get_json()["error"] == "unknown_order"
    missing = client.get(f"/api/v1/orders/{result.order.id}")
    assert missing.status_code == 422 and missing.get_json()["field"] == "token"
