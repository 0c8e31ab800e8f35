"""The buying path in HTML, without JavaScript: plain forms, French first, clear messages."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
import time_machine

from marketplace.domain.orders.models import Order
from tests.buying import BUYER, checkout, count, counters, emails_to, hold_seats, pay
from tests.factories import ReleaseFactory

FORM = {**BUYER, "birth_year": "1994", "marketing_consent": ""}


@pytest.fixture
def release(db):
    release = ReleaseFactory(quantity=6, max_per_order=4, category="Placement libre",
                             performance__show__title="Le Misanthrope",
                             performance__show__venue__name="La Criée")
    db.session.commit()
    return release


@pytest.fixture
def frozen(app, now):
    with time_machine.travel(now, tick=False):
        yield now


def html(response) -> str:
    return unescape(response.get_data(as_text=True))


def location(response) -> str:
    return response.headers["Location"]


def test_the_checkout_page_shows_the_locked_price_and_the_time_left(client, db, release,
                                                                    frozen):
    hold = hold_seats(release, 2, frozen)
    page = client.get(f"/checkout/{hold.id}")
    assert page.status_code == 200
    body = html(page)
    assert "Le Misanthrope" in body and "La Criée" in body
    assert "2 places" in body and "Vous y êtes presque" in body
    total = f"{2 * hold.unit_price_cents // 100},{2 * hold.unit_price_cents % 100:02d}"
    assert f"Passer au paiement · {total}" in body
    assert "Vos places sont réservées jusqu'à 17:10" in body
    assert 'data-seconds-left="600"' in body
    # The newsletter box names the venue and is not ticked.
    box = re.search(r'<input[^>]*id="marketing_consent"[^>]*>', body).group(0)
    assert "checked" not in box
    assert "J'accepte de recevoir par e-mail la programmation et les offres de La Criée" in body


def test_a_buyer_checks_out_pays_and_sees_the_tickets_without_javascript(client, db, release,
                                                                         frozen):
    hold = hold_seats(release, 2, frozen)
    submitted = client.post(f"/checkout/{hold.id}", data=FORM)
    assert submitted.status_code == 303
    pay_url = location(submitted)
    assert pay_url.startswith("/pay/demo/")
    page = client.get(pay_url)
    assert page.status_code == 200
    assert "Démonstration" in html(page) and "Refuser le paiement" in html(page)
    order_id = pay_url.split("/")[3].split("?")[0]
    token = re.search(r'name="token" value="([^"]+)"', html(page)).group(1)
    paid = client.post(f"/pay/demo/{order_id}", data={"token": token, "action": "pay"})
    assert paid.status_code == 303
    tickets = client.get(location(paid))
    body = html(tickets)
    assert tickets.status_code == 200 and "Payé. Bon spectacle !" in body
    assert body.count('class="ticket"') == 2 and body.count("<svg") >= 2
    assert "Billet 1 sur 2" in body and "Ajouter au calendrier" in body
    assert tickets.headers["Referrer-Policy"] == "same-origin"  # the token stays on this site
    assert len(emails_to(BUYER["email"])) == 1


def test_the_back_button_finds_the_order_again(client, db, release, frozen):
    hold = hold_seats(release, 1, frozen)
    client.post(f"/checkout/{hold.id}", data=FORM)
    again = client.get(f"/checkout/{hold.id}")
    assert again.status_code == 302 and "/orders/" in location(again)
    assert count(Order) == 1


def test_a_malformed_email_re_renders_the_form_with_the_message(client, db, release, frozen):
    hold = hold_seats(release, 2, frozen)
    response = client.post(f"/checkout/{hold.id}", data={**FORM, "email": "lea@example"})
    assert response.status_code == 422
    body = html(response)
    assert "Cette adresse e-mail ne semble pas correcte" in body
    assert 'aria-invalid="true"' in body
    assert 'value="Léa Martin"' in body  # what was typed stays
    assert count(Order) == 0 and counters(release.id) == (0, 2)


def test_an_empty_email_says_what_to_do(client, db, release, frozen):
    hold = hold_seats(release, 2, frozen)
    response = client.post(f"/checkout/{hold.id}", data={**FORM, "email": " "})
    assert response.status_code == 422
    assert "Indiquez votre adresse e-mail" in html(response)


def test_an_expired_hold_gets_a_clear_page(client, db, release, now):
    hold = hold_seats(release, 2, now)
    with time_machine.travel(now + timedelta(minutes=11), tick=False):
        page = client.get(f"/checkout/{hold.id}")
        posted = client.post(f"/checkout/{hold.id}", data=FORM)
    for response in (page, posted):
        assert response.status_code == 409
        assert "Vos places ne sont plus réservées" in html(response)
        assert f'href="/offers/{release.id}">Choisir à nouveau mes places' in html(response)
    assert count(Order) == 0


def test_an_unknown_hold_is_a_404_page(client, db):
    response = client.get("/checkout/nope")
    assert response.status_code == 404 and "Cette réservation n'existe pas" in html(response)


def test_refusing_the_demo_payment_cancels_and_gives_the_seats_back(app, client, db, release,
                                                                    frozen):
    result = checkout(app, hold_seats(release, 2, frozen), frozen)
    refused = client.post(f"/pay/demo/{result.order.id}",
                          data={"token": result.order_token, "action": "refuse"})
    page = client.get(location(refused))
    assert "Commande annulée" in html(page)
    assert counters(release.id) == (0, 0)


def test_the_pending_order_page_polls_and_lets_the_buyer_give_up(app, client, db, release,
                                                                 frozen):
    result = checkout(app, hold_seats(release, 2, frozen), frozen)
    url = f"/orders/{result.order.id}?token={result.order_token}"
    page = html(client.get(url))
    assert "En attente de votre paiement" in page and 'hx-trigger="every 3s"' in page
    assert '<meta http-equiv="refresh" content="5">' in page  # without JavaScript
    assert "Aller au paiement" in page
    poll = client.get(url, headers={"HX-Request": "true"})
    assert poll.status_code == 204 and "HX-Refresh" not in poll.headers  # nothing new yet
    gave_up = client.post(f"/orders/{result.order.id}/abandon",
                          data={"token": result.order_token})
    assert gave_up.status_code == 303
    assert counters(release.id) == (0, 0)
    # Once the order is no longer pending, the polling page reloads itself entirely.
    done = client.get(url, headers={"HX-Request": "true"})
    assert done.headers.get("HX-Refresh") == "true"


def test_the_order_page_needs_its_token(app, client, db, release, frozen):
    result = checkout(app, hold_seats(release, 1, frozen), frozen)
    fresh = app.test_client()  # another browser: nothing remembered
    assert fresh.get(f"/orders/{result.order.id}").status_code == 404
    assert fresh.get(f"/orders/{result.order.id}?token=wrong").status_code == 404
    assert fresh.get(f"/orders/{result.order.id}?token={result.order_token}").status_code == 200


def test_refunded_orders_say_why(app, client, db, release, frozen):
    from marketplace.domain.orders.payments import gateway_for
    from marketplace.domain.purchases.cancellation import refund_order

    result = checkout(app, hold_seats(release, 1, frozen), frozen)
    pay(app, result.order.id, frozen)
    refund_order(db.session, release.performance.venue, result.order.id, frozen,
                 gateway_for(app.config))
    page = html(client.get(f"/orders/{result.order.id}?token={result.order_token}"))
    assert "Commande remboursée" in page and "Le lieu a intégralement remboursé" in page


def test_the_pages_speak_english_when_asked(app, client, db, release, frozen):
    hold = hold_seats(release, 2, frozen)
    page = html(client.get(f"/checkout/{hold.id}?lang=en"))
    assert "Almost there" in page and "I agree to receive" in page
    client.post(f"/checkout/{hold.id}", data=FORM)
    order = db.session.query(Order).one()
    assert order.locale == "en"  # the e-mails will be in English too


def test_the_demo_payment_page_does_not_exist_with_stripe(app, client, db, release, frozen,
                                                          monkeypatch):
    result = checkout(app, hold_seats(release, 1, frozen), frozen)
    monkeypatch.setitem(app.config, "PAYMENT_PROVIDER", "stripe")
    assert client.get(f"/pay/demo/{result.order.id}?token={result.order_token}"
                      ).status_code == 404
    assert client.post(f"/pay/demo/{result.order.id}",
                       data={"token": result.order_token, "action": "pay"}).status_code == 404


def test_with_csrf_on_a_form_without_its_token_is_refused(app, client, db, release, frozen,
                                                          monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    hold = hold_seats(release, 2, frozen)
    forged = client.post(f"/checkout/{hold.id}", data=FORM)
    assert forged.status_code == 400
    assert count(Order) == 0
    page = html(client.get(f"/checkout/{hold.id}"))
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    genuine = client.post(f"/checkout/{hold.id}", data={**FORM, "csrf_token": token})
    assert genuine.status_code == 303 and count(Order) == 1
    order = db.session.query(Order).one()
    forged_payment = client.post(f"/pay/demo/{order.id}", data={"action": "pay"})
    assert forged_payment.status_code in (400, 404)
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == "pending"


def test_the_per_buyer_cap_is_explained_on_the_form(app, client, db, release, frozen,
                                                    monkeypatch):
    monkeypatch.setitem(app.config, "MAX_SEATS_PER_BUYER", 2)
    client.post(f"/checkout/{hold_seats(release, 2, frozen).id}", data=FORM)
    response = client.post(f"/checkout/{hold_seats(release, 1, frozen).id}", data=FORM)
    assert response.status_code == 429 and int(response.headers["Retry-After"]) > 0
    assert "au plus 2 places pour cette représentation" in html(response)
    assert count(Order) == 1
