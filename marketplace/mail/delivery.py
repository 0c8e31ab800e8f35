"""Deliver the e-mails a transaction queued, right after it commits (never before)."""

from __future__ import annotations

import logging

from flask import Flask, current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from marketplace.mail.mailer import PENDING_KEYS, deliver_emails
from marketplace.timeutil import utcnow

log = logging.getLogger(__name__)


def _after_commit(session: Session) -> None:
    keys = session.info.pop(PENDING_KEYS, None)
    if not keys or not has_app_context():
        return  # outside the app (a script), the scheduler's retry job delivers them
    try:
        deliver_emails(session.get_bind(), current_app.config.get("SMTP_URL"), utcnow(),
                       keys=keys)
    except Exception:  # an e-mail problem must never undo or fail what was committed
        log.exception("e-mail delivery after commit failed; the scheduler will retry")


def _after_rollback(session: Session) -> None:
    session.info.pop(PENDING_KEYS, None)


def init_mail_delivery(app: Flask) -> None:
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_rollback", _after_rollback)
