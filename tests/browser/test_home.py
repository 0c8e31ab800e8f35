"""The home page in a real browser, at phone size."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from marketplace.domain.timeutil import PARIS, to_paris, utcnow
from tests.factories import PerformanceFactory, ReleaseFactory, ShowFactory, VenueFactory

pytestmark = pytest.mark.browser


def offer_at(starts_at: datetime, title: str, discipline: str = "theatre", **release):
    """An offer on sale from an hour ago for a performance at `starts_at` (real clock)."""
    show = ShowFactory(title=title, discipline=discipline, venue=VenueFactory(city="Marseille"))
    performance = PerformanceFactory(show=show, starts_at=starts_at)
    return ReleaseFactory(performance=performance,
                          sales_open_at=utcnow() - timedelta(hours=1),
                          max_discount_at=starts_at - timedelta(minutes=30), **release)


def tomorrow_evening() -> datetime:
    tomorrow = to_paris(utcnow()).date() + timedelta(days=1)
    return datetime.combine(tomorrow, time(20, 30), tzinfo=PARIS).astimezone(UTC)


def test_home_shows_the_offer_cards_on_a_phone(db, live_server, phone, tmp_path):
    soon = utcnow() + timedelta(hours=3)
    offer_at(soon, "Le Misanthrope", face_price_cents=2800, quantity=30, sold=27)
    offer_at(soon + timedelta(minutes=30), "Crowd", face_price_cents=2200)
    offer_at(tomorrow_evening(), "La Flûte enchantée", face_price_cents=6500)
    db.session.commit()

    phone.goto(live_server + "/")

    cards = phone.locator(".offer-card")
    assert cards.count() == 3
    for i in range(3):
        assert cards.nth(i).is_visible()
    assert cards.get_by_role("heading", name="Le Misanthrope").is_visible()
    assert phone.locator("html").get_attribute("lang") == "fr"
    # Mobile first: nothing wider than the screen.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.screenshot(path=str(tmp_path / "home.png"), full_page=True)
    assert (tmp_path / "home.png").stat().st_size > 10_000


def test_filters_and_see_more_go_through_htmx(db, live_server, phone):
    soon = utcnow() + timedelta(hours=2)
    for n in range(13):
        offer_at(soon + timedelta(minutes=n), f"Spectacle {n:02d}")
    offer_at(tomorrow_evening(), "Ballet", discipline="dance")
    db.session.commit()

    phone.goto(live_server + "/")
    assert phone.locator(".offer-card").count() == 12
    phone.evaluate("window.stillTheSamePage = true")

    phone.get_by_role("link", name="Voir plus").click()
    phone.wait_for_function("document.querySelectorAll('.offer-card').length === 14")
    assert phone.url == live_server + "/"  # appending a page does not change the address
    assert phone.get_by_role("link", name="Voir plus").count() == 0

    phone.get_by_role("link", name="Danse", exact=True).click()
    phone.wait_for_url(live_server + "/?discipline=dance")
    phone.wait_for_function("document.querySelectorAll('.offer-card').length === 1")
    assert phone.locator(".offer-card").get_by_role("heading", name="Ballet").is_visible()
    assert phone.get_by_role("link", name="Danse", exact=True).get_attribute(
        "aria-current") == "true"
    # Swapped in place by htmx: no page load, a single header.
    assert phone.evaluate("window.stillTheSamePage") is True
    assert phone.locator(".site-header").count() == 1

    phone.go_back()
    phone.wait_for_function("document.querySelectorAll('.offer-card').length >= 12")
    assert phone.url == live_server + "/"
