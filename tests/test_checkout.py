"""Checkout: a hold becomes a pending order at exactly the price shown (rules 2, 4 and 7)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from marketplace.domain.errors import Conflict, NotFound, RateLimited, ValidationFailed
from marketplace.domain.orders.access import hash_order_token
from marketplace.domain.orders.models import Order
from tests.buying import BUYER, bought, checkout, count, counters, hold_seats, pay
from tests.factories import ReleaseFactory


@pytest.fixture
def release(db):
    release = ReleaseFactory(quantity=10, max_per_order=4)
    db.session.commit()
    return release


@pytest.fixture
def frozen(app, now):
    with time_machine.travel(now, tick=False):
        yield now


def test_checkout_charges_exactly_the_locked_price(app, db, release, now):
    hold = hold_seats(release, 3, now)
    # The price drops while the buyer types: the hold's price stands.
    result = checkout(app, hold, now + timedelta(minutes=8))
    order = result.order
    assert order.status == "pending"
    assert (order.quantity, order.unit_price_cents) == (3, hold.unit_price_cents)
    assert order.total_cents == 3 * hold.unit_price_cents
    assert order.face_price_cents == 3000 and 25 <= order.discount_percent <= 80
    assert order.buyer_email == BUYER["email"] and order.payment_provider == "demo"
    assert result.redirect_url.startswith(f"http://kiosque.test/pay/demo/{order.id}?token=")


def test_the_order_token_is_random_and_only_its_hash_is_stored(app, db, release, now):
    first = checkout(app, hold_seats(release, 1, now), now)
    second = checkout(app, hold_seats(release, 1, now), now)
    assert first.order_token != second.order_token and len(first.order_token) >= 40
    stored = db.session.get(Order, first.order.id)
    assert stored.token_hash == hash_order_token(first.order_token)
    assert first.order_token not in {stored.token_hash, stored.payment_reference}


def test_the_buyer_details_are_cleaned_and_checked(app, db, release, now):
    order = checkout(app, hold_seats(release, 1, now), now, email="  Lea@Example.ORG ",
                     postcode="13006 ", name=" Léa ").order
    assert (order.buyer_email, order.buyer_postcode, order.buyer_name) == \
        ("lea@example.org", "13006", "Léa")


@pytest.mark.parametrize(("field", "value"), [
    ("email", "lea.example.org"), ("email", "lea@example"), ("email", ""),
    ("email", "a b@example.org"), ("name", "  "), ("name", "x" * 201), ("postcode", ""),
    ("postcode", "1"), ("birth_year", 1850), ("birth_year", "1990"), ("birth_year", 2100),
    ("marketing_consent", "yes"),
])
def test_bad_buyer_details_are_refused_and_change_nothing(app, db, release, now, field, value):
    hold = hold_seats(release, 2, now)
    with pytest.raises(ValidationFailed) as refused:
        checkout(app, hold, now, **{field: value})
    assert refused.value.field == field
    assert count(Order) == 0 and counters(release.id) == (0, 2)


def test_marketing_consent_is_off_unless_ticked_and_records_its_wording(app, db, release, now):
    fields = {k: v for k, v in BUYER.items() if k != "marketing_consent"}
    silent = checkout(app, hold_seats(release, 1, now), now, **fields).order
    assert silent.marketing_consent is False and silent.consent_text is None
    ticked = checkout(app, hold_seats(release, 1, now), now, marketing_consent=True).order
    assert ticked.marketing_consent is True
    assert release.performance.venue.name in ticked.consent_text
    assert ticked.consent_text.startswith("J'accepte")  # French, as the buyer saw it
    assert ticked.created_at == now  # when it was given


def test_an_expired_hold_cannot_be_checked_out(app, db, release, now):
    hold = hold_seats(release, 2, now)
    with pytest.raises(Conflict) as refused:
        checkout(app, hold, now + timedelta(seconds=601))
    assert refused.value.code == "hold_expired"
    assert count(Order) == 0


def test_an_unknown_hold_is_not_found(app, db, now):
    for hold_id in ("nope", "", "x" * 400, None, 12):
        with pytest.raises(NotFound):
            from marketplace.domain.orders.checkout import checkout_hold
            checkout_hold(db.session, hold_id, now)


def test_a_hold_is_checked_out_once(app, db, release, now):
    hold = hold_seats(release, 2, now)
    checkout(app, hold, now)
    with pytest.raises(Conflict) as refused:
        checkout(app, hold, now, email="quelqu.un.d.autre@example.org")
    assert refused.value.code == "already_checked_out"
    assert count(Order) == 1


def test_the_same_checkout_sent_again_gets_the_same_order_with_a_new_token(app, db, release,
                                                                           now):
    """An answer lost on the way (or a second tap): the buyer carries on, nothing doubles."""
    hold = hold_seats(release, 2, now)
    first = checkout(app, hold, now)
    again = checkout(app, hold, now + timedelta(minutes=1), email=BUYER["email"].upper())
    assert again.order.id == first.order.id and count(Order) == 1
    assert again.order_token != first.order_token
    assert again.redirect_url.startswith("http://kiosque.test/pay/demo/")
    stored = db.session.scalar(select(Order.token_hash))
    assert stored == hash_order_token(again.order_token)  # the lost token opens nothing
    paid = pay(app, first.order.id, now + timedelta(minutes=2))
    assert paid.status == "paid" and counters(release.id) == (2, 0)
    with pytest.raises(Conflict) as refused:  # once paid, there is nothing to resume
        checkout(app, hold, now + timedelta(minutes=3))
    assert refused.value.code == "already_checked_out"


def test_a_lapsed_hold_resumes_nothing(app, db, release, now):
    hold = hold_seats(release, 1, now)
    checkout(app, hold, now)
    with pytest.raises(Conflict) as refused:
        checkout(app, hold, hold.expires_at + timedelta(seconds=1))
    assert refused.value.code in ("hold_expired", "already_checked_out")
    assert count(Order) == 1


def test_one_email_holds_at_most_the_cap_per_performance(app, db, now):
    release = ReleaseFactory(quantity=40, max_per_order=6)
    db.session.commit()
    bought(app, release, 6, now)
    checkout(app, hold_seats(release, 6, now), now)  # pending, hold alive: counts
    hold = hold_seats(release, 1, now)
    with pytest.raises(RateLimited) as refused:
        checkout(app, hold, now, email=BUYER["email"].upper())
    assert refused.value.code == "buyer_limit_reached" and refused.value.retry_after > 0
    # Someone else is not concerned, and the same person may buy for another performance.
    checkout(app, hold, now, email="someone.else@example.org")
    other = ReleaseFactory()
    db.session.commit()
    checkout(app, hold_seats(other, 2, now), now)


def test_abandoned_pending_orders_stop_counting_towards_the_cap(app, db, now):
    release = ReleaseFactory(quantity=40, max_per_order=6)
    db.session.commit()
    checkout(app, hold_seats(release, 6, now), now)
    checkout(app, hold_seats(release, 6, now), now)
    later = now + timedelta(minutes=11)  # both holds have lapsed, unpaid
    checkout(app, hold_seats(release, 6, later), later)


# Through the API ------------------------------------------------------------------------


def post_checkout(client, hold_id, **body):
    return client.post(f"/api/v1/holds/{hold_id}/checkout", json={**BUYER, **body})


def test_api_checkout_answers_as_the_design_says(client, db, release, frozen):
    hold = client.post("/api/v1/holds", json={"offer_id": release.id, "quantity": 2}).get_json()
    response = post_checkout(client, hold["hold_id"])
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert set(body) == {"order_id", "status", "total_cents", "payment", "order_token"}
    assert body["status"] == "pending" and body["total_cents"] == hold["total_cents"]
    assert body["payment"]["provider"] == "demo"
    assert body["payment"]["redirect_url"].startswith("http://kiosque.test/pay/demo/")


def test_api_checkout_errors_are_clear(client, db, release, frozen):
    assert post_checkout(client, "unknown").status_code == 404
    hold = client.post("/api/v1/holds", json={"offer_id": release.id, "quantity": 1}).get_json()
    bad = post_checkout(client, hold["hold_id"], email="nope")
    assert bad.status_code == 422
    assert bad.get_json()["error"] == "validation_error" and bad.get_json()["field"] == "email"
    missing = client.post(f"/api/v1/holds/{hold['hold_id']}/checkout", json={"email": "a@b.fr"})
    assert missing.status_code == 422 and "name" in missing.get_json()["fields"]
    assert client.post(f"/api/v1/holds/{hold['hold_id']}/checkout", data="{",
                       content_type="application/json").status_code == 400
    wrong_type = post_checkout(client, hold["hold_id"], birth_year="1990")
    assert wrong_type.status_code == 422
    first = post_checkout(client, hold["hold_id"])
    assert first.status_code == 201
    again = post_checkout(client, hold["hold_id"])  # the same buyer: the same order
    assert again.status_code == 201
    assert again.get_json()["order_id"] == first.get_json()["order_id"]
    other = post_checkout(client, hold["hold_id"], email="quelqu.un.d.autre@example.org")
    assert other.status_code == 409 and other.get_json()["error"] == "already_checked_out"


def test_api_checkout_of_a_lapsed_hold_is_a_conflict(client, db, release, now):
    with time_machine.travel(now, tick=False):
        hold = client.post("/api/v1/holds",
                           json={"offer_id": release.id, "quantity": 1}).get_json()
    with time_machine.travel(now + timedelta(minutes=11), tick=False):
        response = post_checkout(client, hold["hold_id"])
    assert response.status_code == 409
    assert response.get_json()["error"] == "hold_expired"


@pytest.mark.parametrize(("first", "second"), [
    ("lea.martin@example.org", "Lea.Martin+concert@example.org"),
    ("lea.martin@gmail.com", "leamartin+1@googlemail.com"),
    ("l.e.a.martin@gmail.com", "LEAMARTIN@gmail.com"),
])
def test_plus_tags_case_and_gmail_dots_do_not_make_a_second_person(app, db, now, first,
                                                                   second):
    release = ReleaseFactory(quantity=40, max_per_order=6)
    db.session.commit()
    bought(app, release, 6, now, email=first)
    bought(app, release, 6, now, email=second)  # 12: still within the cap
    with pytest.raises(RateLimited) as refused:
        checkout(app, hold_seats(release, 1, now), now, email=second)
    assert refused.value.code == "buyer_limit_reached"
    # Only counting is by mailbox: each order keeps the address as typed (in lower case).
    assert {o.buyer_email for o in db.session.scalars(select(Order))} \
        == {first.lower(), second.lower()}


def test_other_mailboxes_of_the_same_domain_are_other_people(app, db, now):
    release = ReleaseFactory(quantity=40, max_per_order=6)
    db.session.commit()
    for _ in range(2):
        bought(app, release, 6, now, email="lea.martin@gmail.com")
    checkout(app, hold_seats(release, 6, now), now, email="lea.marti@gmail.com")
    checkout(app, hold_seats(release, 6, now), now, email="lea_martin@example.org")
    checkout(app, hold_seats(release, 6, now), now, email="leamartin@example.org")


def test_the_cap_refusal_never_says_how_many_seats_an_address_has(app, db, now):
    release = ReleaseFactory(quantity=40, max_per_order=6)
    db.session.commit()
    for quantity in (6, 5):  # someone else's purchases, 11 seats
        bought(app, release, quantity, now, email="voisin@example.org")
    with pytest.raises(RateLimited) as refused:
        checkout(app, hold_seats(release, 2, now), now, email="voisin@example.org")
    message = refused.value.message
    assert "12" in message  # the rule is public
    assert not any(str(n) in message.replace("12", "") for n in (1, 11))


def test_api_buyer_cap_is_a_429_with_retry_after(app, client, db, frozen, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_SEATS_PER_BUYER", 3)
    release = ReleaseFactory(quantity=20)
    db.session.commit()
    first = client.post("/api/v1/holds", json={"offer_id": release.id, "quantity": 3}).get_json()
    assert post_checkout(client, first["hold_id"]).status_code == 201
    second = client.post("/api/v1/holds", json={"offer_id": release.id, "quantity": 1}).get_json()
    refused = post_checkout(client, second["hold_id"])
    assert refused.status_code == 429
    assert refused.get_json()["error"] == "buyer_limit_reached"
    assert refused.get_json()["message"].startswith("At most 3 seats per person")
    assert int(refused.headers["Retry-After"]) > 0


def test_the_openapi_document_describes_checkout_payments_and_orders(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "/api/v1/holds/{hold_id}/checkout" in paths
    assert "/api/v1/payments/demo/{order_id}/succeed" in paths
    assert "/api/v1/payments/stripe/webhook" in paths
    assert "/api/v1/orders/{order_id}" in paths
    checkout_doc = paths["/api/v1/holds/{hold_id}/checkout"]["post"]
    assert {"201", "404", "409", "422", "429"} <= set(checkout_doc["responses"])


def test_a_paid_order_leaves_the_hold_converted(app, db, release, now):
    hold = hold_seats(release, 2, now)
    order = pay(app, checkout(app, hold, now).order.id, now)
    assert order.status == "paid"
    from marketplace.domain.models import Hold
    assert db.session.scalar(select(Hold.status).where(Hold.id == hold.id)) == "converted"
    assert counters(release.id) == (2, 0)
