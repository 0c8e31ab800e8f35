"""A performance in the past never looks on sale: the status comes from (performance,
release, now), with time moved explicitly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
import time_machine

from marketplace.domain.inventory import sale_status as s
from marketplace.domain.orders.sales import performance_sales
from tests.factories import (
    MembershipFactory,
    PerformanceFactory,
    ReleaseFactory,
    VenueFactory,
    log_in,
)

CURTAIN = datetime(2026, 3, 14, 19, 0, tzinfo=UTC)
OPENS = CURTAIN - timedelta(days=3)


def performance(status: str = "scheduled") -> SimpleNamespace:
    return SimpleNamespace(status=status, starts_at=CURTAIN)


def release(status: str = "open", *, quantity: int = 10, sold: int = 0, id: int = 1,
            closes: datetime = CURTAIN) -> SimpleNamespace:
    return SimpleNamespace(id=id, status=status, sales_open_at=OPENS, sales_close_at=closes,
                           quantity=quantity, sold=sold)


@pytest.mark.parametrize(("now", "expected"), [
    (OPENS - timedelta(minutes=1), s.UPCOMING),
    (OPENS, s.ON_SALE),
    (CURTAIN - timedelta(seconds=1), s.ON_SALE),
    (CURTAIN, s.ENDED),
    (CURTAIN + timedelta(days=30), s.ENDED),
])
def test_an_open_release_is_on_sale_only_between_opening_and_curtain(now, expected):
    assert s.release_sale_status(performance(), release(), now) == expected


def test_a_release_still_open_after_curtain_is_over_not_on_sale():
    later = CURTAIN + timedelta(hours=2)
    assert s.release_sale_status(performance(), release("open"), later) == s.ENDED
    assert not s.is_selling(s.performance_sale_status(performance(), [release()], later))


def test_sales_close_before_curtain_when_the_window_ends_first():
    closes = CURTAIN - timedelta(hours=1)
    r = release(closes=closes)
    assert s.release_sale_status(performance(), r, closes - timedelta(seconds=1)) == s.ON_SALE
    assert s.release_sale_status(performance(), r, closes) == s.SALES_CLOSED


def test_a_closed_or_withdrawn_release_says_so_until_curtain_then_the_performance_is_over():
    before = CURTAIN - timedelta(hours=3)
    assert s.release_sale_status(performance(), release("closed"), before) == s.SALES_CLOSED
    assert s.release_sale_status(performance(), release("withdrawn"), before) == s.WITHDRAWN
    assert s.release_sale_status(performance(), release("withdrawn"), CURTAIN) == s.ENDED


def test_a_cancelled_performance_is_cancelled_before_and_after_curtain():
    for now in (OPENS, CURTAIN + timedelta(days=1)):
        assert s.release_sale_status(performance("cancelled"), release(), now) == s.CANCELLED
        assert s.performance_sale_status(performance("cancelled"), [release()], now) \
            == s.CANCELLED


def test_sold_out_counts_seats_being_bought_when_given():
    now = CURTAIN - timedelta(hours=3)
    assert s.release_sale_status(performance(), release(sold=10), now) == s.SOLD_OUT
    assert s.release_sale_status(performance(), release(sold=6), now, seats_left=0) \
        == s.SOLD_OUT
    assert s.release_sale_status(performance(), release(sold=6), now) == s.ON_SALE


def test_a_performance_is_on_sale_when_any_release_is_and_not_released_without_any():
    now = CURTAIN - timedelta(hours=3)
    mixed = [release("withdrawn", id=1), release(sold=10, id=2), release(id=3)]
    assert s.performance_sale_status(performance(), mixed, now) == s.ON_SALE
    assert s.performance_sale_status(performance(), mixed, now, seats_left={3: 0}) \
        == s.SOLD_OUT
    assert s.performance_sale_status(performance(), [], now) == s.NOT_RELEASED
    assert s.performance_sale_status(performance(), [], CURTAIN) == s.ENDED


# The portal's lists ------------------------------------------------------------------------


@pytest.fixture
def programme(db, client, now):
    """La Criée: last night's performance (its release never closed), tonight's on sale,
    Sunday's not open yet, and one cancelled; a manager logged in."""
    venue = VenueFactory(name="La Criée")
    past = PerformanceFactory(show__venue=venue, show__title="Hier soir",
                              starts_at=now - timedelta(hours=20))
    tonight = PerformanceFactory(show__venue=venue, show__title="Ce soir",
                                 starts_at=now + timedelta(hours=4))
    sunday = PerformanceFactory(show__venue=venue, show__title="Dimanche",
                                starts_at=now + timedelta(days=2, hours=4))
    cancelled = PerformanceFactory(show__venue=venue, show__title="Annulé",
                                   starts_at=now + timedelta(hours=5), status="cancelled")
    releases = {p.show.title: ReleaseFactory(performance=p, status="open")
                for p in (past, tonight, cancelled)}
    releases["Dimanche"] = ReleaseFactory(performance=sunday,
                                          sales_open_at=now + timedelta(days=1))
    membership = MembershipFactory(venue=venue, role="manager")
    db.session.commit()
    with time_machine.travel(now, tick=False):
        log_in(client, membership.user)
    return SimpleNamespace(venue=venue, past=past, tonight=tonight, releases=releases)


