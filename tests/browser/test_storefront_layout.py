"""The storefront's layout claims, measured in Chromium: the price clock's labels never
overlap (320, 390 and 1280 px wide), the first offers are in view on a phone (390×844),
the empty « Ce soir » leads somewhere. Screenshots go to KIOSQUE_SCREENSHOTS (default
/tmp/kiosque-screenshots): look at them.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
import time_machine

from marketplace.domain.timeutil import PARIS, to_paris, utcnow
from tests.browser.conftest import PHONE
from tests.factories import PerformanceFactory, ReleaseFactory, ShowFactory, VenueFactory

pytestmark = pytest.mark.browser

SHOTS = Path(os.environ.get("KIOSQUE_SCREENSHOTS", "/tmp/kiosque-screenshots"))
WIDTHS = (320, 390, 1280)
TOWNS = [("Avignon", 43.9493, 4.8055), ("Marseille", 43.2965, 5.3698),
         ("Arles", 43.6766, 4.6278), ("Nice", 43.7031, 7.2661), ("Toulon", 43.1242, 5.928),
         ("Antibes", 43.5808, 7.1239), ("Grasse", 43.6589, 6.9237)]


@pytest.fixture(autouse=True)
def eight_pm_nine():
    """Today 20:09 in Paris, the clock running (the reported « 20:09 » label)."""
    today = to_paris(utcnow()).date()
    start = datetime.combine(today, time(20, 9), tzinfo=PARIS).astimezone(UTC)
    with time_machine.travel(start, tick=True):
        yield


def offer(title: str, curtain: datetime, town: int = 0, discipline: str = "theatre",
          **release):
    name, lat, lng = TOWNS[town % len(TOWNS)]
    venue = VenueFactory(name=f"Théâtre de {name} {title[:3]}", city=name, lat=lat, lng=lng)
    show = ShowFactory(venue=venue, title=title, discipline=discipline,
                       description="Une soirée à ne pas manquer.", duration_minutes=90)
    release.setdefault("sales_open_at", utcnow() - timedelta(hours=2))
    release.setdefault("max_discount_at", curtain - timedelta(hours=1))
    return ReleaseFactory(performance=PerformanceFactory(show=show, starts_at=curtain),
                          **release)


def page_at(chromium, width: int, height: int = 844):
    context = chromium.new_context(viewport={"width": width, "height": height}, locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(5000)
    return context, page


OVERLAPS = """() => {
  const boxes = [...document.querySelectorAll('.clock__label--time')]
    .map(t => t.getBoundingClientRect());
  const svg = document.querySelector('.clock__svg').getBoundingClientRect();
  const clash = [];
  boxes.forEach((a, i) => boxes.slice(i + 1).forEach(b => {
    if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom)
      clash.push([a.left, a.right, b.left, b.right]);
  }));
  const outside = [...document.querySelectorAll('.clock__svg text')]
    .map(t => t.getBoundingClientRect())
    .filter(r => r.left < svg.left - 0.5 || r.right > svg.right + 0.5).length;
  return {count: boxes.length, clash, outside};
}"""


def test_price_clock_labels_never_overlap_at_320_390_and_1280(db, live_server, chromium):
    now = utcnow()
    tuesday = to_paris(now).date() + timedelta(days=(1 - to_paris(now).weekday()) % 7 or 7)
    spans = {
        "ce soir": now + timedelta(hours=1, minutes=20),
        "demain": now + timedelta(hours=20),
        "mardi 00:00": datetime.combine(tuesday, time(1, 30), tzinfo=PARIS).astimezone(UTC),
        "dans cinq jours": now + timedelta(days=5, hours=2),
    }
    offers = {label: offer(f"Spectacle {label}", curtain, n)
              for n, (label, curtain) in enumerate(spans.items())}
    db.session.commit()
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in WIDTHS:
        context, page = page_at(chromium, width, 800 if width > 400 else 844)
        for label, release in offers.items():
            page.goto(f"{live_server}/offers/{release.id}")
            found = page.evaluate(OVERLAPS)
            assert found["count"] >= 2, (width, label)
            assert not found["clash"], (width, label, found)
            assert found["outside"] == 0, (width, label, found)
        page.locator(".clock").screenshot(path=str(SHOTS / f"clock-{width}.png"))
        context.close()


def test_the_next_drops_are_in_view_without_a_click(db, live_server, phone):
    release = offer("Le Misanthrope", utcnow() + timedelta(hours=2, minutes=30))
    db.session.commit()
    phone.goto(f"{live_server}/offers/{release.id}")
    table = phone.locator(".schedule table")
    assert table.is_visible() and phone.locator(".schedule tbody tr").count() >= 2
    assert phone.locator("details.schedule").count() == 0
    phone.screenshot(path=str(SHOTS / "offer-390.png"), full_page=True)


def _home(db, count: int = 14):
    now = utcnow()
    for n in range(count):
        offer(f"Spectacle numéro {n:02d}", now + timedelta(minutes=40 + 12 * n), n,
              face_price_cents=2000 + 100 * n)
    db.session.commit()


def test_the_first_offer_card_is_in_view_on_a_phone(db, live_server, phone):
    _home(db)
    phone.goto(f"{live_server}/")
    assert phone.locator(".discover__list > li").count() >= 5  # the carousel is there too
    top = phone.locator(".offer-card").first.bounding_box()["y"]
    assert top < PHONE["height"], top
    SHOTS.mkdir(parents=True, exist_ok=True)
    phone.screenshot(path=str(SHOTS / "home-390.png"))


def test_the_first_offer_card_is_in_view_once_located_too(db, live_server, phone):
    _home(db)
    phone.goto(f"{live_server}/?near=Avignon")
    assert "Près d’Avignon" in phone.locator(".where__now").inner_text()
    top = phone.locator(".offer-card").first.bounding_box()["y"]
    assert top < PHONE["height"], top


def test_an_empty_tonight_leads_to_everything_then_to_an_alert(db, live_server, phone):
    tomorrow = to_paris(utcnow()).date() + timedelta(days=1)
    offer("Demain soir", datetime.combine(tomorrow, time(20, 30), tzinfo=PARIS)
          .astimezone(UTC))
    db.session.commit()
    phone.goto(f"{live_server}/?when=tonight")
    empty = phone.locator(".empty")
    assert empty.get_by_role("heading").inner_text().startswith("Plus rien pour ce soir")
    assert empty.get_by_role("link", name="Voir tout ce qui est en vente").is_visible()
    form = phone.locator("#watch-form")
    assert form.get_attribute("open") is not None
    assert phone.get_by_label("Votre e-mail").is_visible()
    # The form is styled: a card, and its button the accent one.
    assert form.evaluate("e => getComputedStyle(e).borderTopStyle") == "solid"
    button = phone.locator(".watch-form__submit")
    assert button.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(163, 22, 28)"
    empty.get_by_role("link", name="Ou demandez-nous de vous prévenir").click()
    assert phone.evaluate("location.hash") == "#watch-form"
    phone.screenshot(path=str(SHOTS / "empty-tonight-390.png"), full_page=True)


def test_how_it_works_on_a_phone(db, live_server, phone):
    phone.goto(f"{live_server}/comment-ca-marche")
    assert phone.get_by_role("heading", level=1).inner_text() == "Comment ça marche"
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    phone.screenshot(path=str(SHOTS / "how-it-works-390.png"), full_page=True)


def test_the_offer_page_at_1280(db, live_server, chromium):
    release = offer("Les Noces de Figaro", utcnow() + timedelta(hours=22), discipline="opera")
    db.session.commit()
    context, page = page_at(chromium, 1280, 800)
    page.goto(f"{live_server}/offers/{release.id}")
    assert page.locator(".clock__svg").bounding_box()["width"] <= 600
    page.screenshot(path=str(SHOTS / "offer-1280.png"), full_page=True)
    context.close()
