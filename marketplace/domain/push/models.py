"""Push subscriptions (one per browser, linked to an e-mail address) and the record of
what was told under which key (so a notification never leaves twice)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.domain.db import Base, UTCDateTime
from marketplace.domain.timeutil import utcnow


class PushSubscription(Base):
    """A browser's push endpoint and keys (RFC 8291), for the address that confirmed an
    alert or a follow in it. The endpoint is unique: a browser belongs to one address."""

    __tablename__ = "push_subscriptions"
    __table_args__ = (
        CheckConstraint("origin IN ('watch', 'follow', 'waitlist')", name="origin_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    endpoint: Mapped[str] = mapped_column(Text, unique=True)
    p256dh: Mapped[str] = mapped_column(String(200))
    auth: Mapped[str] = mapped_column(String(100))
    origin: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Notification(Base):
    """One message told under its unique key, and by which channel. No address, no words:
    only the key (ids and dates) and the outcome."""

    __tablename__ = "notifications"
    __table_args__ = (
        CheckConstraint("channel IN ('pending', 'push', 'email')", name="channel_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    channel: Mapped[str] = mapped_column(String(10), default="pending")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
