"""Never oversell (DESIGN.md rule 1), with real threads against a real database.

One harness: buyers (each a thread with its own session) wait on a Barrier and race for
the last seats of one release, while other threads give holds back and sweep lapsed
ones, and a monitor checks the invariants from outside at every moment it can. The
control runs a naive read-then-write buyer in the same harness and does oversell, so
the harness is known to be able to fail.

The PostgreSQL races need TEST_DATABASE_URL; the smaller SQLite race always runs, on a
database file of its own (so it tests SQLite even when the suite runs on PostgreSQL).
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from marketplace.db_events import install_sqlite_pragmas
from marketplace.domain.db import Base
from marketplace.domain.errors import Conflict
from marketplace.domain.inventory.services import place_hold, release_hold, sweep_expired_holds
from marketplace.domain.models import Hold, Performance, Release, Show, Venue
from tests.waiting import Deadline

TTL = 600
POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")
needs_postgresql = pytest.mark.skipif(not POSTGRES_URL,
                                      reason="needs PostgreSQL: set TEST_DATABASE_URL")
# Threads share one pool; PostgreSQL allows 100 connections and other suites may run.
POSTGRES_POOL = 48


@dataclass
class Scenario:
    """The last seats of one release: some free, some in lapsed holds, some in holds that
    are given back during the race; buyers want more than all of them together."""

    buyers: int
    quantity: int
    sold: int
    lapsed: tuple[int, ...] = (2, 3, 1)
    given_back: tuple[int, ...] = (2, 2, 4)
    seed: int = 20261120

    @property
    def supply(self) -> int:
        return self.quantity - self.sold


@dataclass
class Outcome:
    granted: list[tuple[str, int]] = field(default_factory=list)
    sold_out: int = 0
    errors: list[BaseException] = field(default_factory=list)
    samples: int = 0
    violations: list[str] = field(default_factory=list)


# The harness ----------------------------------------------------------------------------


RACE_SECONDS = 120  # the whole race, every worker together: a hung worker fails the test


def race(engine: Engine, workers: list[Callable[[Session], None]],
         check: Callable[[Session], str | None], outcome: Outcome,
         deadline: Deadline | None = None) -> None:
    """Start every worker at once (a Barrier), each with its own session; `check` runs in
    a loop from a monitor thread meanwhile, and once more at the end.

    Every wait is bounded by one deadline for the whole race: the monitor samples until
    the workers are done *or* the deadline passes, so a worker that never ends fails the
    test after RACE_SECONDS instead of leaving the monitor spinning for ever."""
    deadline = deadline or Deadline(RACE_SECONDS)
    barrier = threading.Barrier(len(workers))
    done = threading.Event()

    def run(work: Callable[[Session], None]) -> None:
        with Session(engine) as session:
            try:
                barrier.wait(timeout=min(60, deadline.remaining()))
                work(session)
            except BaseException as error:  # every failure is reported by the test
                outcome.errors.append(error)

    def monitor() -> None:
        with Session(engine) as session:
            while not done.is_set() and not deadline.passed():
                observe(session)

    def observe(session: Session) -> None:
        try:
            violation = check(session)
        finally:
            session.rollback()  # end the read transaction: the next sample sees new commits
        outcome.samples += 1
        if violation:
            outcome.violations.append(violation)

    watcher = threading.Thread(target=monitor, name="monitor")
    threads = [threading.Thread(target=run, args=(w,), name=f"worker-{i}")
               for i, w in enumerate(workers)]
    watcher.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=deadline.remaining())
    done.set()
    watcher.join(timeout=30)
    with Session(engine) as session:
        observe(session)
    alive = [thread.name for thread in threads if thread.is_alive()]
    assert not alive, f"workers still running after {deadline.seconds} s: {alive}"


def warm_up(engine: Engine, connections: int) -> None:
    """Open the pool's connections before the start, so that nobody starts late."""
    opened = [engine.connect() for _ in range(connections)]
    for connection in opened:
        connection.close()


# The real inventory ---------------------------------------------------------------------


