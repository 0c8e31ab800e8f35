"""A sender dying mid-send never sends an e-mail twice, and never loses one.

The regression tests of what the killed-scheduler fault (tests/test_faults_scheduler.py)
found: e-mails were marked sent only after the server's answer, so a sender killed
while the server answered had delivered an e-mail it would send again; every attempt
had a new Message-ID; and claims made late in a long batch were dated from its start.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from marketplace.mail import mailer
from marketplace.mail.mailer import CLAIM_TIMEOUT, deliver_emails, queue_email
from marketplace.mail.models import OutboundEmail
from tests.smtp_server import free_port, smtp_server


def queued(db, now, count: int = 1) -> None:
    for n in range(count):
        queue_email(db.session, dedup_key=f"fault:{n}", to=f"p{n}@example.org",
                    subject="Vos billets", body_text="Bonjour\n.\nUne ligne d'un point",
                    now=now)
    db.session.info.clear()  # keep them queued: the tests deliver them
    db.session.commit()


def email_id(db, dedup_key: str = "fault:0") -> int:
    return db.session.scalar(select(OutboundEmail.id).where(OutboundEmail.dedup_key == dedup_key))


def status_of(engine, dedup_key: str = "fault:0") -> str:
    with Session(engine) as session:
        return session.scalar(select(OutboundEmail.status)
                              .where(OutboundEmail.dedup_key == dedup_key))


class _Server:
    """Reads the e-mail's status in the database at the moment it holds the whole message."""

    def __init__(self, engine, answers: list[str]) -> None:
        self.engine, self.answers = engine, answers
        self.received, self.status_when_received = [], []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.received.append(envelope.original_content)
        self.status_when_received.append(status_of(self.engine))
        return self.answers.pop(0) if self.answers else "250 OK"


@pytest.fixture
def server(db):
    sqlite = db.engine.dialect.name == "sqlite"
    engine = create_engine(db.engine.url.render_as_string(hide_password=False),
                           connect_args={"check_same_thread": False} if sqlite else {})
    handler = _Server(engine, [])
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    handler.url = f"smtp://127.0.0.1:{port}"
    yield handler
    controller.stop()
    engine.dispose()


def test_an_email_is_recorded_as_sent_before_the_server_has_all_of_it(db, now, server):
    queued(db, now)
    assert deliver_emails(db.engine, server.url, now) == 1
    # A sender killed from here on has nothing to send again.
    assert server.status_when_received == ["sent"]
    # A line of a single dot travelled dot-stuffed and arrived whole.
    assert server.received[0].endswith(b"Bonjour\r\n.\r\nUne ligne d'un point\r\n")


def test_a_sender_that_dies_before_the_final_dot_leaves_the_email_to_a_later_send(
        db, now, server, monkeypatch):
    queued(db, now)

    commit = Session.commit
    commits = []

    def dies_at_the_second_commit(session):
        commits.append(session)
        if len(commits) == 2:  # the claim went through; recording "sent" never does
            raise SystemExit("killed")
        commit(session)

    monkeypatch.setattr(Session, "commit", dies_at_the_second_commit)
    with pytest.raises(SystemExit), Session(db.engine) as session:
        mailer._deliver_one(session, email_id(db), server.url, now, now)
    monkeypatch.undo()
    assert server.received == []  # the server threw the unfinished message away
    assert status_of(db.engine) == "sending"
    assert deliver_emails(db.engine, server.url, now + timedelta(minutes=1)) == 0
    assert deliver_emails(db.engine, server.url, now + CLAIM_TIMEOUT + timedelta(seconds=1)) == 1
    assert len(server.received) == 1 and status_of(db.engine) == "sent"


def test_every_attempt_at_an_email_carries_the_same_message_id(db, now, server):
    queued(db, now)
    server.answers.append("451 Try again later")  # refused after reading it all
    assert deliver_emails(db.engine, server.url, now) == 0
    assert status_of(db.engine) == "queued"
    assert deliver_emails(db.engine, server.url, now) == 1
    ids = {line for message in server.received for line in message.splitlines()
           if line.lower().startswith(b"message-id:")}
    assert len(server.received) == 2 and len(ids) == 1


def test_a_long_batch_dates_each_claim_when_it_makes_it(db, now, monkeypatch):
    queued(db, now, count=3)
    clock = iter([0.0, 0.0, 400.0, 800.0])
    monkeypatch.setattr(mailer, "monotonic", lambda: next(clock))
    with smtp_server() as (url, received):
        assert deliver_emails(db.engine, url, now) == 3
    db.session.expire_all()
    claims = db.session.scalars(select(OutboundEmail.claimed_at)
                                .order_by(OutboundEmail.id)).all()
    assert claims == [now, now + timedelta(seconds=400), now + timedelta(seconds=800)]
