"""The contact base in a real browser: a manager narrows a segment as they type, exports it,
opens a contact; the same pages on a phone. Screenshots go to $KIOSQUE_SCREENSHOTS."""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path

import pytest

from marketplace.domain.contacts.services import refresh_stages
from marketplace.domain.timeutil import utcnow
from tests.browser.conftest import PHONE
from tests.browser.test_portal import log_in
from tests.factories import (
    MembershipFactory,
    PerformanceFactory,
    ReleaseFactory,
    StaffFactory,
    VenueFactory,
)
from tests.test_contacts_portal import sale

pytestmark = pytest.mark.browser

SHOTS = Path(os.environ.get("KIOSQUE_SCREENSHOTS", "/tmp/kiosque-screenshots"))
LAPTOP = {"width": 1280, "height": 800}
PEOPLE = [("Hélène Dupré", "13006"), ("Léa Martin", "13007"), ("Paul Arnaud", "83000"),
          ("Zoé Bonnet", "13001"), ("Karim Haddad", "13003"), ("Jérôme Lefèvre", "84000"),
          ("Inès Moreau", "13008"), ("Théo Girard", "04000"), ("Camille Roux", "13002"),
          ("Noémie Petit", "06000"), ("Lucas Mercier", "13013"), ("Amélie Chevalier", "13100")]


@pytest.fixture
def base(db):
    """La Criée and 36 buyers: regulars, first-timers, lapsed; some opted in, some at -60 %."""
    now = utcnow()
    venue = VenueFactory(name="La Criée", slug="la-criee", webhook_url="http://127.0.0.1:9/x",
                         webhook_secret="s")
    theatre = ReleaseFactory(performance=PerformanceFactory(
        show__venue=venue, show__title="Le Misanthrope", starts_at=now - timedelta(days=3)))
    dance = ReleaseFactory(performance=PerformanceFactory(
        show__venue=venue, show__title="Boléro", show__discipline="dance",
        starts_at=now - timedelta(days=20)))
    for n in range(36):
        name, postcode = PEOPLE[n % len(PEOPLE)]
        first, last = name.lower().split(" ", 1)
        email = f"{first}.{last}{n}@example.org".replace("é", "e").replace("è", "e")
        release = dance if n % 4 == 0 else theatre
        visits = 3 if n % 5 == 0 else 1
        for visit in reversed(range(visits)):  # oldest first, as they happened
            days = 400 + n if n % 7 == 3 else visit * 30 + n
            sale(db, release, now - timedelta(days=days, hours=visit), email=email, name=name,
                 postcode=postcode, consent=n % 3 == 0, discount=60 if n % 6 == 1 else 35,
                 quantity=1 + n % 3, birth_year=1960 + n if n % 2 else None)
    refresh_stages(db.session, now)
    db.session.info.clear()  # nothing to send: the tool of this test is not listening
    manager = MembershipFactory(venue=venue, role="manager",
                                user=StaffFactory(name="Camille Martin",
                                                  email="camille@la-criee.example"))
    db.session.commit()
    return {"venue": venue, "manager": manager}


@pytest.fixture
def laptop(chromium):
    context = chromium.new_context(viewport=LAPTOP, locale="fr-FR", accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(5000)
    yield page
    context.close()


def test_a_manager_narrows_a_segment_as_they_type_and_exports_it(db, live_server, laptop, base):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = laptop
    log_in(page, live_server, "camille@la-criee.example")
    page.get_by_role("link", name="Contacts", exact=True).click()
    page.wait_for_url(re.compile(r".*/contacts$"))
    assert page.locator("#segment-size").inner_text() == "36 contacts"
    page.screenshot(path=str(SHOTS / "contacts-laptop.png"), full_page=False)

    # Typing filters without a click (htmx), and the address follows the segment.
    page.get_by_label("Rechercher").fill("helene")
    page.wait_for_url(re.compile(r".*q=helene"))
    page.locator("#segment-size", has_text="3 contacts dans ce segment").wait_for()
    page.get_by_label("Rechercher").fill("")
    page.get_by_label("Relation").select_option("regular")
    page.wait_for_url(re.compile(r".*stage=regular"))
    page.get_by_label("Seulement ceux qui acceptent vos actualités").check()
    page.wait_for_url(re.compile(r".*consented=1"))
    size = page.locator("#segment-size").inner_text()
    assert re.fullmatch(r"\d+ contacts? dans ce segment", size), size
    page.screenshot(path=str(SHOTS / "contacts-segment-laptop.png"), full_page=True)

    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("Fichier marketing")).click()
    assert "marketing" in download.value.suggested_filename
    lines = Path(download.value.path()).read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith("E-mail;Nom;Code postal") and len(lines) > 1  # in French
    assert all(line.split(";")[10] == "oui" for line in lines[1:])

    page.get_by_role("link", name="Effacer les filtres").click()
    page.get_by_role("link", name=re.compile("Hélène Dupré")).first.click()
    page.wait_for_url(re.compile(r".*/contacts/\d+$"))
    assert page.get_by_role("heading", name="Commandes à La Criée").is_visible()
    page.screenshot(path=str(SHOTS / "contact-laptop.png"), full_page=True)

    page.get_by_role("link", name="← Contacts").click()
    page.get_by_role("link", name="Envois à votre outil").click()
    page.wait_for_url(re.compile(r".*/webhooks$"))
    page.screenshot(path=str(SHOTS / "webhooks-laptop.png"), full_page=False)


def test_the_contact_pages_fit_a_phone(db, live_server, phone, base):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = phone
    log_in(page, live_server, "camille@la-criee.example")
    page.goto(f"{live_server}/portal/venues/la-criee/contacts")
    page.screenshot(path=str(SHOTS / "contacts-phone.png"), full_page=False)
    page.screenshot(path=str(SHOTS / "contacts-phone-full.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.get_by_role("link", name=re.compile("Léa Martin")).first.click()
    page.wait_for_url(re.compile(r".*/contacts/\d+$"))
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(SHOTS / "contact-phone.png"), full_page=True)