def card(page: str, title: str) -> str:
    """The piece of the page from a performance's title to the next one's."""
    start = page.index(title)
    return page[start:start + 1200]


def test_the_programme_never_shows_a_past_performance_on_sale(client, now, programme):
    with time_machine.travel(now, tick=False):
        page = client.get(f"/portal/venues/{programme.venue.slug}/performances"
                          ).get_data(as_text=True)
    assert "tag--sale-ended" in card(page, "Hier soir") and "Terminée" in card(page, "Hier soir")
    assert "En vente" not in card(page, "Hier soir")
    assert "tag--sale-on_sale" in card(page, "Ce soir")
    assert "Ventes à venir" in card(page, "Dimanche")
    assert "Annulée" in card(page, "Annulé")


def test_the_same_performance_is_on_sale_before_curtain_and_over_after(client, now, programme):
    url = f"/portal/venues/{programme.venue.slug}/performances/{programme.tonight.id}"
    with time_machine.travel(now, tick=False):
        before = client.get(url).get_data(as_text=True)
    with time_machine.travel(programme.tonight.starts_at + timedelta(minutes=1), tick=False):
        after = client.get(url).get_data(as_text=True)
    assert "tag--sale-on_sale" in before and "tag--sale-ended" not in before
    assert "tag--sale-ended" in after and "tag--sale-on_sale" not in after


def test_the_sales_pages_say_ended_for_yesterday(client, now, programme):
    slug = programme.venue.slug
    with time_machine.travel(now, tick=False):
        past = client.get(f"/portal/venues/{slug}/sales?period=past").get_data(as_text=True)
        release = client.get(f"/portal/venues/{slug}/releases/"
                             f"{programme.releases['Hier soir'].id}").get_data(as_text=True)
        upcoming = client.get(f"/portal/venues/{slug}/sales").get_data(as_text=True)
    assert "Terminée" in card(past, "Hier soir") and "En vente" not in card(past, "Hier soir")
    assert "tag--sale-ended" in release and "tag--sale-on_sale" not in release
    assert "En vente" in card(upcoming, "Ce soir")


def test_the_sales_report_carries_the_status_at_its_now(db, now, programme):
    rows = performance_sales(db.session, programme.venue, start=now - timedelta(days=1),
                             end=now + timedelta(days=3), now=now, commission_percent=8)
    by_title = {r.show_title: r.sale_status for r in rows}
    assert by_title == {"Hier soir": s.ENDED, "Ce soir": s.ON_SALE, "Annulé": s.CANCELLED,
                        "Dimanche": s.UPCOMING}
    later = performance_sales(db.session, programme.venue, start=now - timedelta(days=1),
                              end=now + timedelta(days=3), now=now + timedelta(hours=5),
                              commission_percent=8)
    assert {r.show_title: r.sale_status for r in later}["Ce soir"] == s.ENDED
