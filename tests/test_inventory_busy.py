"""A seat row locked too long by another transaction: a clear 503 `busy`, never a hang.

On PostgreSQL a seat transaction bounds its lock waits (marketplace.domain.inventory.locking).
Here a real second connection holds a release's row lock, as a stuck transaction would;
the buyer's request gives up after the timeout, changes nothing, and says when to retry.
SQLite has one writer at a time and its busy_timeout, so these run on PostgreSQL only.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest
import time_machine
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from marketplace.domain.errors import Busy
from marketplace.domain.inventory import locking
from marketplace.domain.inventory.services import place_hold, release_hold
from marketplace.domain.models import Hold, Release
from marketplace.domain.orders.access import order_links
from marketplace.domain.orders.models import Order, PaymentEvent
from tests.buying import TTL, checkout, hold_seats, pay
from tests.factories import ReleaseFactory
from tests.test_concurrency import POSTGRES_URL

needs_postgresql = pytest.mark.skipif(not POSTGRES_URL,
                                      reason="needs PostgreSQL: set TEST_DATABASE_URL")
TIMEOUT_MS = 300


@pytest.fixture
def short_lock_timeout(monkeypatch):
    monkeypatch.setattr(locking, "LOCK_TIMEOUT_MS", TIMEOUT_MS)


@pytest.fixture
def frozen(app, now):
    with time_machine.travel(now, tick=False):
        yield now


@pytest.fixture
def release(db):
    release = ReleaseFactory(quantity=10)
    db.session.commit()
    return release


@contextmanager
def row_locked_elsewhere(release_id: int) -> Iterator[None]:
    """Another connection moves this release's seats and does not commit for a while."""
    with psycopg.connect(POSTGRES_URL) as other:
        other.execute("UPDATE releases SET updated_at = updated_at WHERE id = %s", (release_id,))
        try:
            yield
        finally:
            other.rollback()


def counters(db, release_id: int) -> tuple[int, int, int]:
    db.session.expire_all()
    release = db.session.get(Release, release_id)
    return release.sold, release.held, db.session.scalar(select(func.count()).select_from(Hold))


@pytest.mark.postgres
@needs_postgresql
def test_a_hold_behind_a_locked_release_gets_busy_and_changes_nothing(db, release, now,
                                                                      short_lock_timeout):
    with row_locked_elsewhere(release.id):
        started = time.monotonic()
        with pytest.raises(Busy) as refused:
            place_hold(db.session, release.id, 2, now, TTL)
        waited = time.monotonic() - started
    assert refused.value.code == "busy" and refused.value.retry_after >= 1
    assert TIMEOUT_MS / 1000 * 0.9 <= waited < 5  # it waited for the lock, then gave up
    assert counters(db, release.id) == (0, 0, 0)
    assert place_hold(db.session, release.id, 2, now, TTL).quantity == 2  # lock gone: fine


@pytest.mark.postgres
@needs_postgresql
def test_the_api_answers_503_busy_with_retry_after(db, client, frozen, release,
                                                   short_lock_timeout):
    with row_locked_elsewhere(release.id):
        response = client.post("/api/v1/holds", json={"offer_id": release.id, "quantity": 2})
    assert response.status_code == 503
    assert response.get_json()["error"] == "busy"
    assert response.get_json()["message"]
    assert int(response.headers["Retry-After"]) == locking.BUSY_RETRY_AFTER_SECONDS
    assert counters(db, release.id) == (0, 0, 0)
    assert client.post("/api/v1/holds",
                       json={"offer_id": release.id, "quantity": 2}).status_code == 201


