"""The storefront home page: offers as cards, filters, htmx fragments, French first.

The clock is frozen at the `now` fixture: Friday 20 November 2026, 17:00 in Paris.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from marketplace.blueprints.storefront.display import curtain_words, drop_words
from tests.factories import PerformanceFactory, ReleaseFactory, ShowFactory, VenueFactory

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "marketplace" / "translations" / "fr" / "LC_MESSAGES"


@pytest.fixture(autouse=True)
def frozen_clock(now):
    with time_machine.travel(now, tick=False):
        yield


def paris(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=PARIS).astimezone(UTC)


def make_offer(*, starts_at: datetime | None = None, title: str | None = None,
               discipline: str = "theatre", venue=None, **release):
    starts_at = starts_at or paris(20, 20, 30)
    show = ShowFactory(venue=venue or VenueFactory(), discipline=discipline,
                       **({"title": title} if title else {}))
    performance = PerformanceFactory(show=show, starts_at=starts_at)
    release.setdefault("sales_open_at", NOW - timedelta(hours=1))
    release.setdefault("max_discount_at", starts_at - timedelta(hours=1))
    return ReleaseFactory(performance=performance, **release)


def text_of(response) -> str:
    """The visible text of a response, whitespace collapsed (for phrases split across lines)."""
    return visible(response.get_data(as_text=True))


def visible(html: str) -> str:
    # ASCII whitespace only: the no-break spaces of French typography are part of the text.
    return re.sub(r"[ \t\r\n]+", " ", re.sub(r"<[^>]+>", " ", html))


def listed(response) -> str:
    """The visible text of the list of offers alone (not the carousel above it)."""
    html = response.get_data(as_text=True)
    start = html.index('id="offers"')
    return visible(html[start:html.index("</main>", start)])


# --- the page --------------------------------------------------------------------------------

def test_home_lists_the_offers_as_cards_in_french(db, client):
    venue = VenueFactory(name="La Criée", city="Marseille")
    make_offer(title="Le Misanthrope", venue=venue, face_price_cents=3000, quantity=20, sold=17)
    db.session.commit()

    response = client.get("/")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<html lang="fr">' in html
    assert '<meta name="viewport"' in html
    assert "htmx-2.0.11/htmx.min.js" in html and "css/kiosque.css" in html
    text = text_of(response)
    assert "Le Misanthrope" in text
    assert "La Criée · Marseille" in text
    assert "ce soir 20:30" in text
    assert "30,00\xa0€" in text  # face price, struck through
    assert re.search(r"−\d+\u202f%", text)  # the discount badge
    assert re.search(r"prochaine baisse à \d\d:\d\d → \d+,\d0\xa0€", text)
    assert "plus que 3 places" in text
    assert html.count('class="offer-card"') == 1


def test_face_price_is_struck_and_current_price_shown(db, client, now):
    release = make_offer(face_price_cents=4000)
    db.session.commit()
    from marketplace.domain.pricing import price_at

    html = client.get("/").get_data(as_text=True)
    price = price_at(release.price_schedule(), now)
    euros = f"{price // 100},{price % 100:02d}\xa0€"
    assert re.search(r'<s class="price__face">.*40,00\xa0€</s>', html)
    assert re.search(rf'<strong class="price__now">.*{euros}</strong>', html)


def test_scarcity_is_told_only_from_five_seats_down(db, client):
    make_offer(title="Presque complet", quantity=10, sold=9)
    make_offer(title="Bien rempli", quantity=10, sold=4)
    db.session.commit()
    text = text_of(client.get("/"))
    assert "plus qu’une place" in text
    assert "plus que 6 places" not in text


def test_start_times_read_as_people_say_them(db, client):
    make_offer(title="Demain soir", starts_at=paris(21, 19))
    make_offer(title="Dimanche", starts_at=paris(22, 20, 30),
               sales_open_at=NOW - timedelta(hours=1))
    db.session.commit()
    text = text_of(client.get("/"))
    assert "demain 19:00" in text
    assert "dim. 22 nov. 20:30" in text


def test_empty_state_reads_well(db, client):
    text = text_of(client.get("/"))
    assert "Rien en vente ici… pour l’instant" in text
    assert "Revenez un peu plus tard" in text
    assert "Voir tout ce qui est en vente" not in text  # no filter to lift

    text = text_of(client.get("/?when=tonight"))
    assert "Plus rien pour ce soir… pour l’instant" in text
    assert "Voir tout ce qui est en vente" in text


# --- filters and pages -----------------------------------------------------------------------

def test_when_and_discipline_filters_work_as_plain_links(db, client):
    make_offer(title="Ballet ce soir", discipline="dance")
    make_offer(title="Pièce demain", starts_at=paris(21, 20))
    db.session.commit()

    text = listed(client.get("/?when=tonight"))
    assert "Ballet ce soir" in text and "Pièce demain" not in text
    text = listed(client.get("/?discipline=theatre"))
    assert "Pièce demain" in text and "Ballet ce soir" not in text

    html = client.get("/?when=tomorrow&discipline=theatre").get_data(as_text=True)
    assert re.search(r'href="/\?when=tomorrow&amp;discipline=theatre"[^>]*\s+aria-current="true"',
                     html)
    # Each filter link keeps the other filter and works with or without htmx.
    tonight_theatre = "/?when=tonight&amp;discipline=theatre"
    assert f'href="{tonight_theatre}" hx-get="{tonight_theatre}"' in html
    assert 'href="/?when=tomorrow" hx-get="/?when=tomorrow"' in html


def test_disciplines_are_translated(db, client):
    make_offer(discipline="family")
    db.session.commit()
    assert "Jeune public" in text_of(client.get("/"))
    assert "Family" in text_of(client.get("/?lang=en"))


def test_values_nobody_could_click_fall_back_to_everything(db, client):
    make_offer(title="Toujours là")
    db.session.commit()
    response = client.get("/?when=yesterday&discipline=jazz&page=abc")
    assert response.status_code == 200
    assert "Toujours là" in text_of(response)


def test_see_more_pages_through_the_offers(db, client, now):
    for hour in range(14):
        make_offer(title=f"Spectacle {hour:02d}", starts_at=now + timedelta(hours=2, minutes=hour))
    db.session.commit()

    first = client.get("/").get_data(as_text=True)
    assert first.count('class="offer-card"') == 12
    assert re.search(r'<a class="button" href="/\?page=2" hx-get="/\?page=2"', first)
    assert "Voir plus" in first

    second = client.get("/?page=2", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert second.count('class="offer-card"') == 2
    assert "Voir plus" not in second

    full_second = text_of(client.get("/?page=2"))
    assert "Revenir aux premières offres" in full_second  # without JavaScript


# --- htmx ------------------------------------------------------------------------------------

def test_htmx_request_gets_only_the_fragment(db, client):
    make_offer(title="Fragment")
    db.session.commit()

    response = client.get("/?when=tonight", headers={"HX-Request": "true"})

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in html and "<header" not in html
    assert 'class="offer-list"' in html and "Fragment" in html
    assert 'class="filters"' in html  # the filters reflect the new choice
    assert "HX-Request" in response.headers["Vary"]


def test_plain_boosted_and_history_requests_get_the_full_page(db, client):
    for headers in ({}, {"HX-Request": "true", "HX-Boosted": "true"},
                    {"HX-Request": "true", "HX-History-Restore-Request": "true"}):
        response = client.get("/", headers=headers)
        assert "<html" in response.get_data(as_text=True)
        assert "HX-Request" in response.headers["Vary"]


# --- language --------------------------------------------------------------------------------

def test_lang_en_shows_english_and_is_remembered(db, client):
    make_offer(title="Hamlet", quantity=10, sold=8)
    db.session.commit()

    response = client.get("/?lang=en")

    html = response.get_data(as_text=True)
    text = text_of(response)
    assert '<html lang="en">' in html
    assert "tonight 20:30" in text  # a 24-hour clock in English too
    assert "only 2 seats left" in text and "next drop at" in text
    assert "€30.00" in text
    assert "lang=en" in response.headers["Set-Cookie"]

    # The cookie keeps English on the next visit, and ?lang=fr goes back to French.
    assert '<html lang="en">' in client.get("/").get_data(as_text=True)
    assert '<html lang="fr">' in client.get("/?lang=fr").get_data(as_text=True)
    assert '<html lang="fr">' in client.get("/").get_data(as_text=True)


def test_language_switch_keeps_the_filters(db, client):
    html = client.get("/?when=tomorrow").get_data(as_text=True)
    assert 'href="/?when=tomorrow&amp;lang=en"' in html


def test_unknown_language_is_ignored(db, client):
    response = client.get("/?lang=de")
    assert '<html lang="fr">' in response.get_data(as_text=True)
    assert "Set-Cookie" not in response.headers or "lang=" not in response.headers["Set-Cookie"]


# --- errors ----------------------------------------------------------------------------------

def test_404_is_a_friendly_html_page(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    text = text_of(response)
    assert "Page introuvable" in text and "Voir les offres en vente" in text
    assert "Page not found" in text_of(client.get("/no-such-page?lang=en"))


def test_error_page_renders_any_status(app):
    with app.test_request_context("/"):
        from flask import render_template

        html = render_template("errors/error.html", status=500, code="internal_error",
                               message="boom")
        assert "Un problème est survenu de notre côté" in html and "boom" not in html
        html = render_template("errors/error.html", status=418, code="teapot",
                               message="I am a teapot")
        assert "I am a teapot" in html


# --- words -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("starts_at", "expected"), [
    (paris(20, 20, 30), "ce soir 20:30"),
    (paris(20, 17, 0), "ce soir 17:00"),
    (paris(20, 16, 30), "aujourd’hui 16:30"),
    (paris(21, 0, 30), "cette nuit 00:30"),
    (paris(21, 19, 0), "demain 19:00"),
    (paris(22, 20, 30), "dim. 22 nov. 20:30"),
])
def test_curtain_words(app, starts_at, expected):
    with app.test_request_context("/"):
        assert curtain_words(starts_at, NOW) == expected


def test_next_drop_time_is_rounded_up_to_the_minute(app):
    with app.test_request_context("/"):
        assert drop_words(paris(20, 19, 40), NOW, "12,00 €") == "prochaine baisse à 19:40 → 12,00 €"
        assert drop_words(paris(20, 19, 40) + timedelta(seconds=1), NOW, "12 €") == (
            "prochaine baisse à 19:41 → 12 €")
        assert drop_words(paris(21, 10), NOW, "9 €") == "prochaine baisse demain 10:00 → 9 €"


# --- shipped assets --------------------------------------------------------------------------

def test_french_catalogue_is_complete_and_compiled():
    with open(CATALOGUE / "messages.po", "rb") as po_file:
        catalogue = read_po(po_file, locale="fr")
    with open(CATALOGUE / "messages.mo", "rb") as mo_file:
        compiled = read_mo(mo_file)
    messages = [m for m in catalogue if m.id]
    assert messages
    untranslated = [m.id for m in messages if not m.string or (
        isinstance(m.string, tuple) and not all(m.string))]
    assert untranslated == []
    assert [m.id for m in messages if m.fuzzy] == []
    def text(string):
        return tuple(string) if isinstance(string, list | tuple) else string

    stale = [m.id for m in messages if compiled.get(m.id) is None
             or text(compiled[m.id].string) != text(m.string)]
    assert stale == [], "run: .venv/bin/pybabel compile -d marketplace/translations"


def test_htmx_is_vendored_with_its_licence():
    vendor = ROOT / "static" / "vendor" / "htmx-2.0.11"
    assert (vendor / "LICENSE").read_text().startswith("Zero-Clause BSD")
    assert 'version:"2.0.11"' in (vendor / "htmx.min.js").read_text()


def test_leaflet_is_vendored_with_its_licence_and_version():
    vendor = ROOT / "static" / "vendor" / "leaflet-1.9.4"
    assert (vendor / "LICENSE").read_text().startswith("BSD 2-Clause License")
    assert "Leaflet 1.9.4" in (vendor / "leaflet.js").read_text()[:200]
    assert (vendor / "leaflet.css").exists() and (vendor / "images" / "marker-icon.png").exists()
    readme = (ROOT / "static" / "vendor" / "README.md").read_text()
    assert "leaflet-1.9.4" in readme


def test_no_other_catalogue_retranslates_the_storefronts_messages():
    """Flask-Babel merges the catalogues and the later ones win: a message id the storefront
    shares with another area must read the same there, or it changes our pages."""
    with open(CATALOGUE / "messages.po", "rb") as po_file:
        ours = read_po(po_file, locale="fr")
    clashes = []
    for path in sorted(ROOT.glob("*/**/translations/fr/LC_MESSAGES/messages.po")):
        if path.parent == CATALOGUE or ".venv" in path.parts:
            continue
        with open(path, "rb") as po_file:
            theirs = read_po(po_file, locale="fr")
        clashes += [(str(path.relative_to(ROOT)), m.id) for m in ours
                    if m.id and m.id in theirs and theirs[m.id].string != m.string]
    assert clashes == []
