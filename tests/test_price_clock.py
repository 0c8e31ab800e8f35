"""The price clock's time labels never overlap, and the offer page says its schedule once.

Labels are checked here against their width bound (chart.label_width) for every span from
an hour to a week; tests/browser/test_storefront_layout.py measures them in Chromium at
320, 390 and 1280 px.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from babel.dates import format_datetime

from marketplace.blueprints.storefront.chart import labels_apart, price_clock
from marketplace.domain.pricing import PriceSchedule, upcoming_schedule
from marketplace.domain.timeutil import to_paris
from tests.factories import PerformanceFactory, ReleaseFactory

NOW = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)  # Friday, 17:00 in Paris


@pytest.fixture(autouse=True)
def frozen_clock(now):
    with time_machine.travel(now, tick=False):
        yield


def _clock_labels(locale: str, now: datetime):
    today = to_paris(now).date()

    def clock(at: datetime) -> str:
        local = to_paris(at)
        pattern = "HH:mm" if local.date() == today else "EEE HH:mm"
        return format_datetime(local, pattern, locale=locale)
    return clock


def _ticks(now: datetime, span: timedelta, locale: str):
    schedule = PriceSchedule(face_price_cents=3000, start_discount=25, max_discount=70,
                             sales_open_at=now - timedelta(hours=1),
                             max_discount_at=now + span - timedelta(minutes=30))
    drops = upcoming_schedule(schedule, now, 48)
    return price_clock(now=now, end=now + span, face_price_cents=3000, price_cents=2200,
                       drops=drops, every_drop=False, money=lambda c: f"{c / 100:.2f} €",
                       clock=_clock_labels(locale, now)).x_ticks


@pytest.mark.parametrize("locale", ["fr", "en"])
@pytest.mark.parametrize("minute", [0, 9, 31, 52])
@pytest.mark.parametrize("hours", [0.5, 1, 2, 3.2, 4, 6, 7.5, 9, 12, 15.5, 20, 23, 26, 30, 40,
                                   50, 72, 100, 150, 170])
def test_time_labels_never_overlap_whatever_the_span(locale, minute, hours):
    # The reported case: « 20:09 » ran into « mar. 00:00 ».
    now = datetime(2026, 11, 20, 19, minute, tzinfo=UTC)
    ticks = _ticks(now, timedelta(hours=hours), locale)
    assert len(ticks) >= 2
    assert labels_apart(ticks), [t.label for t in ticks]


def test_a_long_evening_still_gets_whole_hours_between_the_ends():
    ticks = _ticks(NOW, timedelta(hours=15), "fr")
    assert len(ticks) >= 3 and all(re.fullmatch(r"(\w+\. )?\d\d:\d\d", t.label) for t in ticks)


def _offer(db, start: int, deepest: int, close_before_curtain: timedelta = timedelta(0)):
    curtain = NOW + timedelta(hours=3, minutes=30)
    release = ReleaseFactory(performance=PerformanceFactory(starts_at=curtain),
                             start_discount=start, max_discount=deepest,
                             sales_open_at=NOW - timedelta(hours=2),
                             max_discount_at=curtain - timedelta(hours=1),
                             sales_close_at=curtain - close_before_curtain)
    db.session.commit()
    return release


def _clock_text(client, release) -> str:
    html = client.get(f"/offers/{release.id}").get_data(as_text=True)
    section = html[html.index('id="clock-title"'):html.index("<figure")]
    return re.sub(r"[ \t\r\n]+", " ", re.sub(r"<[^>]+>", " ", section))


def test_equal_start_and_deepest_discounts_are_said_once(app, db, client):
    text = _clock_text(client, _offer(db, 50, 50))
    assert "−50\u202f% jusqu’au lever de rideau" in text
    assert "part de" not in text and "jusqu’à −50" not in text
    assert text.count("−50") == 1


def test_equal_discounts_with_sales_closing_before_curtain_say_until_when(app, db, client):
    text = _clock_text(client, _offer(db, 40, 40, close_before_curtain=timedelta(minutes=30)))
    assert "−40\u202f% jusqu’à la fin des ventes, ce soir 20:00" in text


def test_a_falling_price_still_says_where_it_starts_and_ends(app, db, client):
    text = _clock_text(client, _offer(db, 25, 60))
    assert "part de −25\u202f%" in text and "jusqu’à −60\u202f%" in text


def test_the_price_clock_links_to_how_it_works(app, db, client):
    html = client.get(f"/offers/{_offer(db, 25, 60).id}").get_data(as_text=True)
    assert 'href="/comment-ca-marche#price"' in html