def set_up_release(engine: Engine, scenario: Scenario, now: datetime) -> tuple[int, list[str]]:
    """Create the release; return its id and the ids of the holds to give back."""
    with Session(engine) as session:
        venue = Venue(slug="la-course", name="La Course", postcode="13001", city="Marseille",
                      lat=43.3, lng=5.37)
        show = Show(venue=venue, title="Dernières places", discipline="theatre")
        performance = Performance(show=show, venue=venue, starts_at=now + timedelta(hours=4))
        session.add(performance)
        session.flush()
        lapsed_seats, given_back_seats = sum(scenario.lapsed), sum(scenario.given_back)
        release = Release(
            performance=performance, venue_id=venue.id, category="Placement libre",
            face_price_cents=3000, quantity=scenario.quantity, sold=scenario.sold,
            held=lapsed_seats + given_back_seats, start_discount=25, max_discount=80,
            curve="linear", sales_open_at=now - timedelta(days=1),
            max_discount_at=now + timedelta(hours=3), sales_close_at=now + timedelta(hours=4),
            max_per_order=4, status="open",
        )
        session.add(release)
        # Created already expired: still counted in `held` until someone reclaims them.
        for quantity in scenario.lapsed:
            session.add(Hold(release=release, quantity=quantity, unit_price_cents=1000,
                             created_at=now - timedelta(minutes=11),
                             expires_at=now - timedelta(minutes=1)))
        to_give_back = [Hold(release=release, quantity=quantity, unit_price_cents=1000,
                             created_at=now, expires_at=now + timedelta(minutes=5))
                        for quantity in scenario.given_back]
        session.add_all(to_give_back)
        session.commit()
        assert scenario.supply > 0 and release.held <= scenario.quantity - scenario.sold
        return release.id, [hold.id for hold in to_give_back]


def inventory_check(release_id: int, now: datetime) -> Callable[[Session], str | None]:
    """One statement, so one snapshot: the counters against the hold rows."""
    active = (select(func.coalesce(func.sum(Hold.quantity), 0))
              .where(Hold.release_id == release_id, Hold.status == "active"))
    live = active.where(Hold.expires_at > now)

    def check(session: Session) -> str | None:
        quantity, sold, held, in_active, in_live = session.execute(select(
            Release.quantity, Release.sold, Release.held,
            active.scalar_subquery(), live.scalar_subquery(),
        ).where(Release.id == release_id)).one()
        if sold + held > quantity or sold + in_live > quantity:
            return f"oversold: sold {sold} + held {held} (live {in_live}) > {quantity}"
        if held != in_active:
            return f"held counter {held} != seats in active holds {in_active}"
        return None

    return check


def run_inventory_race(engine: Engine, scenario: Scenario, now: datetime) -> None:
    release_id, to_give_back = set_up_release(engine, scenario, now)
    rng = random.Random(scenario.seed)
    outcome = Outcome()
    deadline = Deadline(RACE_SECONDS)
    lock = threading.Lock()
    releases_done = threading.Event()
    pending_releases = [len(to_give_back)]

    def buyer(quantity: int) -> Callable[[Session], None]:
        def buy(session: Session) -> None:
            want = quantity
            while not deadline.passed():
                try:
                    hold = place_hold(session, release_id, want, now, TTL)
                except Conflict as refused:
                    if refused.code not in ("sold_out", "not_enough_seats"):
                        raise
                    if refused.code == "not_enough_seats" and want > 1:
                        want -= 1  # take what is left, as a real buyer would
                        continue
                    if refused.code == "sold_out" and releases_done.is_set():
                        with lock:
                            outcome.sold_out += 1
                        return
                    # Seats may still come back: look again once the holds are given back.
                    releases_done.wait(timeout=min(30, deadline.remaining()))
                    continue
                with lock:
                    outcome.granted.append((hold.id, want))
                return
            raise AssertionError("a buyer never got a final answer")

        return buy

    def giver(hold_id: str, delay: float) -> Callable[[Session], None]:
        def give_back(session: Session) -> None:
            time.sleep(delay)
            try:
                assert release_hold(session, hold_id, now) is True
            finally:
                with lock:
                    pending_releases[0] -= 1
                    if pending_releases[0] == 0:
                        releases_done.set()

        return give_back

    def sweeper(session: Session) -> None:
        for _ in range(5):
            sweep_expired_holds(session, now)
            time.sleep(0.005)

    workers = [buyer(rng.randint(1, 4)) for _ in range(scenario.buyers)]
    workers += [giver(hold_id, rng.uniform(0, 0.03)) for hold_id in to_give_back]
    workers.append(sweeper)
    rng.shuffle(workers)
    race(engine, workers, inventory_check(release_id, now), outcome, deadline)

    assert not outcome.errors, outcome.errors[:3]
    assert outcome.samples > 1
    assert not outcome.violations, outcome.violations[:3]
    taken = sum(quantity for _, quantity in outcome.granted)
    demand_left = scenario.buyers - len(outcome.granted)
    assert demand_left == outcome.sold_out > 0, "demand must exceed supply"
    with Session(engine) as session:
        release = session.get(Release, release_id)
        counts = session.execute(
            select(Hold.status, func.count(), func.sum(Hold.quantity)).group_by(Hold.status)
        ).all()
        by_status = {status: (number, seats) for status, number, seats in counts}
        granted_rows = session.scalars(select(Hold).where(
            Hold.id.in_([hold_id for hold_id, _ in outcome.granted]))).all()
        # Every seat is taken, and only by the buyers who were told they had it.
        assert release.sold + release.held == release.quantity
        assert taken == scenario.supply
        assert by_status["active"] == (len(outcome.granted), taken)
        assert by_status["expired"][1] == sum(scenario.lapsed)
        assert by_status["released"][1] == sum(scenario.given_back)
        assert {(h.id, h.quantity) for h in granted_rows} == set(outcome.granted)
        assert sweep_expired_holds(session, now) == 0
    print(f"\n{scenario.buyers} buyers, {scenario.supply} seats: {len(outcome.granted)} "
          f"holds for {taken} seats, {outcome.sold_out} told sold out, "
          f"{outcome.samples} monitor samples, oversold 0")


