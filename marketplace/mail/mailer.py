"""The one mailer: e-mails are recorded under a unique key, then delivered after the commit.

`queue_email` writes the row inside the caller's transaction, so an e-mail exists
exactly when the change it tells about was committed, and the unique `dedup_key`
makes a second attempt (a retried webhook, a restarted job) a no-op. `deliver_emails`
sends rows through SMTP, or, without SMTP_URL, files them in the outbox; it claims
each row with a guarded UPDATE, so two senders never send the same e-mail.
"""

from __future__ import annotations

import smtplib
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from urllib.parse import unquote, urlparse

from sqlalchemy import Engine, or_, select, update
from sqlalchemy.orm import Session

from marketplace.db import insert_once
from marketplace.mail.models import OutboundEmail

SENDER = "Kiosque <billetterie@kiosque.example>"
MAX_ATTEMPTS = 8
# A row claimed by a sender that died is tried again after this long.
CLAIM_TIMEOUT = timedelta(minutes=10)
PENDING_KEYS = "queued_emails"


def queue_email(session: Session, *, dedup_key: str, to: str, subject: str, body_text: str,
                body_html: str | None = None, now: datetime) -> bool:
    """Record an e-mail once per `dedup_key`, in the caller's transaction; True if new."""
    inserted = insert_once(session, OutboundEmail, {
        "dedup_key": dedup_key, "to_address": to, "subject": subject,
        "body_text": body_text, "body_html": body_html, "status": "queued",
        "attempts": 0, "created_at": now,
    }, key="dedup_key")
    if inserted:
        session.info.setdefault(PENDING_KEYS, []).append(dedup_key)
    return inserted


def deliver_emails(engine: Engine, smtp_url: str | None, now: datetime,
                   keys: list[str] | None = None, limit: int = 200) -> int:
    """Send queued e-mails (those of `keys`, or any due); return how many were delivered.

    Without `smtp_url` the e-mails are filed in the outbox (status 'outbox').
    """
    with Session(engine) as session:
        due = select(OutboundEmail.id).where(_claimable(now)).order_by(OutboundEmail.id)
        if keys is not None:
            due = due.where(OutboundEmail.dedup_key.in_(keys))
        ids = session.scalars(due.limit(limit)).all()
        session.rollback()
        return sum(_deliver_one(session, email_id, smtp_url, now) for email_id in ids)


def _claimable(now: datetime):
    return (OutboundEmail.attempts < MAX_ATTEMPTS) & or_(
        OutboundEmail.status == "queued",
        (OutboundEmail.status == "sending") & (OutboundEmail.claimed_at < now - CLAIM_TIMEOUT),
    )


def _deliver_one(session: Session, email_id: int, smtp_url: str | None, now: datetime) -> bool:
    claimed = session.execute(
        update(OutboundEmail)
        .where(OutboundEmail.id == email_id, _claimable(now))
        .values(status="sending", claimed_at=now, attempts=OutboundEmail.attempts + 1)
        .returning(OutboundEmail.id)
        .execution_options(synchronize_session=False)
    ).first()
    session.commit()
    if claimed is None:
        return False  # another sender has it
    email = session.get(OutboundEmail, email_id)
    if smtp_url is None:
        email.status = "outbox"
    else:
        try:
            _send(smtp_url, email)
        except (OSError, smtplib.SMTPException) as error:
            email.status = "failed" if email.attempts >= MAX_ATTEMPTS else "queued"
            email.last_error = str(error)[:500]
            session.commit()
            return False
        email.status = "sent"
    email.sent_at = now
    session.commit()
    return True


def _send(smtp_url: str, email: OutboundEmail) -> None:
    url = urlparse(smtp_url)
    message = EmailMessage()
    message["From"] = SENDER
    message["To"] = email.to_address
    message["Subject"] = email.subject
    message["Message-ID"] = make_msgid(domain="kiosque.example")
    message.set_content(email.body_text)
    if email.body_html:
        message.add_alternative(email.body_html, subtype="html")
    smtp_class = smtplib.SMTP_SSL if url.scheme == "smtps" else smtplib.SMTP
    with smtp_class(url.hostname or "127.0.0.1", url.port or 25, timeout=10) as smtp:
        if url.username:
            smtp.login(unquote(url.username), unquote(url.password or ""))
        smtp.send_message(message)
