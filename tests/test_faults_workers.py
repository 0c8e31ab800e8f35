"""gunicorn workers killed (SIGKILL) while buyers are in the middle of buying.

gunicorn serves the app on PostgreSQL with three workers; buyers (threads, plain HTTP)
go hold → checkout → demo confirmation in a loop, and a worker that is serving them is
killed several times. A buyer whose connection drops does what a real client does: the
same confirmation again, the same checkout again, a new hold when its hold or order is
lost. Nothing may be lost or sold twice: every confirmation the buyers saw is one paid
order with its tickets, no order is charged twice, tickets match seats sold, and what
the dead workers left behind (holds nobody will check out, orders nobody will pay)
lapses and is swept.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from marketplace.domain.inventory.services import sweep_expired_holds
from marketplace.domain.mail.mailer import deliver_emails
from marketplace.domain.purchases.confirmation import ABANDONED_AFTER, cancel_abandoned_orders
from tests.faults.shopping import Ledger, buyers_shopping, ledger_problems
from tests.smtp_server import free_port
from tests.test_concurrency import POSTGRES_URL
from tests.test_payments_concurrency import set_up_release

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = str(Path(sys.executable).parent / "gunicorn")
WORKERS = 3
BUYERS = 8
KILLS = 8
HOLD_TTL = 600
needs_postgresql = pytest.mark.skipif(not POSTGRES_URL,
                                      reason="needs PostgreSQL: set TEST_DATABASE_URL")


def start_gunicorn(port: int) -> subprocess.Popen:
    env = os.environ | {"DATABASE_URL": POSTGRES_URL, "RATELIMIT_ENABLED": "0",
                        "SECRET_KEY": "faults", "PAYMENT_PROVIDER": "demo",
                        "HOLD_TTL_SECONDS": str(HOLD_TTL), "BASE_URL": "http://kiosque.test"}
    for name in ("SMTP_URL", "REDIS_URL"):
        env.pop(name, None)
    if os.environ.get("TEST_REDIS_URL"):
        env["REDIS_URL"] = os.environ["TEST_REDIS_URL"]
    # --preload: the app is imported once, so a killed worker is replaced in milliseconds
    # and the faults come quickly; what a worker does once forked is the same.
    return subprocess.Popen([GUNICORN, "-w", str(WORKERS), "-b", f"127.0.0.1:{port}",
                             "--preload", "--log-level", "critical", "wsgi:app"],
                            cwd=ROOT, env=env)


def workers_of(master: int) -> list[int]:
    """The master's children, read from /proc (their parent is field 4 of `stat`)."""
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == master:
                children.append(int(entry.name))
    return sorted(children)


def serving(master: int, port: int) -> list[int]:
    """The workers holding a client's connection at this instant: a request is in flight.

    gunicorn's sync workers serve one request per connection, so an established socket
    on the app's port, open in a worker, is a request it has not finished answering.
    """
    in_flight = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[1].split(":")[1], 16) == port and fields[3] == "01":  # ESTABLISHED
            in_flight.add(f"socket:[{fields[9]}]")
    busy = []
    for pid in workers_of(master):
        fds = Path(f"/proc/{pid}/fd")
        try:
            links = {os.readlink(fd) for fd in fds.iterdir()}
        except OSError:
            continue
        if links & in_flight:
            busy.append(pid)
    return busy


def kill_one_serving(master: int, port: int, timeout: float = 10) -> int | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for pid in serving(master, port):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                continue
            return pid
        time.sleep(0.005)
    return None


def wait_for_workers(base: str, master: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=5):
                pass
            if len(workers_of(master)) == WORKERS:
                return
        except OSError:
            pass
        assert time.monotonic() < deadline, "gunicorn did not come up"
        time.sleep(0.2)


@pytest.mark.postgres
@needs_postgresql
def test_workers_killed_mid_checkout_lose_nothing_and_sell_nothing_twice(app):
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    release_id = set_up_release(engine, datetime.now(UTC), 2000)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_gunicorn(port)
    ledger, killed = Ledger(), []
    try:
        wait_for_workers(base, server.pid)
        with buyers_shopping(base, release_id, ledger, BUYERS):
            for _ in range(KILLS):
                time.sleep(0.6)  # buyers make progress between two kills
                killed.append(kill_one_serving(server.pid, port))
            time.sleep(1.5)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

    # Later on: the scheduler's jobs give back what nobody will buy, and send the e-mails a
    # dead worker had not sent (queued, or claimed by it and lapsed since).
    later = datetime.now(UTC) + timedelta(seconds=HOLD_TTL) + ABANDONED_AFTER
    with Session(engine) as session:
        swept = sweep_expired_holds(session, later)
        abandoned = cancel_abandoned_orders(session, later)
        late_emails = deliver_emails(engine, None, later)
        left = session.execute(text(
            "SELECT (SELECT held FROM releases WHERE id = :id),"
            " (SELECT count(*) FROM holds WHERE status = 'active'),"
            " (SELECT count(*) FROM orders WHERE status = 'pending'),"
            " (SELECT count(*) FROM outbound_emails WHERE status <> 'outbox')"),
            {"id": release_id}).one()
    engine.dispose()

    print(f"\nkilled workers {killed}; {len(ledger.confirmed)} purchases confirmed; "
          f"{ledger.transport_errors} requests cut; answers {sorted(ledger.statuses.items())};"
          f" swept {swept} lapsed holds, cancelled {abandoned} abandoned orders, "
          f"sent {late_emails} e-mails late")
    assert None not in killed, "no worker was serving a request to kill"
    assert ledger.transport_errors > 0, "no kill landed on a request in flight"
    assert not ledger.bad_answers, ledger.bad_answers[:5]
    assert len(ledger.confirmed) > 0
    assert ledger_problems(POSTGRES_URL, release_id, ledger) == []
    assert tuple(left) == (0, 0, 0, 0), "held seats, active holds, pending orders, unsent e-mails"
