"""Where am I: the device's position, a typed town or postcode, remembered in a cookie.

No test reaches a geocoder: the region's own table answers, or a fake one injected
through the app's GEOCODER setting.
"""

from __future__ import annotations

import re
import threading
import time
from datetime import UTC, datetime, timedelta
from http.cookies import SimpleCookie

import pytest
import time_machine
from sqlalchemy import func, select

from marketplace.blueprints.storefront.location import COOKIE
from marketplace.domain.catalog.geocoding import GeocodingUnavailable, GeoPoint
from marketplace.domain.catalog.models import GeocodedPlace
from marketplace.domain.catalog.places import PlaceLookupUnavailable, PlaceNotFound, find_place
from marketplace.domain.catalog.towns import TOWNS, find_town, simplify
from tests.factories import PerformanceFactory, ReleaseFactory, ShowFactory, VenueFactory

NOW = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)


class FakeGeocoder:
    """Answers from a dict, and remembers what it was asked."""

    def __init__(self, answers: dict[str, GeoPoint] | None = None, down: bool = False) -> None:
        self.answers = answers or {}
        self.down = down
        self.asked: list[str] = []

    def geocode(self, query: str) -> GeoPoint | None:
        self.asked.append(query)
        if self.down:
            raise GeocodingUnavailable("no network here")
        return self.answers.get(query)


@pytest.fixture
def geocoder(app, monkeypatch):
    fake = FakeGeocoder({"Bédoin": GeoPoint(44.1247, 5.1797, "Bédoin, Carpentras, Vaucluse, "
                                                               "Provence-Alpes-Côte d'Azur")})
    monkeypatch.setitem(app.config, "GEOCODER", fake)
    return fake


@pytest.fixture(autouse=True)
def frozen_clock(now):
    with time_machine.travel(now, tick=False):
        yield


def offer(venue, title: str, hours: float = 4):
    starts_at = NOW + timedelta(hours=hours)
    show = ShowFactory(venue=venue, title=title)
    return ReleaseFactory(performance=PerformanceFactory(show=show, starts_at=starts_at),
                          sales_open_at=NOW - timedelta(hours=1),
                          max_discount_at=starts_at - timedelta(hours=1))


@pytest.fixture
def two_towns(db):
    """A show in Marseille at 21:00 and one in Aix at 19:00."""
    offer(VenueFactory(name="La Criée", city="Marseille", lat=43.2926, lng=5.3689),
          "Marius", hours=5)
    offer(VenueFactory(name="Jeu de Paume", city="Aix-en-Provence", lat=43.5283, lng=5.4503),
          "Cézanne", hours=3)
    db.session.commit()


def cookie_value(response) -> str | None:
    for header in response.headers.getlist("Set-Cookie"):
        cookie = SimpleCookie(header)
        if COOKIE in cookie:
            return cookie[COOKIE].value
    return None


def titles(response) -> list[str]:
    html = response.get_data(as_text=True)
    listed = html[html.index('id="offers"'):] if 'id="offers"' in html else html
    return re.findall(r'class="offer-card__title"[^>]*><a [^>]*>([^<]+)</a>', listed)


# --- the region's table ----------------------------------------------------------------------

@pytest.mark.parametrize(("query", "city", "label"), [
    ("13001", "Marseille", "Marseille (13001)"),
    ("13007 Marseille", "Marseille", "Marseille (13007)"),
    ("marseille", "Marseille", "Marseille"),
    ("  AIX ", "Aix-en-Provence", "Aix-en-Provence"),
    ("St Remy de Provence", "Saint-Rémy-de-Provence", "Saint-Rémy-de-Provence"),
    ("cannet", "Le Cannet", "Le Cannet"),
    ("Isle sur la Sorgue", "L'Isle-sur-la-Sorgue", "L'Isle-sur-la-Sorgue"),
])
def test_the_region_table_knows_towns_and_postcodes(query, city, label):
    town, shown = find_town(query)
    assert town.city == city and shown == label


@pytest.mark.parametrize("query", ["mar", "75001", "", "   ", "Paris"])
def test_the_region_table_says_nothing_when_unsure(query):
    assert find_town(query) is None


def test_every_town_of_the_table_is_in_the_region():
    for town in TOWNS:
        assert 42.9 <= town.lat <= 45.2 and 4.2 <= town.lng <= 7.8, town
        assert town.postcode[:2] in {"04", "05", "06", "13", "83", "84"}
    assert simplify("Saint-Rémy") == simplify("st remy") == "saint remy"


# --- the geocoder, behind the table and the cache ---------------------------------------------

