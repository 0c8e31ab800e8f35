"""Buying in a real browser at phone size: offer → hold → checkout → demo payment → tickets,
and the QR code on screen read back by a barcode decoder."""

from __future__ import annotations

import io
import os
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from marketplace.domain.orders.models import Ticket
from marketplace.domain.timeutil import utcnow
from tests.factories import PerformanceFactory, ReleaseFactory, ShowFactory, VenueFactory

pytestmark = pytest.mark.browser

# Screenshots land here (KIOSQUE_SCREENSHOTS overrides), to be looked at.
SHOTS = Path(os.environ.get("KIOSQUE_SCREENSHOTS", "/tmp/kiosque-screenshots"))


def offer_tonight(db):
    venue = VenueFactory(name="La Criée", city="Marseille", address="30 quai de Rive-Neuve",
                         postcode="13007", transport_notes="Métro 1, station Vieux-Port.",
                         getting_home_notes="Dernier métro à 0h30, bus de nuit 582.",
                         access_notes="Entrée principale quai de Rive-Neuve.",
                         step_free_access=True)
    show = ShowFactory(title="Le Misanthrope", venue=venue, duration_minutes=105)
    curtain = utcnow() + timedelta(hours=3)
    performance = PerformanceFactory(show=show, starts_at=curtain)
    release = ReleaseFactory(performance=performance, face_price_cents=3200, quantity=20,
                             sales_open_at=utcnow() - timedelta(hours=2),
                             max_discount_at=curtain - timedelta(minutes=30))
    db.session.commit()
    return release


def read_qr_codes(png: bytes) -> list[str]:
    zxingcpp = pytest.importorskip("zxingcpp")
    image_module = pytest.importorskip("PIL.Image")
    return [result.text for result in zxingcpp.read_barcodes(image_module.open(io.BytesIO(png)))]


def test_a_buyer_gets_readable_tickets_on_a_phone(db, live_server, phone):
    release = offer_tonight(db)
    SHOTS.mkdir(parents=True, exist_ok=True)

    # The storefront's offer page places the hold and sends the buyer to /checkout/<hold_id>.
    phone.goto(f"{live_server}/offers/{release.id}")
    booking = phone.locator(f"form[action$='/offers/{release.id}/hold']")
    booking.locator("select[name=quantity]").select_option("2")
    booking.locator("button").click()

    phone.wait_for_url("**/checkout/**")
    assert phone.get_by_role("heading", name="Vous y êtes presque").is_visible()
    assert phone.locator(".countdown__left").inner_text().startswith(("9:", "10:"))
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.get_by_label("E-mail", exact=True).fill("lea.martin@example.org")
    phone.get_by_label("Nom", exact=True).fill("Léa Martin")
    phone.get_by_label("Code postal").fill("13006")
    phone.get_by_label("Année de naissance").fill("1994")
    assert not phone.get_by_role("checkbox").is_checked()
    phone.screenshot(path=str(SHOTS / "checkout.png"), full_page=True)
    phone.get_by_role("button", name="Passer au paiement").click()

    phone.wait_for_url("**/pay/demo/**")
    assert phone.get_by_text("Démonstration").is_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.screenshot(path=str(SHOTS / "payment.png"), full_page=True)
    phone.get_by_role("button", name="Payer").click()

    phone.wait_for_url("**/orders/**")
    assert phone.get_by_text("Payé. Bon spectacle !").is_visible()
    tickets = phone.locator(".ticket")
    assert tickets.count() == 2
    assert phone.get_by_role("button", name="Imprimer").is_visible()  # JavaScript ran
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.screenshot(path=str(SHOTS / "tickets.png"), full_page=True)

    codes = [tickets.nth(i).get_attribute("data-ticket-code") for i in range(2)]
    # Under each QR code, the short code of the same ticket, to type when it will not scan.
    short_codes = dict(db.session.execute(select(Ticket.code, Ticket.short_code)).all())
    for i, code in enumerate(codes):
        short = short_codes[code]
        assert f"{short[:4]}-{short[4:8]}-{short[8]}" in tickets.nth(i).locator(
            ".ticket__code").inner_text()
    for i, code in enumerate(codes):
        qr = tickets.nth(i).locator(".ticket__qr")
        box = qr.bounding_box()
        assert box["width"] >= 250  # large enough for a door scanner at arm's length
        assert read_qr_codes(qr.screenshot()) == [code]
    assert read_qr_codes(phone.screenshot(full_page=True)) == codes  # the whole page too

    # At the door, without network: the tickets are still there.
    phone.wait_for_selector("html[data-offline-ready]", state="attached")
    phone.wait_for_function("navigator.serviceWorker.controller !== null")
    phone.context.set_offline(True)
    phone.reload()
    assert phone.get_by_text("Payé. Bon spectacle !").is_visible()
    assert phone.locator(".ticket__qr svg").count() == 2
    phone.context.set_offline(False)


def test_the_checkout_form_says_what_is_wrong_without_javascript(db, live_server, chromium):
    release = offer_tonight(db)
    context = chromium.new_context(viewport={"width": 390, "height": 844}, locale="fr-FR",
                                   java_script_enabled=False)
    page = context.new_page()
    try:
        hold = page.request.post(live_server + "/api/v1/holds",
                                 data={"offer_id": release.id, "quantity": 1}).json()
        page.goto(f"{live_server}/checkout/{hold['hold_id']}")
        # A valid address for the browser (no dot needed), not for us: the server answers.
        page.get_by_label("E-mail", exact=True).fill("lea@example")
        page.get_by_label("Nom", exact=True).fill("Léa Martin")
        page.get_by_label("Code postal").fill("13006")
        page.get_by_role("button", name="Passer au paiement").click()
        assert page.get_by_text("Cette adresse e-mail ne semble pas correcte").is_visible()
        assert page.get_by_label("Nom", exact=True).input_value() == "Léa Martin"
    finally:
        context.close()


def test_the_waiting_page_shows_the_tickets_as_soon_as_the_payment_is_confirmed(
        db, live_server, phone):
    release = offer_tonight(db)
    api = phone.request
    hold = api.post(live_server + "/api/v1/holds",
                    data={"offer_id": release.id, "quantity": 1}).json()
    order = api.post(f"{live_server}/api/v1/holds/{hold['hold_id']}/checkout",
                     data={"email": "lea@example.org", "name": "Léa", "postcode": "13006",
                           "marketing_consent": False}).json()
    phone.goto(f"{live_server}/orders/{order['order_id']}?token={order['order_token']}")
    assert phone.get_by_role("heading", name="En attente de votre paiement").is_visible()
    # The provider confirms behind the buyer's back (a webhook, here the demo endpoint).
    assert api.post(f"{live_server}/api/v1/payments/demo/{order['order_id']}/succeed",
                    params={"token": order["order_token"]}).ok
    phone.get_by_text("Payé. Bon spectacle !").wait_for(timeout=8000)
    assert phone.locator(".ticket").count() == 1
