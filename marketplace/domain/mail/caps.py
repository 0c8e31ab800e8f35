"""Per-recipient caps on the e-mails a stranger can make us send (links, confirmations).

Per-client rate limits stop one client, not many: from enough addresses anyone could
aim Kiosque's forms at one mailbox. A cap counts what the outbound e-mail table already
holds for that address and kind in the last 24 hours, so it holds across workers and
machines without Redis. Over the cap nothing is sent, and the requester is told exactly
what they would be told otherwise (a stranger learns nothing about the address).

On PostgreSQL the check takes a transaction-level advisory lock on (kind, address), so
concurrent requests for one address queue up until each has recorded its e-mail and the
cap is exact. SQLite (one machine) has no such lock: two requests checking at the same
instant may send one e-mail more than the cap.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from marketplace.domain.mail.models import OutboundEmail


@dataclass(frozen=True)
class RecipientCap:
    """At most `limit` e-mails of one `kind` (their dedup-key prefix) per address per window."""

    kind: str
    limit: int = 3
    window: timedelta = timedelta(hours=24)


def recipient_capped(session: Session, cap: RecipientCap, to: str, now: datetime) -> bool:
    """True when `to` has already had `cap.limit` e-mails of this kind in the window.

    Call it in the transaction that queues the e-mail, right before queueing it.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
                        {"key": f"recipient-cap:{cap.kind}:{to}"})
    sent = session.scalar(
        select(func.count()).select_from(OutboundEmail)
        .where(OutboundEmail.to_address == to,
               OutboundEmail.dedup_key.startswith(f"{cap.kind}:", autoescape=True),
               OutboundEmail.created_at > now - cap.window))
    return sent >= cap.limit
