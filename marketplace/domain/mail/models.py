"""Outgoing e-mail: recorded with a unique key before it leaves, so nothing goes twice."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.domain.db import Base, UTCDateTime
from marketplace.domain.timeutil import utcnow


class OutboundEmail(Base):
    """One e-mail. Without SMTP_URL this table is the outbox the demo reads."""

    __tablename__ = "outbound_emails"
    __table_args__ = (
        CheckConstraint(
            "status IN ('queued', 'sending', 'sent', 'failed', 'outbox')", name="status_known"
        ),
        Index("ix_outbound_emails_status_created", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dedup_key: Mapped[str] = mapped_column(String(200), unique=True)
    to_address: Mapped[str] = mapped_column(String(254), index=True)
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    # Mailings one can stop (alerts): mail clients offer a one-click "unsubscribe" (RFC 8058).
    unsubscribe_url: Mapped[str | None] = mapped_column(String(500))
    # A buyer's e-mail about their order: the selling venue answers (its public address).
    reply_to: Mapped[str | None] = mapped_column(String(254))
    status: Mapped[str] = mapped_column(String(20), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class JobRun(Base):
    """A scheduled job's run for one period, claimed once (a duplicate scheduler finds it taken)."""

    __tablename__ = "job_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
