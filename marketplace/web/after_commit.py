"""Send what a transaction queued (e-mails, venue webhooks) right after it commits.

Never before the commit, so nobody is told about something that was rolled back; and
never in a way that could fail the request: anything not sent here is sent by the
scheduler's retry jobs.
"""

from __future__ import annotations

import logging
import threading

from flask import Flask, current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from marketplace.domain.contacts.webhooks import PENDING_IDS, deliver_webhooks
from marketplace.domain.mail.mailer import PENDING_KEYS, deliver_emails
from marketplace.domain.mail.message import mail_settings
from marketplace.domain.push.channel import PushChannel, push_channel
from marketplace.domain.push.services import COMMITTED_PUSHES, PENDING_PUSHES, push_committed
from marketplace.domain.timeutil import utcnow
from marketplace.outbound import OutboundPolicy, policy_from_config

log = logging.getLogger(__name__)


def _after_commit(session: Session) -> None:
    pushes = session.info.pop(PENDING_PUSHES, None)
    if pushes:
        session.info.setdefault(COMMITTED_PUSHES, []).extend(pushes)
        if has_app_context():  # a request: push from a thread; a job pushes after its work
            pushes, channel = session.info.pop(COMMITTED_PUSHES), push_channel(current_app.config)
            if channel.enabled:  # without a VAPID key there is no browser to tell
                threading.Thread(target=_push, args=(session.get_bind(), pushes, channel),
                                 daemon=True, name="push-after-commit").start()
    emails = session.info.pop(PENDING_KEYS, None)
    webhooks = session.info.pop(PENDING_IDS, None)
    if not has_app_context() or not (emails or webhooks):
        return  # outside the app (a script): the scheduler's retry jobs send them
    engine = session.get_bind()
    if emails:
        try:
            deliver_emails(engine, current_app.config.get("SMTP_URL"), utcnow(), keys=emails,
                           settings=mail_settings(current_app.config))
        except Exception:  # an e-mail problem must never undo or fail what was committed
            log.exception("e-mail delivery after commit failed; the scheduler will retry")
    if webhooks:
        # A venue's slow server must never hold a buyer's checkout: post from a thread.
        policy = policy_from_config(current_app.config)  # the thread has no app context
        threading.Thread(target=_post_webhooks, args=(engine, webhooks, policy), daemon=True,
                         name="webhooks-after-commit").start()


def _post_webhooks(engine, keys: list[str], policy: OutboundPolicy) -> None:
    try:
        deliver_webhooks(engine, utcnow(), keys=keys, policy=policy)
    except Exception:
        log.exception("webhook delivery after commit failed; the scheduler will retry")


def _push(engine, pushes: list, channel: PushChannel) -> None:
    try:
        with Session(engine) as session:
            session.info[COMMITTED_PUSHES] = pushes
            push_committed(session, channel, utcnow())
    except Exception:  # the e-mail of each went anyway
        log.exception("push after commit failed")


def _after_rollback(session: Session) -> None:
    session.info.pop(PENDING_PUSHES, None)
    session.info.pop(PENDING_KEYS, None)
    session.info.pop(PENDING_IDS, None)


def init_after_commit_sending(app: Flask) -> None:
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_rollback", _after_rollback)
