"""The offer page: the show, the venue, the price clock, and the button that books seats.

The clock is frozen at Friday 20 November 2026, 17:00 in Paris.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from marketplace.domain.inventory.models import Hold, Release
from marketplace.domain.pricing import price_at
from tests.factories import PerformanceFactory, ReleaseFactory, ShowFactory, VenueFactory

NOW = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)
CURTAIN = datetime(2026, 11, 20, 19, 30, tzinfo=UTC)  # 20:30 in Paris


@pytest.fixture(autouse=True)
def frozen_clock(now):
    with time_machine.travel(now, tick=False):
        yield


@pytest.fixture
def release(db):
    venue = VenueFactory(name="La Criée", city="Marseille", address="30 quai de Rive-Neuve",
                         postcode="13007", lat=43.2926, lng=5.3689, step_free_access=True,
                         access_notes="Ascenseur vers toutes les salles.",
                         transport_notes="Métro 1 Vieux-Port.",
                         getting_home_notes="Métro jusque vers 0 h 30.")
    show = ShowFactory(venue=venue, title="Le Misanthrope", description="Alceste déteste tout.",
                       duration_minutes=105, age_guidance="Dès 12 ans",
                       image_url="https://images.example/misanthrope.jpg")
    release = ReleaseFactory(performance=PerformanceFactory(show=show, starts_at=CURTAIN),
                             face_price_cents=3000, quantity=20, sold=16, max_per_order=6,
                             sales_open_at=NOW - timedelta(hours=2),
                             max_discount_at=CURTAIN - timedelta(hours=1))
    db.session.commit()
    return release


def text_of(response) -> str:
    html = response.get_data(as_text=True)
    return re.sub(r"[ \t\r\n]+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_page_tells_about_the_show_and_the_venue(client, release):
    response = client.get(f"/offers/{release.id}")
    assert response.status_code == 200
    text = text_of(response)
    for expected in ("Le Misanthrope", "Alceste déteste tout.", "1\xa0h\xa045", "Dès 12 ans",
                     "30 quai de Rive-Neuve", "13007 Marseille", "Accès de plain-pied",
                     "Ascenseur vers toutes les salles.", "Métro 1 Vieux-Port.",
                     "Comment rentrer", "Métro jusque vers 0 h 30.", "ce soir 20:30",
                     "plus que 4 places"):
        assert expected in text, expected
    html = response.get_data(as_text=True)
    assert '<img class="offer-page__image" src="https://images.example/misanthrope.jpg"' in html
    assert 'data-lat="' in html and "leaflet-1.9.4/leaflet.js" in html  # the small map


def test_the_price_clock_is_inline_svg_with_today_marked(client, release):
    html = client.get(f"/offers/{release.id}").get_data(as_text=True)
    price = price_at(release.price_schedule(), NOW)
    euros = f"{price // 100},{price % 100:02d}\xa0€"
    svg = html[html.index("<svg"):html.index("</svg>")]
    assert 'role="img"' in svg and "<title" in svg and "<desc" in svg
    assert f"aujourd’hui {euros}" in svg
    assert re.search(r'<path class="clock__line" d="M[\d.]+,[\d.]+[HVL]', svg)
    assert 'class="clock__now"' in svg
    # 20:30 curtain, sales close then; the axis runs from now (17:00) to 20:30.
    assert ">17:00<" in svg and ">20:30<" in svg
    assert "<script" not in html[html.index("<main"):]  # no script needed for any of it
    # The schedule as a table too, for screen readers and for the curious: in view, not folded.
    assert re.search(r'<h3 id="schedule-title"[^>]*>Les prochaines baisses</h3>', html)
    assert "<details" not in html[html.index('id="clock-title"'):html.index('id="schedule-title"')]
    assert '<details class="schedule"' not in html
    assert len(re.findall(r"<tr><td><time", html)) == 12


def test_the_quantity_goes_from_one_to_what_can_be_bought(client, release):
    html = client.get(f"/offers/{release.id}").get_data(as_text=True)
    assert re.findall(r'<option value="(\d+)"', html) == ["1", "2", "3", "4"]  # 4 seats left


def test_booking_holds_the_seats_and_goes_to_checkout(client, db, release):
    response = client.post(f"/offers/{release.id}/hold", data={"quantity": "2"})
    assert response.status_code == 303
    hold = db.session.scalar(select(Hold))
    assert response.headers["Location"] == f"/checkout/{hold.id}"
    assert hold.quantity == 2 and hold.unit_price_cents == price_at(release.price_schedule(), NOW)
    assert db.session.scalar(select(Release.held).where(Release.id == release.id)) == 2


def test_too_many_seats_re_renders_the_page_saying_so_in_french(client, db, release):
    response = client.post(f"/offers/{release.id}/hold", data={"quantity": "5"})
    assert response.status_code == 409
    text = text_of(response)
    assert "Il ne reste que 4 places\xa0: choisissez-en moins." in text
    assert "Le Misanthrope" in text
    assert db.session.scalar(select(Hold)) is None


def test_sold_out_between_page_and_click(client, db, release):
    release.sold = 20
    db.session.commit()
    response = client.post(f"/offers/{release.id}/hold", data={"quantity": "1"})
    assert response.status_code == 409
    assert "Complet\xa0: toutes les places de cette offre viennent de partir." in text_of(response)
    assert 'name="quantity"' not in response.get_data(as_text=True)


@pytest.mark.parametrize("quantity", ["0", "-1", "seven", "", "7"])
def test_a_quantity_nobody_could_pick_is_422(client, db, release, quantity):
    response = client.post(f"/offers/{release.id}/hold", data={"quantity": quantity})
    assert response.status_code in (409, 422)
    assert "Choisissez entre 1 et 4 places." in text_of(response) or (
        "Il ne reste que" in text_of(response))
    assert db.session.scalar(select(Hold)) is None


def test_an_offer_no_longer_on_sale(client, db, release):
    release.status = "withdrawn"
    db.session.commit()
    assert client.get(f"/offers/{release.id}").status_code == 404
    response = client.post(f"/offers/{release.id}/hold", data={"quantity": "1"})
    assert response.status_code == 409
    assert "Les ventes sont closes pour cette offre." in text_of(response)


def test_unknown_offer_is_a_friendly_404(client, db):
    response = client.get("/offers/999999")
    assert response.status_code == 404 and "Page introuvable" in text_of(response)


def test_the_page_in_english(client, release):
    text = text_of(client.get(f"/offers/{release.id}?lang=en"))
    assert "The price clock" in text and "How to get home" in text and "Book" in text
    assert "1 h 45" in text


def test_the_distance_shows_when_the_location_is_known(client, release):
    def distance(response) -> list[str]:
        return re.findall(r"· (à \d+\xa0m)", text_of(response))

    assert distance(client.get(f"/offers/{release.id}")) == []
    client.get("/?near=13001")  # the town hall square, under 500 m from La Criée
    assert distance(client.get(f"/offers/{release.id}")) in (["à 450\xa0m"], ["à 500\xa0m"])
