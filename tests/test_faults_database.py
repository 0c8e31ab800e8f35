"""PostgreSQL connections killed under buyers: clean 503s, recovery, no half-written order.

The app is served by a real threaded HTTP server; buyers go hold → checkout → demo
confirmation in a loop while another connection terminates every backend of the test
database (`pg_terminate_backend`), the app's pooled connections included, several
times. The pool pings nothing (marketplace/__init__.py), so a killed connection fails
the request that meets it: that request must answer a clean 503, the pool must throw
its connections away, and the requests after the faults must all succeed.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import psycopg
import pytest
from sqlalchemy import create_engine, text

from marketplace.extensions import db
from tests.faults.shopping import (
    CLEAN_FAILURES,
    Buyer,
    Ledger,
    buyers_shopping,
    ledger_problems,
)
from tests.test_concurrency import POSTGRES_URL
from tests.test_payments_concurrency import set_up_release

needs_postgresql = pytest.mark.skipif(not POSTGRES_URL,
                                      reason="needs PostgreSQL: set TEST_DATABASE_URL")
BUYERS = 8
KILLS = 6
TERMINATE_OTHERS = """
    SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
    WHERE datname = current_database() AND pid <> pg_backend_pid()"""


def new_release(app, seats: int) -> int:
    # The server reads the real clock: the performance is four hours from now.
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    try:
        return set_up_release(engine, datetime.now(UTC), seats)
    finally:
        engine.dispose()


def kill_backends(times: int, every: float, killed: list[int]) -> None:
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        for _ in range(times):
            time.sleep(every)
            killed.append(conn.execute(TERMINATE_OTHERS).fetchone()[0])


@pytest.mark.postgres
@needs_postgresql
def test_killed_database_connections_fail_cleanly_and_the_app_recovers(app, live_server):
    release_id = new_release(app, 1000)
    ledger = Ledger()
    killed: list[int] = []
    with buyers_shopping(live_server, release_id, ledger, BUYERS):
        kill_backends(KILLS, 0.4, killed)
    during = dict(ledger.statuses)

    # After the faults, without any restart: every request of every purchase succeeds.
    after = Ledger()
    for n in range(5):
        assert Buyer(live_server, release_id, "apres", after, patience=1).buy(n) is not None
    ledger.confirmed.update(after.confirmed)

    print(f"\nterminated backends per round: {killed}; answers: "
          f"{sorted(during.items())}; {len(ledger.confirmed)} purchases")
    assert sum(killed) >= KILLS, "the faults never met a connection"
    assert ledger.statuses[("confirm", 503)] + ledger.statuses[("checkout", 503)] \
        + ledger.statuses[("hold", 503)] > 0, "no request met a killed connection"
    assert not ledger.bad_answers, ledger.bad_answers[:5]
    assert ledger.transport_errors == 0
    assert {status for _, status in during} <= {200, 201} | CLEAN_FAILURES
    assert set(after.statuses) == {("hold", 201), ("checkout", 201), ("confirm", 200)}
    assert ledger_problems(POSTGRES_URL, release_id, ledger) == []


@pytest.mark.postgres
@needs_postgresql
def test_a_connection_killed_after_the_answer_was_ready_does_not_turn_it_into_a_500(
        app, client, monkeypatch):
    """The request did its work; its connection dies before the closing ROLLBACK."""

    def terminate_own_backend(response):
        pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar()
        with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
            conn.execute("SELECT pg_terminate_backend(%s)", (pid,))
        time.sleep(0.1)  # the server's goodbye reaches the connection
        return response

    hooks = app.after_request_funcs.get(None, [])
    monkeypatch.setitem(app.after_request_funcs, None, [*hooks, terminate_own_backend])
    answer = client.get("/healthz")
    assert answer.status_code == 200 and answer.json["database"] == "ok"
    monkeypatch.setitem(app.after_request_funcs, None, hooks)
    assert client.get("/healthz").json["database"] == "ok"  # the pool replaced it
