"""E-mails are recorded once, sent after the commit, and never twice."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from marketplace.domain.mail.mailer import deliver_emails, queue_email
from marketplace.domain.mail.models import OutboundEmail
from tests.smtp_server import free_port, smtp_server
from tests.waiting import join_all


def _queue(db, now, key="order:1:confirmation", to="lea@example.org"):
    return queue_email(db.session, dedup_key=key, to=to, subject="Vos billets",
                       body_text="Bonjour Léa", body_html="<p>Bonjour Léa</p>", now=now)


@pytest.fixture
def smtp(app):
    with smtp_server() as (url, received):
        app.config["SMTP_URL"] = url
        yield received
    app.config["SMTP_URL"] = None


def test_the_same_email_is_recorded_once(db, now):
    assert _queue(db, now) is True
    assert _queue(db, now) is False
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(OutboundEmail)) == 1


def test_without_smtp_the_email_lands_in_the_outbox_after_commit(db, now):
    _queue(db, now)
    db.session.commit()
    email = db.session.scalar(select(OutboundEmail))
    assert email.status == "outbox" and email.sent_at is not None


def test_with_smtp_the_email_leaves_after_commit(db, now, smtp):
    _queue(db, now)
    assert smtp == []  # nothing leaves before the commit
    db.session.commit()
    assert len(smtp) == 1
    assert smtp[0]["To"] == "lea@example.org"
    assert smtp[0]["Subject"] == "Vos billets"
    assert db.session.scalar(select(OutboundEmail.status)) == "sent"


def test_a_rolled_back_transaction_sends_nothing(db, now, smtp):
    _queue(db, now)
    db.session.rollback()
    db.session.commit()
    assert smtp == []
    assert db.session.scalar(select(func.count()).select_from(OutboundEmail)) == 0


def test_an_smtp_outage_keeps_the_email_for_a_later_try(app, db, now):
    app.config["SMTP_URL"] = f"smtp://127.0.0.1:{free_port()}"  # nobody listens there
    try:
        _queue(db, now)
        db.session.commit()  # the request still succeeds
    finally:
        app.config["SMTP_URL"] = None
    email = db.session.scalar(select(OutboundEmail))
    assert email.status == "queued" and email.last_error
    with smtp_server() as (url, received):
        assert deliver_emails(db.engine, url, now) == 1
    assert len(received) == 1


def test_two_senders_at_once_send_each_email_once(app, db, now):
    for n in range(10):
        _queue(db, now, key=f"k{n}")
    db.session.flush()
    db.session.info.clear()  # keep them queued: the two senders below deliver them
    db.session.commit()
    engine = db.engine
    with smtp_server() as (url, received):
        barrier = threading.Barrier(2)

        def sender():
            barrier.wait(30)
            deliver_emails(engine, url, now)

        threads = [threading.Thread(target=sender) for _ in range(2)]
        for thread in threads:
            thread.start()
        join_all(threads, 60)
    assert len(received) == 10
