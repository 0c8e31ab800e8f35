"""The spectator's evening, in headless Chromium at phone size with a fake position.

On the Vieux-Port at 390×844: « autour de moi », tonight, nearest first, dance only,
open the offer, read the price clock, book two seats. Screenshots of the list, the
offer page and the map are written to KIOSQUE_SCREENSHOTS (default
/tmp/kiosque-screenshots): look at them.
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
import time_machine

from marketplace.domain.timeutil import PARIS, to_paris, utcnow
from tests.browser.conftest import PHONE
from tests.factories import PerformanceFactory, ReleaseFactory, ShowFactory, VenueFactory

pytestmark = pytest.mark.browser

SHOTS = Path(os.environ.get("KIOSQUE_SCREENSHOTS", "/tmp/kiosque-screenshots"))
VIEUX_PORT = {"latitude": 43.2951, "longitude": 5.3744}
PAGE_WEIGHT_LIMIT = 100_000


@pytest.fixture(autouse=True)
def five_pm():
    """Today, 17:00 in Paris, and the clock running: "tonight" is the evening ahead.

    The server runs in this process, so it shares the clock; the browser keeps its own.
    """
    today = to_paris(utcnow()).date()
    start = datetime.combine(today, time(17, 0), tzinfo=PARIS).astimezone(UTC)
    with time_machine.travel(start, tick=True):
        yield


@pytest.fixture
def spectator(chromium):
    """A phone on the Vieux-Port that lets the site know where it is; offline."""
    context = chromium.new_context(viewport=PHONE, locale="fr-FR", geolocation=VIEUX_PORT,
                                   permissions=["geolocation"])
    asked_outside: list[str] = []

    def only_local(route):
        if route.request.url.startswith("http://127.0.0.1"):
            return route.continue_()
        asked_outside.append(route.request.url)
        return route.abort()

    context.route("**/*", only_local)
    page = context.new_page()
    page.set_default_timeout(5000)
    page.asked_outside = asked_outside
    yield page
    context.close()


def offer(venue, title: str, discipline: str = "theatre", hours: float = 3, **release):
    """An offer for a performance `hours` from now (real clock), on sale since an hour ago."""
    starts_at = utcnow() + timedelta(hours=hours)
    show = ShowFactory(venue=venue, title=title, discipline=discipline,
                       description="Une soirée à ne pas manquer.", duration_minutes=80,
                       age_guidance="Tout public")
    return ReleaseFactory(performance=PerformanceFactory(show=show, starts_at=starts_at),
                          sales_open_at=utcnow() - timedelta(hours=1),
                          max_discount_at=starts_at - timedelta(minutes=30), **release)


@pytest.fixture
def evening(db):
    """Tonight around the Vieux-Port, at increasing distances; and one show tomorrow."""
    def venue(name, city, lat, lng, **notes):
        return VenueFactory(name=name, city=city, lat=lat, lng=lng, **notes)

    criee = venue("La Criée", "Marseille", 43.2926, 5.3689, step_free_access=True,
                  address="30 quai de Rive-Neuve", postcode="13007",
                  transport_notes="Métro 1 Vieux-Port, bus 82 et 83.",
                  getting_home_notes="Métro 1 jusque vers 0 h 30.")
    gymnase = venue("Théâtre du Gymnase", "Marseille", 43.2986, 5.3795)
    klap = venue("Klap", "Marseille", 43.3092, 5.3852)
    gtp = venue("Grand Théâtre de Provence", "Aix-en-Provence", 43.5236, 5.4388)
    liberte = venue("Le Liberté", "Toulon", 43.1257, 5.9326)
    offers = {
        "Le Misanthrope": offer(criee, "Le Misanthrope", hours=3, face_price_cents=3000,
                                quantity=30, sold=26),
        "Cyrano": offer(gymnase, "Cyrano de Bergerac", hours=2.5, face_price_cents=2800),
        "Corps de marée": offer(klap, "Corps de marée", "dance", hours=3.5,
                                face_price_cents=2200),
        "Boléro": offer(gtp, "Boléro", "dance", hours=2, face_price_cents=4500),
        "La Tempête": offer(liberte, "La Tempête", hours=4, face_price_cents=2500),
        "Demain": offer(klap, "Le Lac des cygnes", "dance", hours=26, face_price_cents=3500),
    }
    db.session.commit()
    return offers


def card_titles(page) -> list[str]:
    return page.locator(".offer-card .offer-card__title").all_inner_texts()


def test_tonight_nearest_first_then_dance_then_the_offer_and_its_price_clock(
        live_server, spectator, evening):
    page = spectator
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.goto(live_server + "/")
    # No location yet: sorted by start time, no distances.
    assert page.locator(".offer-card__distance").count() == 0

    page.get_by_role("button", name="Autour de moi").click()
    page.wait_for_url(live_server + "/")
    assert "votre position" in page.locator(".where__now").inner_text()

    page.get_by_role("link", name="Ce soir", exact=True).click()
    page.wait_for_url(live_server + "/?when=tonight")
    page.wait_for_function("!document.querySelector('.offers.htmx-request')")
    page.evaluate("window.stillTheSamePage = true")
    page.get_by_label("Trier").select_option("distance")
    page.wait_for_url(re.compile(r".*sort=distance"))
    page.wait_for_function(
        "document.querySelector('.offer-card__title')?.innerText === 'Le Misanthrope'")
    assert card_titles(page) == ["Le Misanthrope", "Cyrano de Bergerac", "Corps de marée",
                                 "Boléro", "La Tempête"]
    distances = page.locator(".offer-card__distance").all_inner_texts()
    assert distances[0].startswith("à ") and distances[0].endswith("m")
    assert "km" in distances[-1]
    assert page.evaluate("window.stillTheSamePage") is True  # htmx, no reload

    page.locator(".chips--scroll").first.get_by_role("link", name="Danse", exact=True).click()
    page.wait_for_url(re.compile(r".*discipline=dance"))
    page.wait_for_function("document.querySelectorAll('.offer-card').length === 2")
    assert card_titles(page) == ["Corps de marée", "Boléro"]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(SHOTS / "storefront-list.png"), full_page=True)

    page.locator(".offer-card").first.click()
    page.wait_for_url(re.compile(r".*/offers/\d+$"))
    assert page.get_by_role("heading", name="Corps de marée", level=1).is_visible()
    clock = page.locator("svg.clock__svg")
    clock.scroll_into_view_if_needed()
    assert clock.is_visible()
    assert page.get_by_role("heading", name="L'horloge des prix").is_visible()
    assert "aujourd’hui" in page.locator(".clock__now-label").text_content()
    box = clock.bounding_box()
    assert box["width"] > 300 and box["height"] > 150
    page.locator(".map--small").scroll_into_view_if_needed()
    page.wait_for_selector(".map--small .map-marker")  # a marker, on a blank layer
    page.screenshot(path=str(SHOTS / "storefront-offer.png"), full_page=True)
    assert (SHOTS / "storefront-offer.png").stat().st_size > 20_000

    page.get_by_label("Places").select_option("2")
    page.get_by_role("button", name="Réserver").click()
    page.wait_for_url(re.compile(r".*/checkout/[\w-]+$"))
    assert page.asked_outside == []  # no geocoder, no tiles: nothing left the machine


def test_the_map_shows_one_marker_per_venue_offline(live_server, spectator, evening):
    page = spectator
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.goto(live_server + "/?lat=43.2951&lng=5.3744")
    page.get_by_role("link", name="Carte", exact=True).click()
    page.wait_for_url(live_server + "/?view=map")
    page.wait_for_selector(".leaflet-container")
    page.wait_for_function("document.querySelectorAll('#map .map-marker').length === 5")
    assert page.locator("#map .map-here").count() == 1
    assert page.locator(".venue-pin").count() == 5  # the list is still there, below
    page.locator("#map").scroll_into_view_if_needed()
    page.locator("#map .map-marker").first.click(force=True)
    page.wait_for_selector(".leaflet-popup-content a")
    page.wait_for_timeout(400)  # the popup fades in and the map pans to it
    assert page.locator(".leaflet-tile").count() == 0  # offline: a blank layer
    page.screenshot(path=str(SHOTS / "storefront-map.png"), full_page=True)
    assert page.asked_outside == []


def test_the_carousel_mixes_reasons_and_says_why(live_server, spectator, evening):
    page = spectator
    page.goto(live_server + "/?lat=43.2951&lng=5.3744")
    picks = page.locator(".pick")
    assert picks.count() == 6  # every offer on sale, five venues
    reasons = set(page.locator(".pick__reason").all_inner_texts())
    assert reasons <= {"PRÈS DE VOUS", "BIENTÔT", "BON PLAN", "AU HASARD"}
    assert "AU HASARD" in reasons
    picks.first.scroll_into_view_if_needed()
    assert picks.first.is_visible()


def test_first_load_of_the_home_page_weighs_under_100_kb(live_server, chromium, evening):
    """HTML + CSS + our JS as transferred (gzip, headers included), from an empty cache."""
    context = chromium.new_context(viewport=PHONE, locale="fr-FR")
    page = context.new_page()
    page.goto(live_server + "/")
    page.wait_for_load_state("networkidle")
    entries = page.evaluate("""() => [
        ...performance.getEntriesByType('navigation'),
        ...performance.getEntriesByType('resource')
    ].map(e => ({name: e.name, transferred: e.transferSize, body: e.decodedBodySize}))""")
    context.close()
    transferred = sum(e["transferred"] for e in entries)
    decoded = sum(e["body"] for e in entries)
    print(f"\nfirst load of /: {transferred} bytes transferred ({decoded} bytes decoded) "
          f"in {len(entries)} responses")
    assert {"kiosque.css", "htmx.min.js", "kiosque.js"} <= {Path(e["name"]).name
                                                             for e in entries[1:]}
    assert transferred <= PAGE_WEIGHT_LIMIT
    assert decoded > transferred  # served compressed


def test_without_javascript_everything_still_works_as_links_and_forms(live_server, chromium,
                                                                      evening):
    context = chromium.new_context(viewport=PHONE, locale="fr-FR", java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(5000)
    page.goto(live_server + "/")
    assert not page.get_by_role("button", name="Autour de moi").is_visible()  # needs JS
    page.get_by_label("Ville ou code postal").fill("13001")
    page.get_by_role("button", name="OK").click()
    page.wait_for_url(live_server + "/")
    assert "Marseille (13001)" in page.locator(".where__now").inner_text()

    page.locator(".chips--scroll").first.get_by_role("link", name="Danse", exact=True).click()
    page.wait_for_url(live_server + "/?discipline=dance")
    page.get_by_text("Plus de filtres").click()
    page.get_by_label("Prix").select_option("15")
    page.get_by_label("Trier").select_option("distance")
    page.get_by_role("button", name="Appliquer").click()
    page.wait_for_url(re.compile(r".*max_price=15.*sort=distance"))
    assert card_titles(page) == ["Corps de marée"]  # about 13.50 €; the others above 20 €

    page.locator(".offer-card__title a").first.click()
    page.get_by_role("button", name="Réserver").click()
    page.wait_for_url(re.compile(r".*/checkout/[\w-]+$"))
    context.close()
