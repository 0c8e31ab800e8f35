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
from sqlalchemy import create_engine, select, update
from sqlalchemy.orm import Session

from marketplace.domain.mail import mailer, smtp
from marketplace.domain.mail.mailer import CLAIM_TIMEOUT, deliver_emails, queue_email
from marketplace.domain.mail.message import MailSettings
from marketplace.domain.mail.models import OutboundEmail
from marketplace.scheduler.jobs import JobContext
from marketplace.scheduler.runner import run_job
from tests.jobs_helpers import JOB
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
        mailer._deliver_one(session, email_id(db), server.url, now, now, MailSettings())
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


# One bad e-mail never holds the others --------------------------------------------------


def _broken(db, dedup_key: str, **values) -> None:
    """Write a row as old data would be: straight into the table, no validation."""
    db.session.execute(update(OutboundEmail).where(OutboundEmail.dedup_key == dedup_key)
                       .values(**values))
    db.session.commit()


@pytest.mark.parametrize("through", ["smtp", "outbox"])
def test_a_message_that_cannot_be_written_fails_alone_and_the_batch_goes_on(
        app, db, now, caplog, through):
    """The regression: a line break where a header goes made `send_emails` raise, and every
    e-mail queued after it (other venues' tickets) stayed queued."""
    queued(db, now, count=3)
    _broken(db, "fault:1", to_address="p1@example.org\r\nBcc: everyone@example.org")
    with smtp_server() as (url, received):
        ctx = JobContext(engine=db.engine, smtp_url=url if through == "smtp" else None,
                         redis_client=None)
        assert run_job(JOB["send_emails"], ctx, now).count == 2
    assert [status_of(db.engine, f"fault:{n}") for n in range(3)] == [
        "sent" if through == "smtp" else "outbox", "failed",
        "sent" if through == "smtp" else "outbox"]
    if through == "smtp":
        assert [m["To"] for m in received] == ["p0@example.org", "p2@example.org"]
    db.session.expire_all()
    failed = db.session.scalar(select(OutboundEmail).where(OutboundEmail.dedup_key == "fault:1"))
    assert failed.last_error == "not written: the recipient's address cannot be written in a header"
    assert failed.sent_at is None
    # Nobody's address in the log, only the row's id and the reason.
    assert "failed" in caplog.text and "example.org" not in caplog.text
    # A failed e-mail is not tried again by the next run.
    with smtp_server() as (url, received):
        assert deliver_emails(db.engine, url, now + CLAIM_TIMEOUT * 2) == 0
        assert received == []


def test_a_title_with_a_line_break_from_before_the_check_is_sent_on_one_line(db, now):
    queued(db, now)
    _broken(db, "fault:0", subject="Vos billets : Le\r\nCid,\n21 nov.")
    with smtp_server() as (url, received):
        assert deliver_emails(db.engine, url, now) == 1
    assert received[0]["Subject"] == "Vos billets : Le Cid, 21 nov."


def test_an_unexpected_error_while_sending_one_message_fails_it_alone(db, now, monkeypatch,
                                                                      caplog):
    queued(db, now, count=3)
    send = smtp.send

    def chokes_on_the_second(smtp_url, message, accepting):
        if message.recipient == "p1@example.org":
            raise UnicodeEncodeError("ascii", "é", 0, 1, "a surprise")
        send(smtp_url, message, accepting)

    monkeypatch.setattr(smtp, "send", chokes_on_the_second)
    with smtp_server() as (url, received):
        assert deliver_emails(db.engine, url, now) == 2
    assert len(received) == 2 and status_of(db.engine, "fault:1") == "failed"
    db.session.expire_all()
    assert db.session.scalar(select(OutboundEmail.last_error).where(
        OutboundEmail.dedup_key == "fault:1")) == "not sent: UnicodeEncodeError"
    assert "p1@" not in caplog.text


def test_a_refusal_by_the_server_keeps_no_words_of_it(db, now, server):
    """A server's answer may quote the address: only its class and code are kept."""
    queued(db, now)
    server.answers.append("451 4.7.1 <p0@example.org>: try again later")
    assert deliver_emails(db.engine, server.url, now) == 0
    db.session.expire_all()
    assert db.session.scalar(select(OutboundEmail.last_error)) == "not sent: SMTPDataError 451"
