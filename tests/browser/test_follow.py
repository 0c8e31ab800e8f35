"""« Suivre ce lieu » in a real browser: the form on an offer's page, the confirmation
link from a real SMTP server, the notifications block that only JavaScript with Push
support shows (its worker registered where no page lives, beside the tickets' worker),
and the one-click stop. KIOSQUE_SCREENSHOTS=<dir> keeps a picture of each screen."""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path

import pytest

from marketplace.domain.push.channel import generate_key_pair
from marketplace.domain.timeutil import utcnow
from tests.browser.conftest import PHONE
from tests.factories import ReleaseFactory, VenueFactory
from tests.smtp_server import smtp_server

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("KIOSQUE_SCREENSHOTS")


def _shot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def _plain(message) -> str:
    part = next(p for p in message.walk() if p.get_content_type() == "text/plain")
    return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")


def _link(message, pattern: str, live_server: str) -> str:
    return live_server + re.search(rf"http://kiosque\.test(/suivis/\S+/{pattern})",
                                   _plain(message))[1]


def test_following_a_venue_from_its_offer_then_notifications_then_one_click_stop(
        app, db, live_server, phone, chromium, monkeypatch):
    venue = VenueFactory(slug="la-criee", name="La Criée")
    start = utcnow()
    release = ReleaseFactory(performance__show__venue=venue, performance__show__title="Phèdre",
                             performance__starts_at=start + timedelta(hours=3),
                             sales_open_at=start - timedelta(hours=2),
                             max_discount_at=start + timedelta(hours=2))
    db.session.commit()
    monkeypatch.setitem(app.config, "VAPID_PRIVATE_KEY", generate_key_pair()[0])
    with smtp_server() as (url, received):
        monkeypatch.setitem(app.config, "SMTP_URL", url)
        phone.goto(f"{live_server}/offers/{release.id}")
        phone.get_by_text("Suivre La Criée", exact=True).click()
        phone.get_by_label("Votre e-mail, pour suivre ce lieu").fill("nadia@example.org")
        phone.locator("#follow-form").scroll_into_view_if_needed()
        _shot(phone, "1-offer-follow-form")
        phone.get_by_role("button", name="Suivre ce lieu").click()
        phone.get_by_role("heading", name="Consultez votre boîte mail").wait_for()
        _shot(phone, "2-check-inbox")
        [confirmation] = received
        assert confirmation["To"] == "nadia@example.org"
        assert "suivre La" in confirmation["Subject"]

    confirm = _link(confirmation, "confirmer", live_server)
    # Without JavaScript: the confirmation, and no notifications block at all.
    no_js = chromium.new_context(viewport=PHONE, locale="fr-FR", java_script_enabled=False)
    page = no_js.new_page()
    page.goto(confirm)
    page.get_by_role("heading", name="Vous suivez La Criée").wait_for()
    assert not page.get_by_role("button", name="Activer les notifications").is_visible()
    no_js.close()

    phone.context.grant_permissions(["notifications"], origin=live_server)
    phone.goto(confirm)
    phone.get_by_role("heading", name="Vous suivez La Criée").wait_for()
    button = phone.get_by_role("button", name="Activer les notifications")
    button.wait_for()
    _shot(phone, "3-confirmed-with-notifications")
    button.click()
    # Headless Chromium has no push service to subscribe to: it says so, the e-mails stay.
    status = phone.locator(".push-offer__status")
    phone.wait_for_function("document.querySelector('.push-offer__status').textContent")
    assert "e-mail" in status.text_content() or "cet appareil" in status.text_content()
    scopes = phone.evaluate("navigator.serviceWorker.getRegistrations()"
                            ".then(rs => rs.map(r => r.scope))")
    assert scopes == [f"{live_server}/static/js/push/"]
    assert phone.evaluate("navigator.serviceWorker.controller") is None  # controls no page
    _shot(phone, "4-after-notifications-click")

    stop = _link(confirmation, "arreter", live_server)
    phone.goto(stop)
    _shot(phone, "5-stop")
    phone.get_by_role("button", name="Ne plus suivre").click()
    phone.get_by_role("heading", name="C'est fait").wait_for()
    _shot(phone, "6-stopped")


def test_my_data_lists_followed_venues_and_devices_on_a_phone(app, db, live_server, phone):
    import secrets

    from marketplace.domain.follows.models import Follow
    from marketplace.domain.push.models import PushSubscription
    from marketplace.domain.rights.services import issue_data_link
    from tests.push_receiver import PushService

    now = utcnow()
    venue = VenueFactory(slug="le-silo", name="Le Silo")
    db.session.flush()
    keys = PushService().subscription()["keys"]
    db.session.add_all([
        Follow(email="nadia@example.org", venue_id=venue.id, created_at=now, confirmed_at=now,
               token_hash=secrets.token_hex(32)),
        PushSubscription(email="nadia@example.org", origin="follow", created_at=now,
                         endpoint="https://fcm.googleapis.com/fcm/send/abc",
                         p256dh=keys["p256dh"], auth=keys["auth"])])
    token = issue_data_link(db.session, "nadia@example.org", now).token
    db.session.commit()
    phone.goto(f"{live_server}/mes-donnees/{token}")
    phone.get_by_role("heading", name="Lieux que vous suivez").wait_for()
    assert phone.get_by_text("Un appareil (via fcm.googleapis.com)").is_visible()
    phone.locator("#follows").scroll_into_view_if_needed()
    _shot(phone, "7-my-data")
    phone.get_by_role("button", name="Plus de notifications sur cet appareil").click()
    phone.get_by_text("C'est fait : cet appareil ne recevra plus de notifications.").wait_for()
    phone.get_by_role("button", name="Ne plus suivre").click()
    phone.get_by_text("C'est fait : vous ne suivez plus ce lieu.").wait_for()
