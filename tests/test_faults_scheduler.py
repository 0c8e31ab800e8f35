"""The scheduler killed (SIGKILL) in the middle of sending e-mails, then started again.

`flask scheduler` runs as a real process against PostgreSQL and a slow local SMTP
server, with many e-mails queued. It is killed twice: once while the server holds a
whole message and is about to answer it (the server has it: sending it again would
be a duplicate), once while the server is answering RCPT (the message has not left:
it must be sent later). Restarted, the scheduler sends the rest; the one e-mail whose
claim the killed process left behind goes when its claim lapses. At the end every
e-mail has arrived exactly once.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from marketplace.domain.mail.mailer import CLAIM_TIMEOUT, deliver_emails, queue_email
from marketplace.domain.mail.models import OutboundEmail
from tests.faults.slow_smtp import slow_smtp_server
from tests.test_concurrency import POSTGRES_URL

ROOT = Path(__file__).resolve().parent.parent
FLASK = str(Path(sys.executable).parent / "flask")
EMAILS = 40
needs_postgresql = pytest.mark.skipif(not POSTGRES_URL,
                                      reason="needs PostgreSQL: set TEST_DATABASE_URL")


def start_scheduler(database_url: str, smtp_url: str) -> subprocess.Popen:
    env = os.environ | {"DATABASE_URL": database_url, "SMTP_URL": smtp_url,
                        "SECRET_KEY": "faults", "BASE_URL": "http://kiosque.test"}
    env.pop("REDIS_URL", None)  # PostgreSQL advisory locks; Redis plays no part here
    return subprocess.Popen([FLASK, "--app", "wsgi", "scheduler"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def kill_when(process: subprocess.Popen, moment: threading.Event, received: list,
              at_least: int, timeout: float = 60) -> int:
    """SIGKILL the process at `moment`, once `at_least` e-mails arrived; return how many had."""
    deadline = time.monotonic() + timeout
    while len(received) < at_least or not moment.is_set():
        assert time.monotonic() < deadline, f"never got there ({len(received)} received)"
        assert process.poll() is None, "the scheduler died by itself"
        time.sleep(0.002)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    return len(received)


def statuses(engine) -> Counter:
    with Session(engine) as session:
        return Counter(dict(session.execute(
            select(OutboundEmail.status, func.count()).group_by(OutboundEmail.status)).all()))


def wait_until_drained(engine, since: datetime, timeout: float = 60) -> None:
    """Until nothing is queued and nothing claimed after `since` is still being sent."""
    busy = (OutboundEmail.status == "queued") | (
        (OutboundEmail.status == "sending") & (OutboundEmail.claimed_at >= since))
    deadline = time.monotonic() + timeout
    while True:
        with Session(engine) as session:
            if not session.scalar(select(func.count()).where(busy)):
                return
        assert time.monotonic() < deadline, f"e-mails still to send: {statuses(engine)}"
        time.sleep(0.2)


@pytest.mark.postgres
@needs_postgresql
def test_a_scheduler_killed_while_sending_delivers_every_email_once(app):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    engine = create_engine(url)
    now = datetime.now(UTC)
    with Session(engine) as session:  # no app context: nothing is sent on commit
        for n in range(EMAILS):
            queue_email(session, dedup_key=f"fault:{n}", to=f"spectateur{n}@example.org",
                        subject=f"Vos billets n°{n}", body_text="Bonjour", now=now)
        session.commit()
    scheduler = None
    try:
        with slow_smtp_server() as (smtp_url, server):
            received = server.messages
            started = time.monotonic()
            scheduler = start_scheduler(POSTGRES_URL, smtp_url)
            first = kill_when(scheduler, server.in_data, received, 5)
            scheduler = start_scheduler(POSTGRES_URL, smtp_url)
            second = kill_when(scheduler, server.in_rcpt, received, first + 5)
            restarted = datetime.now(UTC)
            scheduler = start_scheduler(POSTGRES_URL, smtp_url)
            wait_until_drained(engine, restarted)
            scheduler.send_signal(signal.SIGTERM)
            scheduler.wait(timeout=10)
            left = statuses(engine)
            # Ten minutes later: the claim the killed process left behind has lapsed, and
            # the scheduler's send_emails job takes the e-mail up again.
            deliver_emails(engine, smtp_url, datetime.now(UTC) + CLAIM_TIMEOUT
                           + timedelta(minutes=1))
            elapsed = time.monotonic() - started
    finally:
        if scheduler and scheduler.poll() is None:
            scheduler.kill()
        final = statuses(engine)
        engine.dispose()

    per_recipient = Counter(message["To"] for message in received)
    message_ids = Counter(message["Message-ID"] for message in received)
    print(f"\nkilled after {first} and {second} e-mails; before the claim lapsed: "
          f"{dict(left)}; finally {dict(final)}; {len(received)} received in {elapsed:.1f} s")
    assert left["sending"] <= 2, "a killed sender leaves at most the e-mail it was sending"
    assert final == {"sent": EMAILS}
    assert set(per_recipient) == {f"spectateur{n}@example.org" for n in range(EMAILS)}
    assert [to for to, times in per_recipient.items() if times > 1] == []
    assert len(message_ids) == EMAILS and None not in message_ids
