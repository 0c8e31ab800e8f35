"""The inventory services, called directly: releases, holds, expiry and the sweep."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from marketplace.domain.catalog.performances import create_performance
from marketplace.domain.errors import Conflict, NotFound, ValidationFailed
from marketplace.domain.inventory.services import (
    change_quantity,
    count_seats,
    create_release,
    place_hold,
    release_hold,
    sweep_expired_holds,
    withdraw_release,
)
from marketplace.domain.models import Hold, Performance, Release, Show
from marketplace.domain.pricing import price_at
from tests.factories import HoldFactory, PerformanceFactory, ReleaseFactory, VenueFactory

TTL = 600


def release_terms(performance_id: int, **overrides) -> dict:
    terms = {
        "performance_id": performance_id,
        "category": "Placement libre",
        "face_price_cents": 3000,
        "quantity": 20,
        "start_discount_percent": 25,
        "max_discount_percent": 60,
    }
    terms.update(overrides)
    return terms


def active_held(db, release_id: int) -> int:
    return db.session.scalar(select(func.coalesce(func.sum(Hold.quantity), 0)).where(
        Hold.release_id == release_id, Hold.status == "active"))


def stored(db, release_id: int) -> Release:
    db.session.expire_all()
    return db.session.get(Release, release_id)


def assert_counters_consistent(db, release_id: int) -> None:
    """`held` is exactly the seats of active holds, and nothing is oversold."""
    release = stored(db, release_id)
    assert release.held == active_held(db, release_id)
    assert release.sold + release.held <= release.quantity


# Performances ---------------------------------------------------------------------------


def test_create_performance_creates_the_show_then_reuses_it(db, now):
    venue = VenueFactory()
    db.session.commit()
    show = {"title": "Marius", "discipline": "theatre", "duration_minutes": 120}
    first = create_performance(db.session, venue, show, now + timedelta(days=1), now)
    second = create_performance(db.session, venue, show, now + timedelta(days=2), now)
    again = create_performance(db.session, venue, show, now + timedelta(days=1), now)
    assert first.show_id == second.show_id
    assert again.id == first.id
    assert db.session.scalar(select(func.count()).select_from(Show)) == 1
    assert db.session.scalar(select(func.count()).select_from(Performance)) == 2
    assert first.venue_id == venue.id and first.status == "scheduled"


@pytest.mark.parametrize(("show", "starts_in", "field"), [
    ({"title": "", "discipline": "theatre"}, timedelta(days=1), "show.title"),
    ({"title": "X", "discipline": "jazz"}, timedelta(days=1), "show.discipline"),
    ({"title": "X", "discipline": "dance", "duration_minutes": 0}, timedelta(days=1),
     "show.duration_minutes"),
    ({"title": "X", "discipline": "dance", "image_url": "ftp://x"}, timedelta(days=1),
     "show.image_url"),
    ({"title": "X", "discipline": "dance", "colour": "red"}, timedelta(days=1), "show.colour"),
    ({"title": "X", "discipline": "dance"}, timedelta(minutes=-1), "starts_at"),
    ({"title": "X", "discipline": "dance"}, timedelta(days=3 * 365), "starts_at"),
])
def test_create_performance_refuses_bad_input_and_writes_nothing(db, now, show, starts_in, field):
    venue = VenueFactory()
    db.session.commit()
    with pytest.raises(ValidationFailed) as refused:
        create_performance(db.session, venue, show, now + starts_in, now)
    assert refused.value.field == field
    assert db.session.scalar(select(func.count()).select_from(Show)) == 0


def test_create_performance_refuses_a_naive_start_time(db, now):
    venue = VenueFactory()
    db.session.commit()
    naive = (now + timedelta(days=1)).replace(tzinfo=None)
    with pytest.raises(ValidationFailed) as refused:
        create_performance(db.session, venue, {"title": "X", "discipline": "dance"}, naive, now)
    assert refused.value.field == "starts_at"


# Releases -------------------------------------------------------------------------------


def test_create_release_fills_in_the_defaults(db, now):
    performance = PerformanceFactory(starts_at=now + timedelta(hours=5))
    db.session.commit()
    release = create_release(db.session, performance.venue, release_terms(performance.id), now)
    release = stored(db, release.id)
    assert release.sales_open_at == now
    assert release.sales_close_at == performance.starts_at
    assert release.max_discount_at == performance.starts_at - timedelta(hours=1)
    assert (release.curve, release.step_minutes, release.max_per_order) == ("linear", None, 6)
    assert (release.sold, release.held, release.status) == (0, 0, "open")
    assert release.venue_id == performance.venue_id


def test_default_deepest_discount_time_stays_inside_the_sales_window(db, now):
    performance = PerformanceFactory(starts_at=now + timedelta(hours=5))
    db.session.commit()
    early_close = now + timedelta(hours=2)
    closes_early = create_release(db.session, performance.venue, release_terms(
        performance.id, sales_close_at=early_close), now)
    late_open = performance.starts_at - timedelta(minutes=30)
    opens_late = create_release(db.session, performance.venue, release_terms(
        performance.id, sales_open_at=late_open), now)
    assert stored(db, closes_early.id).max_discount_at == early_close
    assert stored(db, opens_late.id).max_discount_at == late_open


def test_create_release_keeps_a_steps_curve(db, now):
    performance = PerformanceFactory(starts_at=now + timedelta(hours=5))
    db.session.commit()
    release = create_release(db.session, performance.venue, release_terms(
        performance.id, curve="steps", step_minutes=30, max_per_order=4), now)
    release = stored(db, release.id)
    assert (release.curve, release.step_minutes, release.max_per_order) == ("steps", 30, 4)


MINUTE, HOUR = timedelta(minutes=1), timedelta(hours=1)

# Times are functions of (now, curtain), evaluated once both are known.
BAD_RELEASE_TERMS = [
    ({"start_discount_percent": 24}, "start_discount_percent"),
    ({"start_discount_percent": 81, "max_discount_percent": 81}, "start_discount_percent"),
    ({"max_discount_percent": 85}, "max_discount_percent"),
    ({"start_discount_percent": 50, "max_discount_percent": 40}, "start_discount_percent"),
    ({"curve": "exponential"}, "curve"),
    ({"curve": "steps"}, "step_minutes"),
    ({"curve": "steps", "step_minutes": 0}, "step_minutes"),
    ({"step_minutes": 30}, "step_minutes"),
    ({"quantity": 0}, "quantity"),
    ({"quantity": -5}, "quantity"),
    ({"quantity": 10**12}, "quantity"),
    ({"face_price_cents": 0}, "face_price_cents"),
    ({"face_price_cents": -100}, "face_price_cents"),
    ({"max_per_order": 0}, "max_per_order"),
    ({"category": "   "}, "category"),
    ({"category": None}, "category"),
    ({"sales_close_at": lambda now, curtain: curtain + MINUTE}, "sales_close_at"),
    ({"sales_open_at": lambda now, curtain: curtain - 2 * HOUR,
      "sales_close_at": lambda now, curtain: curtain - 3 * HOUR}, "sales_close_at"),
    ({"sales_open_at": lambda now, curtain: now - 3 * HOUR,
      "sales_close_at": lambda now, curtain: now - HOUR}, "sales_close_at"),
    ({"max_discount_at": lambda now, curtain: now - MINUTE}, "max_discount_at"),
    ({"sales_close_at": lambda now, curtain: curtain - 2 * HOUR,
      "max_discount_at": lambda now, curtain: curtain - HOUR}, "max_discount_at"),
    ({"sales_open_at": lambda now, curtain: now.replace(tzinfo=None)}, "sales_open_at"),
]


@pytest.mark.parametrize(("overrides", "field"), BAD_RELEASE_TERMS)
def test_create_release_refuses_bad_terms_and_writes_nothing(db, now, overrides, field):
    performance = PerformanceFactory(starts_at=now + timedelta(hours=5))
    db.session.commit()
    overrides = {key: value(now, performance.starts_at) if callable(value) else value
                 for key, value in overrides.items()}
    with pytest.raises(ValidationFailed) as refused:
        create_release(db.session, performance.venue,
                       release_terms(performance.id, **overrides), now)
    assert refused.value.field == field
    assert refused.value.message
    assert db.session.scalar(select(func.count()).select_from(Release)) == 0


def test_a_performance_of_another_venue_is_not_found(db, now):
    performance = PerformanceFactory(starts_at=now + timedelta(hours=5))
    other_venue = VenueFactory()
    db.session.commit()
    for performance_id in (performance.id, 999_999, 10**30, "1"):
        with pytest.raises(NotFound) as refused:
            create_release(db.session, other_venue, release_terms(performance_id), now)
        assert refused.value.field == "performance_id"
    assert db.session.scalar(select(func.count()).select_from(Release)) == 0


@pytest.mark.parametrize("state", ["started", "cancelled"])
def test_a_started_or_cancelled_performance_gets_no_release(db, now, state):
    performance = PerformanceFactory(
        starts_at=now - timedelta(minutes=5) if state == "started" else now + timedelta(hours=2),
        status="cancelled" if state == "cancelled" else "scheduled")
    db.session.commit()
    with pytest.raises(ValidationFailed) as refused:
        create_release(db.session, performance.venue, release_terms(performance.id), now)
    assert refused.value.field == "performance_id"
    assert db.session.scalar(select(func.count()).select_from(Release)) == 0


def test_quantity_can_go_down_to_sold_plus_held_but_not_below(db, now):
    release = ReleaseFactory(quantity=20, sold=5)
    HoldFactory(release=release, quantity=3, expires_at=now + timedelta(minutes=5))
    release.held = 3
    db.session.commit()
    with pytest.raises(Conflict) as refused:
        change_quantity(db.session, release.performance.venue, release.id, 7, now)
    assert refused.value.code == "below_sold_and_held"
    assert "8" in refused.value.message
    assert stored(db, release.id).quantity == 20
    changed = change_quantity(db.session, release.performance.venue, release.id, 8, now)
    assert changed.quantity == 8
    assert count_seats(db.session, release.id, now).left == 0


def test_lowering_quantity_counts_lapsed_holds_as_given_back(db, now):
    release = ReleaseFactory(quantity=20, sold=5, held=4)
    HoldFactory(release=release, quantity=4, expires_at=now - timedelta(seconds=1))
    db.session.commit()
    change_quantity(db.session, release.performance.venue, release.id, 5, now)
    release = stored(db, release.id)
    assert (release.quantity, release.sold, release.held) == (5, 5, 0)
    assert_counters_consistent(db, release.id)


@pytest.mark.parametrize("quantity", [0, -1, 10**9, "5", None, True])
def test_change_quantity_refuses_a_bad_quantity(db, now, quantity):
    release = ReleaseFactory(quantity=20)
    db.session.commit()
    with pytest.raises(ValidationFailed) as refused:
        change_quantity(db.session, release.performance.venue, release.id, quantity, now)
    assert refused.value.field == "quantity"
    assert stored(db, release.id).quantity == 20


def test_another_venue_cannot_change_or_withdraw_a_release(db, now):
    release = ReleaseFactory()
    other = VenueFactory()
    db.session.commit()
    with pytest.raises(NotFound):
        change_quantity(db.session, other, release.id, 5, now)
    with pytest.raises(NotFound):
        withdraw_release(db.session, other, release.id, now)
    release = stored(db, release.id)
    assert (release.quantity, release.status) == (20, "open")


def test_withdrawing_keeps_what_is_sold_and_held_and_sells_nothing_more(db, now):
    release = ReleaseFactory(quantity=20, sold=4)
    db.session.commit()
    hold = place_hold(db.session, release.id, 2, now, TTL)
    venue = stored(db, release.id).performance.venue
    withdrawn = withdraw_release(db.session, venue, release.id, now)
    assert (withdrawn.status, withdrawn.sold, withdrawn.held) == ("withdrawn", 4, 2)
    assert db.session.get(Hold, hold.id).status == "active"
    with pytest.raises(Conflict) as refused:
        place_hold(db.session, release.id, 1, now, TTL)
    assert refused.value.code == "sales_closed"
    assert withdraw_release(db.session, venue, release.id, now).status == "withdrawn"
    assert_counters_consistent(db, release.id)


# Holds ----------------------------------------------------------------------------------


def test_a_hold_locks_the_price_of_now_and_sets_seats_aside(db, now):
    release = ReleaseFactory(quantity=10)
    db.session.commit()
    hold = place_hold(db.session, release.id, 3, now, TTL)
    expected_price = price_at(stored(db, release.id).price_schedule(), now)
    assert hold.unit_price_cents == expected_price
    assert hold.total_cents == 3 * expected_price
    assert hold.expires_at == now + timedelta(seconds=TTL)
    assert (hold.quantity, hold.status, hold.release_id) == (3, "active", release.id)
    later = now + timedelta(minutes=5)
    assert price_at(stored(db, release.id).price_schedule(), later) < expected_price
    assert db.session.get(Hold, hold.id).unit_price_cents == expected_price
    assert stored(db, release.id).held == 3
    assert_counters_consistent(db, release.id)


@pytest.mark.parametrize("quantity", [0, -1, 7, "2", 1.5, True, None])
def test_a_hold_refuses_a_bad_quantity_and_changes_nothing(db, now, quantity):
    release = ReleaseFactory(quantity=10, max_per_order=6)
    db.session.commit()
    with pytest.raises(ValidationFailed) as refused:
        place_hold(db.session, release.id, quantity, now, TTL)
    assert refused.value.field == "quantity"
    assert stored(db, release.id).held == 0
    assert db.session.scalar(select(func.count()).select_from(Hold)) == 0


@pytest.mark.parametrize("offer_id", [12345, 0, -3, 10**30, "1", None])
def test_a_hold_on_an_unknown_offer_is_not_found(db, now, offer_id):
    with pytest.raises(NotFound) as refused:
        place_hold(db.session, offer_id, 1, now, TTL)
    assert refused.value.code == "unknown_offer"


@pytest.mark.parametrize("situation", [
    "withdrawn", "closed", "not_yet_open", "window_closed", "cancelled", "started", "suspended",
])
def test_no_hold_outside_sales(db, now, situation):
    release = ReleaseFactory()
    performance = release.performance
    if situation in ("withdrawn", "closed"):
        release.status = situation
    elif situation == "not_yet_open":
        release.sales_open_at = now + timedelta(minutes=10)
    elif situation == "window_closed":
        release.sales_close_at = release.max_discount_at = now - timedelta(minutes=1)
        release.sales_open_at = now - timedelta(days=1)
    elif situation == "cancelled":
        performance.status = "cancelled"
    elif situation == "started":
        performance.starts_at = now - timedelta(minutes=1)
    else:
        performance.venue.status = "suspended"
    db.session.commit()
    with pytest.raises(Conflict) as refused:
        place_hold(db.session, release.id, 1, now, TTL)
    assert refused.value.code == "sales_closed"
    assert stored(db, release.id).held == 0


def test_sold_out_and_not_enough_seats(db, now):
    release = ReleaseFactory(quantity=5, sold=2)
    db.session.commit()
    place_hold(db.session, release.id, 2, now, TTL)
    with pytest.raises(Conflict) as refused:
        place_hold(db.session, release.id, 2, now, TTL)
    assert refused.value.code == "not_enough_seats"
    assert "Only 1 seat is left" in refused.value.message
    place_hold(db.session, release.id, 1, now, TTL)
    with pytest.raises(Conflict) as refused:
        place_hold(db.session, release.id, 1, now, TTL)
    assert refused.value.code == "sold_out"
    release = stored(db, release.id)
    assert (release.sold, release.held) == (2, 3)
    assert db.session.scalar(select(func.count()).select_from(Hold)) == 2
    assert_counters_consistent(db, release.id)


def test_expired_holds_give_their_seats_back_on_the_next_read_without_a_sweep(db, now):
    release = ReleaseFactory(quantity=4)
    db.session.commit()
    first = place_hold(db.session, release.id, 4, now, TTL)
    with pytest.raises(Conflict):
        place_hold(db.session, release.id, 1, now + timedelta(seconds=TTL - 1), TTL)
    after_expiry = now + timedelta(seconds=TTL)
    assert count_seats(db.session, release.id, after_expiry).left == 4
    assert count_seats(db.session, release.id, after_expiry).held == 0
    second = place_hold(db.session, release.id, 3, after_expiry, TTL)
    assert db.session.get(Hold, first.id).status == "expired"
    assert db.session.get(Hold, second.id).status == "active"
    assert stored(db, release.id).held == 3
    assert_counters_consistent(db, release.id)


def test_releasing_a_hold_gives_the_seats_back_at_once(db, now):
    release = ReleaseFactory(quantity=3)
    db.session.commit()
    hold = place_hold(db.session, release.id, 3, now, TTL)
    assert release_hold(db.session, hold.id, now) is True
    assert stored(db, release.id).held == 0
    assert db.session.get(Hold, hold.id).status == "released"
    assert release_hold(db.session, hold.id, now) is False
    assert stored(db, release.id).held == 0
    place_hold(db.session, release.id, 3, now, TTL)
    assert_counters_consistent(db, release.id)


def test_releasing_a_lapsed_hold_records_it_as_expired(db, now):
    release = ReleaseFactory(quantity=3, held=2)
    hold = HoldFactory(release=release, quantity=2, expires_at=now - timedelta(seconds=1))
    db.session.commit()
    assert release_hold(db.session, hold.id, now) is True
    assert db.session.get(Hold, hold.id).status == "expired"
    assert_counters_consistent(db, release.id)


def test_releasing_an_unknown_or_paid_hold_is_refused(db, now):
    release = ReleaseFactory(quantity=3, sold=2)
    paid = HoldFactory(release=release, quantity=2, status="converted")
    db.session.commit()
    for unknown in ("nope", "", "x" * 500):
        with pytest.raises(NotFound) as refused:
            release_hold(db.session, unknown, now)
        assert refused.value.code == "unknown_hold"
    with pytest.raises(Conflict) as refused:
        release_hold(db.session, paid.id, now)
    assert refused.value.code == "hold_converted"
    release = stored(db, release.id)
    assert (release.sold, release.held) == (2, 0)


def test_the_sweep_expires_lapsed_holds_and_is_idempotent(db, now):
    first = ReleaseFactory(quantity=10, held=6)
    second = ReleaseFactory(quantity=10, held=3)
    for quantity in (1, 2, 3):
        HoldFactory(release=first, quantity=quantity, expires_at=now - timedelta(minutes=1))
    HoldFactory(release=second, quantity=1, expires_at=now - timedelta(minutes=1))
    kept = HoldFactory(release=second, quantity=2, expires_at=now + timedelta(minutes=1))
    paid = HoldFactory(release=second, quantity=4, status="converted",
                       expires_at=now - timedelta(minutes=1))
    db.session.commit()
    assert sweep_expired_holds(db.session, now, batch_size=2) == 4
    assert sweep_expired_holds(db.session, now) == 0
    assert stored(db, first.id).held == 0
    assert stored(db, second.id).held == 2
    assert db.session.get(Hold, kept.id).status == "active"
    assert db.session.get(Hold, paid.id).status == "converted"
    for release in (first, second):
        assert_counters_consistent(db, release.id)


def test_the_guarded_update_decides_even_when_a_read_saw_free_seats(db, now, monkeypatch):
    from types import SimpleNamespace

    from marketplace.domain.inventory import services

    release = ReleaseFactory(quantity=2, held=2)
    HoldFactory(release=release, quantity=2, expires_at=now + timedelta(minutes=5))
    db.session.commit()
    real_read = services._read_offer

    def stale_read(session, offer_id, now):
        return SimpleNamespace(**{**real_read(session, offer_id, now)._asdict(), "left": 99})

    monkeypatch.setattr(services, "_read_offer", stale_read)
    with pytest.raises(Conflict) as refused:
        place_hold(db.session, release.id, 1, now, TTL)
    assert refused.value.code == "sold_out"
    assert db.session.scalar(select(func.count()).select_from(Hold)) == 1
    assert stored(db, release.id).held == 2
