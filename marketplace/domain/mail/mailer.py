"""The one mailer: e-mails are recorded under a unique key, then delivered after the commit.

`queue_email` writes the row inside the caller's transaction, so an e-mail exists
exactly when the change it tells about was committed, and the unique `dedup_key`
makes a second attempt (a retried webhook, a restarted job) a no-op. `deliver_emails`
sends rows through SMTP, or, without SMTP_URL, files them in the outbox; it claims
each row with a guarded UPDATE, so two senders never send the same e-mail.

A sender that dies (a killed scheduler or worker) never sends an e-mail twice: the
row is marked sent just before the final dot of the SMTP conversation (see
marketplace.domain.mail.smtp). The e-mail it was sending, if it had not reached that point,
stays claimed and is sent again once the claim lapses (CLAIM_TIMEOUT). The only
duplicate left is SMTP's own: a server that drops the connection after the final dot
without answering may or may not have the message, and it is sent again; it then
carries the same Message-ID, which mailboxes use to recognise a duplicate.

One bad e-mail never holds the others: a message that cannot be written (see
marketplace.domain.mail.message) or that the sending code chokes on is marked failed, with a
reason that names no one, and the batch goes on. Only SMTP and network errors are worth
another try later.
"""

from __future__ import annotations

import logging
import smtplib
from datetime import datetime, timedelta
from time import monotonic

from sqlalchemy import Engine, or_, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from marketplace.domain.db import insert_once
from marketplace.domain.mail import smtp
from marketplace.domain.mail.message import MailSettings, UnwritableEmail, build_message
from marketplace.domain.mail.models import OutboundEmail

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
# A row claimed by a sender that died is tried again after this long.
CLAIM_TIMEOUT = timedelta(minutes=10)
PENDING_KEYS = "queued_emails"


def queue_email(within: Session, *, dedup_key: str, to: str, subject: str, body_text: str,
                body_html: str | None = None, unsubscribe_url: str | None = None,
                reply_to: str | None = None, now: datetime) -> bool:
    """Record an e-mail once per `dedup_key`, in the caller's transaction; True if new.
    `unsubscribe_url` (a mailing one can stop) must answer a one-click POST (RFC 8058);
    `reply_to` is who answers (the selling venue, on a buyer's e-mail about an order)."""
    inserted = insert_once(within, OutboundEmail, {
        "dedup_key": dedup_key, "to_address": to, "subject": subject,
        "body_text": body_text, "body_html": body_html, "unsubscribe_url": unsubscribe_url,
        "reply_to": reply_to or None, "status": "queued", "attempts": 0, "created_at": now,
    }, key="dedup_key")
    if inserted:
        within.info.setdefault(PENDING_KEYS, []).append(dedup_key)
    return inserted


def record_unwritten(within: Session, *, dedup_key: str, to: str, error: Exception,
                     now: datetime) -> None:
    """Record as failed an e-mail whose words could not even be written (a template that
    chokes on old data), so that no job tries it again and again; nothing personal in the
    reason or the log."""
    if isinstance(error, SQLAlchemyError):
        raise error  # the database's trouble, not this e-mail's: the job stops
    reason = f"not written: {type(error).__name__}"
    log.warning("e-mail %s %s", dedup_key, reason)
    insert_once(within, OutboundEmail, {
        "dedup_key": dedup_key, "to_address": to, "subject": "", "body_text": "",
        "status": "failed", "attempts": 0, "last_error": reason, "created_at": now,
    }, key="dedup_key")


def deliver_emails(engine: Engine, smtp_url: str | None, now: datetime,
                   keys: list[str] | None = None, limit: int = 200,
                   settings: MailSettings | None = None) -> int:
    """Send queued e-mails (those of `keys`, or any due); return how many were delivered.

    Without `smtp_url` the e-mails are filed in the outbox (status 'outbox'). `settings`:
    the sender and DKIM key (MAIL_FROM's defaults when None).
    """
    settings = settings or MailSettings()
    with Session(engine) as session:
        due = select(OutboundEmail.id).where(_claimable(now)).order_by(OutboundEmail.id)
        if keys is not None:
            due = due.where(OutboundEmail.dedup_key.in_(keys))
        ids = session.scalars(due.limit(limit)).all()
        session.rollback()
        started, delivered = monotonic(), 0
        for email_id in ids:
            # Claim at the time the batch has reached: a claim made late in a long batch
            # dated from its start would lapse early, and another sender would take over
            # an e-mail that is still being sent.
            claim_at = now + timedelta(seconds=monotonic() - started)
            delivered += _deliver_one(session, email_id, smtp_url, now, claim_at, settings)
        return delivered


def _claimable(now: datetime):
    return (OutboundEmail.attempts < MAX_ATTEMPTS) & or_(
        OutboundEmail.status == "queued",
        (OutboundEmail.status == "sending") & (OutboundEmail.claimed_at < now - CLAIM_TIMEOUT),
    )


def _deliver_one(session: Session, email_id: int, smtp_url: str | None, now: datetime,
                 claim_at: datetime, settings: MailSettings) -> bool:
    claimed = session.execute(
        update(OutboundEmail)
        .where(OutboundEmail.id == email_id, _claimable(claim_at))
        .values(status="sending", claimed_at=claim_at, attempts=OutboundEmail.attempts + 1)
        .returning(OutboundEmail.id)
        .execution_options(synchronize_session=False)
    ).first()
    session.commit()
    if claimed is None:
        return False  # another sender has it
    email = session.get(OutboundEmail, email_id)
    try:
        message = build_message(email, settings, claim_at)
    except Exception as error:  # this message, never the batch: the next one goes on
        return _give_up(session, email, _reason("not written", error))
    if smtp_url is None:
        email.status, email.sent_at = "outbox", now
        session.commit()
        return True

    def accepting() -> None:
        email.status, email.sent_at = "sent", now
        session.commit()

    try:
        smtp.send(smtp_url, message, accepting)
    except (OSError, smtplib.SMTPException) as error:  # the server or the network: later
        email.status = "failed" if email.attempts >= MAX_ATTEMPTS else "queued"
        email.sent_at = None
        email.last_error = _reason("not sent", error)
        session.commit()
        return False
    except SQLAlchemyError:
        raise  # recording "sent" failed: the database's trouble, the claim lapses
    except Exception as error:
        return _give_up(session, email, _reason("not sent", error))
    return True


def _reason(what: str, error: Exception) -> str:
    """Why an e-mail did not leave, without the address or anything a server quoted of it."""
    if isinstance(error, UnwritableEmail):
        return f"{what}: {error}"
    code = getattr(error, "smtp_code", None)
    return f"{what}: {type(error).__name__}" + (f" {code}" if code else "")


def _give_up(session: Session, email: OutboundEmail, reason: str) -> bool:
    log.warning("e-mail %s failed (%s)", email.id, reason)
    email.status, email.sent_at, email.last_error = "failed", None, reason
    session.commit()
    return False
