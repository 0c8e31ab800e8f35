"""Times on a 24-hour clock in both languages: English pages say 20:30, never 8:30 PM."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from tests.factories import PerformanceFactory, ReleaseFactory

NOW = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)  # Friday, 17:00 in Paris
TWELVE_HOUR = re.compile(r"\d\s?(AM|PM|am|pm|a\.m\.|p\.m\.)\b")


@pytest.fixture(autouse=True)
def frozen_clock(now):
    with time_machine.travel(now, tick=False):
        yield


@pytest.fixture
def offers(db):
    """Tonight 20:30, tomorrow 14:15 and next Wednesday 21:45 (Paris), prices falling."""
    made = []
    for curtain in (NOW + timedelta(hours=3, minutes=30), NOW + timedelta(hours=21, minutes=15),
                    NOW + timedelta(days=5, hours=4, minutes=45)):
        made.append(ReleaseFactory(performance=PerformanceFactory(starts_at=curtain),
                                   sales_open_at=NOW - timedelta(hours=1),
                                   max_discount_at=curtain - timedelta(hours=1)))
    db.session.commit()
    return made


def _english_pages(client, offers) -> dict[str, str]:
    paths = ["/", "/?when=tonight", "/?view=map", "/comment-ca-marche",
             *(f"/offers/{offer.id}" for offer in offers)]
    client.get("/?lang=en")
    pages = {}
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        assert '<html lang="en">' in response.get_data(as_text=True)
        pages[path] = re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))
    return pages


def test_english_pages_show_no_am_or_pm(app, db, client, offers):
    for path, text in _english_pages(client, offers).items():
        assert not TWELVE_HOUR.search(text), (path, TWELVE_HOUR.search(text))


def test_english_pages_say_times_on_the_24_hour_clock(app, db, client, offers):
    pages = _english_pages(client, offers)
    assert "tonight 20:30" in pages["/"]
    assert "tomorrow 14:15" in pages["/"]
    offer_page = pages[f"/offers/{offers[0].id}"]
    assert "20:30" in offer_page and ">17:00<" not in offer_page  # tags stripped
    assert re.search(r"\b17:00\b", offer_page)  # the price clock's first label


def test_french_and_english_say_the_same_times(app, db, client, offers):
    french = re.sub(r"<[^>]+>", " ", client.get("/?lang=fr").get_data(as_text=True))
    english = re.sub(r"<[^>]+>", " ", client.get("/?lang=en").get_data(as_text=True))
    times = re.compile(r"\b\d\d:\d\d\b")
    assert sorted(times.findall(french)) == sorted(times.findall(english))
