"""The list's remaining filters and sorts, as plain links and forms and through htmx; the map.

The clock is frozen at Friday 20 November 2026, 17:00 in Paris.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tests.factories import PerformanceFactory, ReleaseFactory, ShowFactory, VenueFactory

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen_clock(now):
    with time_machine.travel(now, tick=False):
        yield


def paris(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=PARIS).astimezone(UTC)


def make_offer(title: str, *, starts_at: datetime | None = None, venue=None,
               discipline: str = "theatre", **release):
    starts_at = starts_at or paris(20, 20, 30)
    show = ShowFactory(venue=venue or VenueFactory(), title=title, discipline=discipline)
    release.setdefault("sales_open_at", NOW - timedelta(hours=1))
    release.setdefault("max_discount_at", starts_at - timedelta(hours=1))
    return ReleaseFactory(performance=PerformanceFactory(show=show, starts_at=starts_at),
                          **release)


def titles(response) -> list[str]:
    html = response.get_data(as_text=True)
    listed = html[html.index('id="offers"'):] if 'id="offers"' in html else html
    return re.findall(r'class="offer-card__title"[^>]*><a [^>]*>([^<]+)</a>', listed)


@pytest.fixture
def programme(db):
    """Four offers that each filters keep or drop differently."""
    level = VenueFactory(name="Le Silo", step_free_access=True, lat=43.3108, lng=5.3663)
    stairs = VenueFactory(name="Les Bernardines", step_free_access=False, lat=43.2978,
                          lng=5.3813)
    make_offer("Tonight cheap", venue=level, face_price_cents=1200)  # 9 € now
    make_offer("Tonight dear", venue=stairs, face_price_cents=6000)
    make_offer("Saturday", venue=stairs, starts_at=paris(21, 20), face_price_cents=2000)
    make_offer("Next Wednesday", venue=level, starts_at=paris(25, 20), face_price_cents=2000)
    db.session.commit()


def test_a_date_keeps_that_day_only(client, programme):
    assert titles(client.get("/?date=2026-11-25")) == ["Next Wednesday"]
    assert titles(client.get("/?date=2026-11-21")) == ["Saturday"]
    assert titles(client.get("/?date=not-a-date")) == ["Tonight cheap", "Tonight dear",
                                                        "Saturday", "Next Wednesday"]


def test_a_date_replaces_the_when_chips(client, programme):
    html = client.get("/?date=2026-11-25&when=tonight").get_data(as_text=True)
    assert not re.search(r'class="chip" href="/\?when=tonight"[^>]*aria-current', html)
    # Picking a when chip drops the date.
    assert 'href="/?when=tonight" hx-get="/?when=tonight"' in html
    assert 'value="2026-11-25"' in html


def test_maximum_price_is_on_the_current_price(client, programme):
    assert titles(client.get("/?max_price=10")) == ["Tonight cheap"]
    assert "Tonight dear" not in titles(client.get("/?max_price=30"))
    assert len(titles(client.get("/?max_price=0"))) == 4  # nobody could click that: ignored


def test_step_free_keeps_venues_with_step_free_access(client, programme):
    assert titles(client.get("/?step_free=1")) == ["Tonight cheap", "Next Wednesday"]


@pytest.mark.parametrize(("sort", "first"), [
    ("price", "Tonight cheap"), ("starts_at", "Tonight cheap"),
    ("discount", "Tonight cheap"), ("relevance", "Tonight cheap"),
])
def test_sorts_work_without_a_location(client, programme, sort, first):
    assert titles(client.get(f"/?sort={sort}"))[0] == first


def test_price_sort_puts_the_dearest_last(client, programme):
    assert titles(client.get("/?sort=price"))[-1] == "Tonight dear"


def test_sort_by_distance_needs_a_location(client, programme):
    html = client.get("/?sort=distance").get_data(as_text=True)
    assert 'value="distance"' not in html  # not offered
    assert titles(client.get("/?sort=distance"))[0] == "Tonight cheap"  # start time instead


def test_filters_combine_and_every_link_keeps_the_others(client, programme):
    html = client.get("/?when=tonight&max_price=15&step_free=1&sort=price").get_data(
        as_text=True)
    assert 'href="/?when=tomorrow&amp;max_price=15&amp;step_free=1&amp;sort=price"' in html
    assert 'href="/?when=tonight&amp;discipline=dance&amp;max_price=15&amp;step_free=1' \
           '&amp;sort=price"' in html
    # The form carries the chips' choices, so that submitting it keeps them.
    assert '<input type="hidden" name="when" value="tonight">' in html


def test_the_filter_form_works_without_javascript(client, programme):
    response = client.get("/?when=&date=&max_price=10&sort=&step_free=1")
    assert response.status_code == 200
    assert titles(response) == ["Tonight cheap"]


def test_htmx_form_change_gets_the_fragment_and_a_clean_address(client, programme):
    response = client.get("/?when=&date=&max_price=10&sort=&view=",
                          headers={"HX-Request": "true", "HX-Trigger": "filters"})
    html = response.get_data(as_text=True)
    assert "<html" not in html and titles(response) == ["Tonight cheap"]
    assert response.headers["HX-Push-Url"] == "/?max_price=10"


def test_more_filters_are_open_when_one_is_on(client, programme):
    assert '<details class="more-filters" open>' in client.get("/?max_price=10").get_data(
        as_text=True)
    assert '<details class="more-filters">' in client.get("/").get_data(as_text=True)


# --- the map -------------------------------------------------------------------------------------

def test_map_view_has_one_marker_per_venue_with_its_offers(client, programme):
    response = client.get("/?view=map")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    pins = re.findall(r'<li class="venue-pin" id="venue-[^"]+" data-pin data-lat="([\d.]+)" '
                      r'data-lng="([\d.]+)">', html)
    assert sorted(pins) == [("43.2978", "5.3813"), ("43.3108", "5.3663")]
    assert "Le Silo" in html and "2 offres" in html
    assert "leaflet-1.9.4/leaflet.js" in html  # fetched by our script, only for the map
    assert 'data-tiles=""' in html  # tests: no tile server, a blank layer
    assert "<table" not in html and "offer-card" not in html


def test_map_follows_the_filters_and_htmx(client, programme):
    html = client.get("/?view=map&step_free=1", headers={"HX-Request": "true"}).get_data(
        as_text=True)
    assert "<html" not in html and html.count('class="venue-pin"') == 1
    assert 'href="/?step_free=1" ' not in html  # the list link keeps the filters:
    assert 'href="/?step_free=1"' in html


def test_an_empty_map_says_so(client, db):
    html = client.get("/?view=map&when=tonight").get_data(as_text=True)
    assert "Aucun lieu n’a de places en vente avec ces filtres" in html


def test_list_and_map_switch_keep_the_filters(client, programme):
    html = client.get("/?when=tonight").get_data(as_text=True)
    assert 'href="/?when=tonight&amp;view=map"' in html
    html = client.get("/?when=tonight&view=map").get_data(as_text=True)
    assert '<a href="/?when=tonight">' in html


def test_home_page_is_light(client, programme):
    """HTML + CSS + our JS, gzip as served: the first load fits in 100 KB (issue 4)."""
    gzip = {"Accept-Encoding": "gzip"}
    page = client.get("/", headers=gzip)
    assert page.headers["Content-Encoding"] == "gzip"
    html = client.get("/").get_data(as_text=True)
    assets = re.findall(r'(?:href|src)="(/static/[^"]+\.(?:css|js))"', html)
    assert {"/static/css/kiosque.css", "/static/js/kiosque.js"} <= set(assets)
    assert not [a for a in assets if "leaflet" in a]  # Leaflet only on the pages with a map
    sizes = [len(page.data)] + [len(client.get(a, headers=gzip).data) for a in assets]
    raw = [len(html.encode())] + [len(client.get(a).data) for a in assets]
    assert sum(sizes) <= 100_000, sizes
    assert sum(raw) > sum(sizes)  # it is compressed


def test_static_files_are_compressed_and_still_revalidate(client):
    gzip = {"Accept-Encoding": "gzip"}
    first = client.get("/static/vendor/htmx-2.0.11/htmx.min.js", headers=gzip)
    assert first.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in first.headers["Vary"]
    assert first.headers["ETag"].startswith('W/"')
    again = client.get("/static/vendor/htmx-2.0.11/htmx.min.js",
                       headers=gzip | {"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    plain = client.get("/static/vendor/htmx-2.0.11/htmx.min.js")
    assert "Content-Encoding" not in plain.headers and b"htmx" in plain.data
    assert "Accept-Encoding" in plain.headers["Vary"]


def test_api_answers_are_left_as_they_are(client, db):
    response = client.get("/api/v1/offers", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in response.headers
