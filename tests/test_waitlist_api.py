"""The waiting list end to end over HTTP (DESIGN.md rule 11): sold out, two people join,
a hold comes back and goes to the first in line at once; unclaimed, to the next."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from marketplace.domain.inventory.services import sweep_expired_holds
from marketplace.domain.mail.models import OutboundEmail
from marketplace.domain.models import Release
from tests.factories import ReleaseFactory

BUYER = {"name": "Léa Martin", "postcode": "13006", "marketing_consent": False}
FIRST, SECOND = "premiere@example.org", "second@example.org"


@pytest.fixture
def sold_out(db, client, now):
    """A two-seat offer whose two seats a buyer holds: (offer id, that hold's id)."""
    release = ReleaseFactory(quantity=2, max_per_order=2)
    db.session.commit()
    with time_machine.travel(now, tick=False):
        answer = client.post("/api/v1/holds", json={"offer_id": release.id, "quantity": 2})
    assert answer.status_code == 201
    return release.id, answer.json["hold_id"]


def join(client, offer_id, email, quantity):
    return client.post(f"/api/v1/offers/{offer_id}/waitlist",
                       json={"email": email, "quantity": quantity})


def state(client, entry):
    answer = client.get(f"/api/v1/waitlist/{entry['entry_id']}",
                        query_string={"token": entry["token"]})
    assert answer.status_code == 200, answer.json
    return answer.json


def check_out(client, hold_id, email):
    return client.post(f"/api/v1/holds/{hold_id}/checkout", json={**BUYER, "email": email})


def outbox(db, to):
    db.session.expire_all()
    return db.session.scalars(select(OutboundEmail.subject).where(
        OutboundEmail.to_address == to).order_by(OutboundEmail.id)).all()


def test_a_hold_given_back_is_offered_at_once_to_the_first_in_line(db, client, now, sold_out):
    offer_id, hold_id = sold_out
    with time_machine.travel(now, tick=False):
        first = join(client, offer_id, FIRST, 2)
        second = join(client, offer_id, SECOND, 1)
        assert first.status_code == 201 and second.status_code == 201
        assert (first.json["position"], second.json["position"]) == (1, 2)
        assert first.json["status"] == "waiting"

        assert client.delete(f"/api/v1/holds/{hold_id}").status_code == 204
        offered = state(client, first.json)
        assert offered["status"] == "offered" and offered["hold_id"]
        assert offered["claim_until"].startswith("2026-11-20T16:10")  # 10 min, 4 h before curtain
        # Both seats went to the first entry: the second still waits, now first in line.
        assert state(client, second.json)["status"] == "waiting"
        assert state(client, second.json)["position"] == 1

        refused = check_out(client, offered["hold_id"], "someone.else@example.org")
        assert refused.status_code == 403
        assert refused.json["error"] == "reserved_for_waitlist"
        order = check_out(client, offered["hold_id"], FIRST)
        assert order.status_code == 201
        paid = client.post(f"/api/v1/payments/demo/{order.json['order_id']}/succeed",
                           query_string={"token": order.json["order_token"]})
        assert paid.status_code == 200
        assert state(client, first.json)["status"] == "claimed"
    assert len(outbox(db, FIRST)) == 3  # in line, seats held, tickets
    release = db.session.get(Release, offer_id)
    assert (release.sold, release.held) == (2, 0)


def test_an_offer_let_lapse_goes_to_the_next_in_line(db, client, now, sold_out):
    offer_id, hold_id = sold_out
    with time_machine.travel(now, tick=False):
        first = join(client, offer_id, FIRST, 2).json
        second = join(client, offer_id, SECOND, 2).json
        client.delete(f"/api/v1/holds/{hold_id}")
        assert state(client, first)["status"] == "offered"
    later = now + timedelta(minutes=11)
    with time_machine.travel(later, tick=False):
        assert state(client, first)["status"] == "expired"  # as soon as time says so
        sweep_expired_holds(db.session, later)  # the scheduler's sweep serves the line
        assert state(client, first)["status"] == "expired"
        offered = state(client, second)
        assert offered["status"] == "offered"
        assert check_out(client, offered["hold_id"], SECOND).status_code == 201
        assert check_out(client, state(client, first).get("hold_id") or "x", FIRST) \
            .status_code == 404
    assert "Des places vous sont réservées" in outbox(db, SECOND)[-1]


def test_joining_while_seats_are_on_sale_says_buy_them(db, client, now):
    release = ReleaseFactory(quantity=5, max_per_order=4)
    db.session.commit()
    with time_machine.travel(now, tick=False):
        answer = join(client, release.id, FIRST, 2)
    assert answer.status_code == 409
    assert answer.json["error"] == "seats_available"


def test_one_entry_per_email_and_offer(db, client, now, sold_out):
    offer_id, _ = sold_out
    with time_machine.travel(now, tick=False):
        assert join(client, offer_id, FIRST, 1).status_code == 201
        again = join(client, offer_id, FIRST.upper(), 2)
    assert again.status_code == 409
    assert again.json["error"] == "already_waiting"


def test_leaving_takes_one_click_and_a_wrong_token_opens_nothing(db, client, now, sold_out):
    offer_id, _ = sold_out
    with time_machine.travel(now, tick=False):
        first = join(client, offer_id, FIRST, 1).json
        second = join(client, offer_id, SECOND, 1).json
        wrong = client.get(f"/api/v1/waitlist/{first['entry_id']}",
                           query_string={"token": second["token"]})
        assert wrong.status_code == 404
        gone = client.delete(f"/api/v1/waitlist/{first['entry_id']}",
                             query_string={"token": first["token"]})
        assert gone.status_code == 204
        assert state(client, first)["status"] == "left"
        assert state(client, second)["position"] == 1


@pytest.mark.parametrize("body, field", [
    ({"email": "nobody", "quantity": 1}, "email"),
    ({"email": FIRST, "quantity": 0}, "quantity"),
    ({"email": FIRST, "quantity": 3}, "quantity"),  # above the offer's max_per_order
    ({"email": FIRST}, "quantity"),
])
def test_bad_input_gets_a_clear_422(db, client, now, sold_out, body, field):
    offer_id, _ = sold_out
    with time_machine.travel(now, tick=False):
        answer = client.post(f"/api/v1/offers/{offer_id}/waitlist", json=body)
    assert answer.status_code == 422
    assert field in str(answer.json)