@pytest.mark.postgres
@needs_postgresql
def test_the_booking_form_says_so_in_french_and_in_english(db, client, frozen, release,
                                                           short_lock_timeout):
    with row_locked_elsewhere(release.id):
        french = client.post(f"/offers/{release.id}/hold", data={"quantity": "2"})
        english = client.post(f"/offers/{release.id}/hold?lang=en", data={"quantity": "2"})
    assert french.status_code == english.status_code == 503
    assert french.headers["Retry-After"] == english.headers["Retry-After"] == "2"
    page = french.get_data(as_text=True)
    assert "Beaucoup de monde réserve cette offre en ce moment\xa0: réessayez dans " \
           "quelques secondes." in page
    assert 'name="quantity"' in page  # the form is there to try again
    assert "Many people are booking this offer right now: please try again in a few " \
           "seconds." in english.get_data(as_text=True)
    assert counters(db, release.id) == (0, 0, 0)


@pytest.mark.postgres
@needs_postgresql
def test_any_other_form_gets_a_page_that_says_busy(app, db, client, frozen, release,
                                                  short_lock_timeout):
    order = checkout(app, hold_seats(release, 2, frozen), frozen).order
    form = {"token": order_links(app.config).key(order.id), "action": "pay"}
    with row_locked_elsewhere(release.id):
        page = client.post(f"/pay/demo/{order.id}", data=form)
    assert page.status_code == 503 and page.headers["Retry-After"] == "2"
    assert "Beaucoup de monde réserve en ce moment" in page.get_data(as_text=True)
    assert db.session.get(Order, order.id).status == "pending"
    assert client.post(f"/pay/demo/{order.id}", data=form).status_code == 303


@pytest.mark.postgres
@needs_postgresql
def test_giving_a_hold_back_behind_a_locked_release_is_busy_then_works(db, release, now,
                                                                      short_lock_timeout):
    hold = hold_seats(release, 2, now)
    with row_locked_elsewhere(release.id), pytest.raises(Busy):
        release_hold(db.session, hold.id, now)
    assert counters(db, release.id) == (0, 2, 1)
    assert db.session.get(Hold, hold.id).status == "active"
    assert release_hold(db.session, hold.id, now) is True
    assert counters(db, release.id) == (0, 0, 1)


@pytest.mark.postgres
@needs_postgresql
def test_a_busy_payment_confirmation_is_not_recorded_so_its_redelivery_sells(
        app, db, release, now, short_lock_timeout):
    order = checkout(app, hold_seats(release, 2, now), now).order
    with row_locked_elsewhere(release.id), pytest.raises(Busy):
        pay(app, order.id, now)
    assert db.session.scalar(select(func.count()).select_from(PaymentEvent)) == 0
    assert db.session.get(Order, order.id).status == "pending"
    assert pay(app, order.id, now).status == "paid"  # the provider delivers it again
    assert counters(db, release.id)[:2] == (2, 0)


@pytest.mark.postgres
@needs_postgresql
def test_without_the_bound_a_locked_release_keeps_the_buyer_waiting(db, release, now,
                                                                    monkeypatch):
    """The control: with no lock timeout the same hold waits as long as the lock stays
    (here until PostgreSQL's statement_timeout, set for this test, cuts it off)."""
    monkeypatch.setattr(locking, "_BOUND_LOCK_WAITS",
                        locking.text("SELECT set_config('statement_timeout', :timeout, true)"))
    monkeypatch.setattr(locking, "LOCK_TIMEOUT_MS", 1500)
    with row_locked_elsewhere(release.id):
        started = time.monotonic()
        with pytest.raises(OperationalError) as cut_off:
            place_hold(db.session, release.id, 2, now, TTL)
        waited = time.monotonic() - started
    assert cut_off.value.orig.sqlstate == "57014"  # query_canceled, not lock_not_available
    assert waited >= 1.4


def test_only_a_lock_wait_that_ran_out_is_busy():
    class Original(Exception):
        def __init__(self, sqlstate):
            self.sqlstate = sqlstate

    def error(sqlstate):
        return OperationalError("UPDATE releases …", {}, Original(sqlstate))

    assert locking.lock_wait_ran_out(error("55P03"))
    assert not locking.lock_wait_ran_out(error("57014"))  # statement_timeout
    assert not locking.lock_wait_ran_out(error("40P01"))  # deadlock_detected
    assert not locking.lock_wait_ran_out(OperationalError("x", {}, Exception("gone")))