def test_a_town_the_table_lacks_goes_to_the_geocoder_once_then_comes_from_the_cache(db,
                                                                                    geocoder):
    place = find_place(db.session, geocoder, "Bédoin", NOW)
    db.session.commit()
    assert (place.lat, place.lng, place.label) == (44.1247, 5.1797, "Bédoin")
    assert geocoder.asked == ["Bédoin"]

    again = find_place(db.session, geocoder, "  bédoin ", NOW)
    assert again.lat == place.lat and geocoder.asked == ["Bédoin"]
    assert db.session.scalar(select(func.count()).select_from(GeocodedPlace)) == 1


def test_the_table_answers_without_asking_the_geocoder(db, geocoder):
    find_place(db.session, geocoder, "13001", NOW)
    find_place(db.session, geocoder, "Aix-en-Provence", NOW)
    assert geocoder.asked == []


def test_an_unknown_place_is_not_found_and_a_geocoder_down_says_so(db, geocoder):
    with pytest.raises(PlaceNotFound):
        find_place(db.session, geocoder, "Atlantide", NOW)
    geocoder.down = True
    with pytest.raises(PlaceLookupUnavailable) as down:
        find_place(db.session, geocoder, "Bédoin", NOW)
    assert down.value.code == "geocoding_unavailable" and down.value.field == "near"
    with pytest.raises(PlaceNotFound) as empty:
        find_place(db.session, geocoder, "   ", NOW)
    assert empty.value.field == "near"


# --- the storefront ----------------------------------------------------------------------------

def test_without_a_location_the_list_is_sorted_by_start_time_without_distances(client,
                                                                               two_towns):
    response = client.get("/")
    assert titles(response) == ["Cézanne", "Marius"]
    html = response.get_data(as_text=True)
    assert "offer-card__distance" not in html
    assert "Triés par heure de début" in html
    assert "Toute la région" not in html  # no radius to offer without a location
    assert "Cookie" in response.headers["Vary"]


def test_a_typed_postcode_is_remembered_and_sorts_by_nearness(client, two_towns, geocoder):
    response = client.get("/?near=13007&when=tonight")
    assert response.status_code == 303
    assert response.headers["Location"] == "/?when=tonight"
    assert "label=Marseille" in (cookie_value(response) or "")

    page = client.get("/?when=tonight")
    assert titles(page) == ["Marius", "Cézanne"]  # relevance: Marius is on the doorstep
    text = page.get_data(as_text=True)
    assert "Marseille (13007)" in text
    assert re.search(r"à \d+\xa0m|à \d+,\d\xa0km", text)
    assert "Toute la région" in text and "25\xa0km" in text
    assert geocoder.asked == []


def test_the_device_position_is_rounded_and_remembered(client, two_towns):
    response = client.get("/?lat=43.529912&lng=5.447123&discipline=theatre")
    assert response.status_code == 303
    assert response.headers["Location"] == "/?discipline=theatre"
    assert cookie_value(response) == "lat=43.53&lng=5.447&label="
    page = client.get("/?sort=distance")
    assert titles(page) == ["Cézanne", "Marius"]
    assert "votre position" in page.get_data(as_text=True)


def test_radius_keeps_what_is_within_it(client, two_towns):
    client.get("/?near=13001")
    assert titles(client.get("/?radius=10")) == ["Marius"]
    assert titles(client.get("/?radius=50")) == ["Marius", "Cézanne"]


def test_forget_clears_the_location(client, two_towns):
    client.get("/?near=13001")
    response = client.get("/?forget=1&when=tonight")
    assert response.status_code == 303 and response.headers["Location"] == "/?when=tonight"
    assert 'where=;' in response.headers["Set-Cookie"]
    assert titles(client.get("/")) == ["Cézanne", "Marius"]


def test_a_place_nobody_knows_re_renders_the_page_with_the_message_in_french(client, two_towns,
                                                                             geocoder):
    response = client.get("/?near=Atlantide")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Nous ne trouvons pas «\xa0Atlantide\xa0»" in html
    assert 'aria-invalid="true"' in html and 'value="Atlantide"' in html
    assert titles(response) == ["Cézanne", "Marius"]  # the list is still there
    assert cookie_value(response) is None
    assert geocoder.asked == ["Atlantide"]


def test_a_hand_made_position_changes_nothing(client, two_towns):
    for query in ("lat=north&lng=5", "lat=91&lng=5", "lat=43.3", "lng=5.4", "lat=nan&lng=1"):
        response = client.get(f"/?{query}")
        assert response.status_code == 303
        assert cookie_value(response) is None


def test_a_damaged_cookie_is_ignored(client, two_towns):
    client.set_cookie(COOKIE, "lat=abc&lng=5.3")
    assert client.get("/").status_code == 200
    client.set_cookie(COOKIE, "garbage")
    assert titles(client.get("/")) == ["Cézanne", "Marius"]


def test_the_location_form_keeps_the_filters(client, two_towns):
    html = client.get("/?when=tomorrow&discipline=dance").get_data(as_text=True)
    form = html[html.index('class="where__form"'):]
    form = form[:form.index("</form>")]
    assert '<input type="hidden" name="when" value="tomorrow">' in form
    assert '<input type="hidden" name="discipline" value="dance">' in form
    assert 'name="near"' in form and "data-locate" in form