@pytest.mark.postgres
@needs_postgresql
def test_sixty_buyers_never_oversell_the_last_seats_on_postgresql(app, now):
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"], pool_size=POSTGRES_POOL,
                           max_overflow=0, pool_timeout=60)
    try:
        warm_up(engine, POSTGRES_POOL)
        run_inventory_race(engine, Scenario(buyers=64, quantity=100, sold=60), now)
    finally:
        engine.dispose()


def test_buyers_never_oversell_the_last_seats_on_sqlite(tmp_path, now):
    engine = create_engine(f"sqlite:///{tmp_path / 'race.sqlite'}", pool_size=40,
                           max_overflow=0, pool_timeout=60,
                           connect_args={"timeout": 30, "check_same_thread": False})
    install_sqlite_pragmas(engine)
    Base.metadata.create_all(engine)
    try:
        warm_up(engine, 40)
        run_inventory_race(engine, Scenario(buyers=30, quantity=50, sold=30), now)
    finally:
        engine.dispose()


# The control: a naive read-then-write buyer in the same harness -------------------------


def naive_buyer(quantity: int, granted: list[int], lock: threading.Lock):
    """Read the seats left, think a little, then write `held = held + n`: the bug."""

    def buy(session: Session) -> None:
        left = session.execute(text(
            "SELECT quantity - held FROM naive_race_counter WHERE id = 1")).scalar_one()
        if left >= quantity:
            time.sleep(0.005)
            session.execute(text("UPDATE naive_race_counter SET held = held + :n WHERE id = 1"),
                            {"n": quantity})
            with lock:
                granted.append(quantity)
        session.commit()

    return buy


def counter_check(session: Session) -> str | None:
    quantity, held = session.execute(text(
        "SELECT quantity, held FROM naive_race_counter WHERE id = 1")).one()
    return f"oversold: held {held} > {quantity}" if held > quantity else None


@pytest.mark.postgres
@needs_postgresql
def test_control_naive_read_then_write_does_oversell_on_postgresql(app):
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"], pool_size=POSTGRES_POOL,
                           max_overflow=0, pool_timeout=60)
    # A plain counter table without the CHECK constraint, which would hide the race.
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS naive_race_counter"))
        connection.execute(text("CREATE TABLE naive_race_counter "
                                "(id INTEGER PRIMARY KEY, quantity INTEGER, held INTEGER)"))
        connection.execute(text("INSERT INTO naive_race_counter VALUES (1, 40, 0)"))
    try:
        warm_up(engine, POSTGRES_POOL)
        rng, lock, granted, outcome = random.Random(7), threading.Lock(), [], Outcome()
        workers = [naive_buyer(rng.randint(1, 4), granted, lock) for _ in range(64)]
        race(engine, workers, counter_check, outcome)
        with engine.connect() as connection:
            held = connection.execute(text(
                "SELECT held FROM naive_race_counter WHERE id = 1")).scalar_one()
    finally:
        with engine.begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS naive_race_counter"))
        engine.dispose()
    assert not outcome.errors, outcome.errors[:3]
    oversold = held - 40
    print(f"\ncontrol: 64 naive buyers, 40 seats: {len(granted)} told yes for {held} seats, "
          f"oversold {oversold}")
    assert held == sum(granted)
    assert oversold > 0, "the naive buyer should oversell; the harness cannot see races"
    assert outcome.violations, "the monitor should have seen the oversell"
