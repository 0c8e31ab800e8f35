"""The waiting line under real concurrency (DESIGN.md rules 1 and 11): seats returning at
once, the sweep racing a refund, two schedulers sweeping together. Never two entries
offered the same seat, never an entry offered twice, never a seat oversold. A control
run proves the race is real: a line read before the release row is locked, and an entry
marked offered without `WHERE status = 'waiting'`, offers one entry twice.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from marketplace.domain.errors import Busy
from marketplace.domain.inventory import seats
from marketplace.domain.inventory.services import release_hold, sweep_expired_holds
from marketplace.domain.models import Hold, Release, WaitlistEntry
from marketplace.domain.orders.payments import gateway_for
from marketplace.domain.purchases.cancellation import refund_order
from tests.buying import TTL, bought, hold_seats
from tests.factories import ReleaseFactory
from tests.waiting import join_all

ON_POSTGRES = bool(__import__("os").environ.get("TEST_DATABASE_URL"))


def line_up(db, release, people: int, now, quantity: int = 1) -> list[int]:
    """`people` entries waiting for `quantity` seats each, in this order; their ids."""
    ids = []
    for n in range(people):
        entry = WaitlistEntry(release_id=release.id, email=f"attente{n}@example.org",
                              quantity=quantity, locale="fr", status="waiting",
                              joined_at=now + timedelta(seconds=n))
        db.session.add(entry)
        db.session.flush()
        ids.append(entry.id)
    db.session.commit()
    return ids


def race(app, tasks) -> list[BaseException]:
    """Run each task (a function of a session) in its own thread, all released at once."""
    from marketplace.extensions import db

    barrier = threading.Barrier(len(tasks))
    errors: list[BaseException] = []

    def run(task) -> None:
        with app.app_context(), Session(db.engine) as session:
            try:
                barrier.wait(timeout=30)
                task(session)
            except Busy:
                pass  # waited past the lock timeout: a refusal, never a seat too many
            except BaseException as error:  # reported to the test
                errors.append(error)

    workers = [threading.Thread(target=run, args=(task,), name=f"task-{n}")
               for n, task in enumerate(tasks)]
    for worker in workers:
        worker.start()
    join_all(workers, 120)
    return errors


def the_line(db, release_id: int):
    """(offered entries, their holds, active holds, sold, held, quantity) as stored."""
    db.session.expire_all()
    offered = db.session.scalars(select(WaitlistEntry).where(
        WaitlistEntry.release_id == release_id, WaitlistEntry.status == "offered")).all()
    release = db.session.get(Release, release_id)
    active = db.session.scalar(select(func.coalesce(func.sum(Hold.quantity), 0)).where(
        Hold.release_id == release_id, Hold.status == "active"))
    return offered, active, release.sold, release.held, release.quantity


def assert_served_once(db, release_id: int, expected_offers: int) -> None:
    offered, active, sold, held, quantity = the_line(db, release_id)
    hold_ids = [entry.hold_id for entry in offered]
    assert len(offered) == expected_offers
    assert len(set(hold_ids)) == len(hold_ids)  # never two entries on one hold
    line_holds = db.session.scalars(select(Hold).where(Hold.id.in_(hold_ids))).all()
    assert all(hold.status == "active" for hold in line_holds)
    assert sum(hold.quantity for hold in line_holds) == sum(e.quantity for e in offered)
    # Every hold written for the line belongs to exactly one offered entry.
    extra = db.session.scalar(select(func.count()).select_from(Hold).where(
        Hold.release_id == release_id, Hold.status == "active",
        Hold.client_network_key.is_(None), Hold.id.not_in(hold_ids)))
    assert extra == 0
    assert held == active and sold + held <= quantity  # rule 1


def test_seats_returning_at_once_go_to_distinct_entries_once_each(app, db, now):
    release = ReleaseFactory(quantity=4, max_per_order=2)
    db.session.commit()
    holds = [hold_seats(release, 1, now) for _ in range(4)]
    line_up(db, release, 6, now)
    errors = race(app, [lambda s, h=hold: release_hold(s, h.id, now) for hold in holds])
    assert errors == []
    assert_served_once(db, release.id, 4)
    first_four = db.session.scalars(select(WaitlistEntry.email).where(
        WaitlistEntry.status == "offered").order_by(WaitlistEntry.email)).all()
    assert first_four == [f"attente{n}@example.org" for n in range(4)]  # in order


def test_two_schedulers_and_a_refund_racing_serve_each_entry_once(app, db, now):
    release = ReleaseFactory(quantity=6, max_per_order=2)
    db.session.commit()
    order = bought(app, release, 2, now)
    lapsing = [hold_seats(release, 1, now) for _ in range(4)]
    assert lapsing
    line_up(db, release, 8, now)
    later = now + timedelta(seconds=TTL + 1)  # the four holds have lapsed
    venue = release.performance.venue
    gateway = gateway_for(app.config)
    errors = race(app, [
        lambda s: sweep_expired_holds(s, later),
        lambda s: sweep_expired_holds(s, later),
        lambda s: refund_order(s, venue, order.id, later, gateway),
    ])
    assert errors == []
    assert_served_once(db, release.id, 6)  # four lapsed seats and two refunded


def test_entries_served_one_after_another_as_offers_lapse(app, db, now):
    """Each lapse passes the seats on: the sweep, run twice at each step, offers once."""
    release = ReleaseFactory(quantity=1, max_per_order=1)
    db.session.commit()
    first = hold_seats(release, 1, now)
    ids = line_up(db, release, 3, now)
    release_hold(db.session, first.id, now)
    at = now
    for step, entry_id in enumerate(ids):
        db.session.expire_all()
        assert db.session.get(WaitlistEntry, entry_id).status == "offered", step
        at = at + timedelta(minutes=11)
        assert race(app, [lambda s, t=at: sweep_expired_holds(s, t)] * 2) == []
        db.session.expire_all()
        assert db.session.get(WaitlistEntry, entry_id).status == "expired"
    _offered, active, sold, held, _quantity = the_line(db, release.id)
    assert (active, sold, held) == (0, 0, 0)  # the line is empty: the seat is on sale


def naive_give_back(everyone_read: threading.Barrier):
    """A give-back that reads the line before it locks the release row and marks the entry
    offered by id alone: what the hook must not do."""
    def give_back(session, release_id, n, now, *, serve=True):
        first = session.execute(
            select(WaitlistEntry.id, WaitlistEntry.email, WaitlistEntry.locale,
                   WaitlistEntry.quantity)
            .where(WaitlistEntry.release_id == release_id, WaitlistEntry.status == "waiting")
            .order_by(WaitlistEntry.joined_at, WaitlistEntry.id).limit(1)).first()
        everyone_read.wait(timeout=30)
        session.execute(update(Release).where(Release.id == release_id)
                        .values(held=Release.held - n)
                        .execution_options(synchronize_session=False))
        if serve and first is not None:
            hold_id = f"naive-{threading.get_ident()}"
            session.execute(update(Release).where(Release.id == release_id)
                            .values(held=Release.held + first.quantity)
                            .execution_options(synchronize_session=False))
            session.execute(insert(Hold).values(
                id=hold_id, release_id=release_id, quantity=first.quantity,
                unit_price_cents=100, status="active", created_at=now,
                expires_at=now + timedelta(minutes=10)))
            session.execute(update(WaitlistEntry).where(WaitlistEntry.id == first.id)
                            .values(status="offered", hold_id=hold_id)
                            .execution_options(synchronize_session=False))
    return give_back


@pytest.mark.skipif(not ON_POSTGRES, reason="the control race needs concurrent writers "
                                            "(PostgreSQL)")
def test_control_without_the_lock_one_entry_is_offered_twice(app, db, now, monkeypatch):
    """Proves the race above is real: read before the lock, marked without the guard."""
    release = ReleaseFactory(quantity=2, max_per_order=2)
    db.session.commit()
    holds = [hold_seats(release, 1, now) for _ in range(2)]
    line_up(db, release, 3, now)
    monkeypatch.setattr(seats, "_give_back", naive_give_back(threading.Barrier(2)))
    errors = race(app, [lambda s, h=hold: release_hold(s, h.id, now) for hold in holds])
    assert errors == []
    db.session.expire_all()
    line_holds = db.session.scalars(select(Hold).where(Hold.id.like("naive-%"))).all()
    offered = db.session.scalars(select(WaitlistEntry).where(
        WaitlistEntry.status == "offered")).all()
    # Two holds written for the line, one entry offered: the first in line got both.
    assert (len(line_holds), len(offered)) == (2, 1)