# --- a geocoder that is slow, down or busy never holds a worker ---------------------------------

class SlowGeocoder:
    """Takes `delay` seconds to find any place; counts calls across threads."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.asked: list[str] = []
        self.finished = threading.Event()
        self._lock = threading.Lock()

    def geocode(self, query: str) -> GeoPoint | None:
        with self._lock:
            self.asked.append(query)
        time.sleep(self.delay)
        self.finished.set()
        return GeoPoint(44.0, 5.5, f"{query}, Vaucluse")


@pytest.fixture
def guarded(app, monkeypatch):
    """Sets the fake geocoder and the guard's timings for one test."""
    def use(geocoder, *, timeout: float, interval: float):
        monkeypatch.setitem(app.config, "GEOCODER", geocoder)
        monkeypatch.setitem(app.config, "GEOCODER_TIMEOUT_SECONDS", timeout)
        monkeypatch.setitem(app.config, "GEOCODER_MIN_INTERVAL_SECONDS", interval)
        return geocoder
    return use


def test_unknown_places_typed_at_once_never_hold_the_site(app, client, two_towns, guarded):
    slow = guarded(SlowGeocoder(delay=3.0), timeout=0.3, interval=10.0)
    barrier = threading.Barrier(7)
    answers: dict[str, tuple[int, float, str]] = {}

    def ask(path: str) -> None:
        visitor = app.test_client()
        barrier.wait(timeout=10)
        started = time.perf_counter()
        response = visitor.get(path)
        answers[path] = (response.status_code, time.perf_counter() - started,
                         response.get_data(as_text=True))

    paths = [f"/?near=Hameau+perdu+{n}" for n in range(6)] + ["/api/v1/offers"]
    threads = [threading.Thread(target=ask, args=(path,)) for path in paths]
    burst = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    burst = time.perf_counter() - burst
    assert len(answers) == 7
    offers = answers.pop("/api/v1/offers")
    assert offers[0] == 200 and offers[1] < 1.5  # the site did not wait for the geocoder
    for status, seconds, html in answers.values():
        assert status == 503 and seconds < 1.5  # the timeout (0.3 s), not the geocoder (3 s)
        assert "Nous ne pouvons pas chercher «\xa0Hameau perdu" in html
        assert "Cézanne" in html  # the list is still there
    # One call per interval across every worker: this burst fits in one.
    assert burst < 10 and len(slow.asked) == 1


def test_a_geocoder_failure_is_remembered_and_not_asked_again_at_once(client, two_towns,
                                                                     guarded):
    down = guarded(FakeGeocoder(down=True), timeout=1.0, interval=0.01)
    assert client.get("/?near=Bédoin").status_code == 503
    time.sleep(0.05)  # the call slot is free again
    again = client.get("/?near=b%C3%A9doin")
    assert again.status_code == 503 and int(again.headers["Retry-After"]) > 0
    assert down.asked == ["Bédoin"]
    assert client.get("/?near=Sault").status_code == 503
    assert down.asked == ["Bédoin", "Sault"]  # another place is asked: the slot was free


def test_a_place_nobody_knows_is_asked_once(client, two_towns, guarded):
    nowhere = guarded(FakeGeocoder(), timeout=1.0, interval=0.01)
    assert client.get("/?near=Atlantide").status_code == 422
    time.sleep(0.05)
    assert client.get("/?near=Atlantide").status_code == 422
    assert nowhere.asked == ["Atlantide"]


def test_an_answer_that_comes_after_the_timeout_is_kept_for_the_next_try(db, client, two_towns,
                                                                        guarded):
    slow = guarded(SlowGeocoder(delay=0.5), timeout=0.1, interval=0.01)
    assert client.get("/?near=Sault").status_code == 503
    assert slow.finished.wait(timeout=10)
    time.sleep(0.05)  # the pool thread remembers the answer once the call returns
    found = client.get("/?near=Sault")
    assert found.status_code == 303 and "label=Sault" in (cookie_value(found) or "")
    assert slow.asked == ["Sault"]
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(GeocodedPlace)) == 1  # committed


def test_a_second_unknown_place_within_the_interval_is_not_asked(client, two_towns, guarded):
    fake = guarded(FakeGeocoder({"Bédoin": GeoPoint(44.12, 5.18, "Bédoin")}), timeout=1.0,
                   interval=30.0)
    assert client.get("/?near=Bédoin").status_code == 303
    busy = client.get("/?near=Sault")
    assert busy.status_code == 503 and "Nous ne pouvons pas chercher" in busy.get_data(
        as_text=True)
    assert fake.asked == ["Bédoin"]
    assert client.get("/?near=13001").status_code == 303  # the region's table: always
