"""Follows: one address following one venue, confirmed by e-mail, ended in one click."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.domain.db import Base, UTCDateTime
from marketplace.domain.timeutil import utcnow


class Follow(Base):
    __tablename__ = "follows"
    __table_args__ = (
        Index("ix_follows_active", "confirmed_at", "unfollowed_at"),
        Index("ix_follows_email_venue", "email", "venue_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    venue_id: Mapped[int] = mapped_column(ForeignKey("venues.id", ondelete="CASCADE"),
                                          index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    locale: Mapped[str] = mapped_column(String(5), default="fr")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    unfollowed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class FollowNotice(Base):
    """A release a follow has already told about (or that was on sale when it was confirmed)."""

    __tablename__ = "follow_notices"
    __table_args__ = (
        UniqueConstraint("follow_id", "release_id"),
        CheckConstraint("reason IN ('told', 'seen')", name="reason_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    follow_id: Mapped[int] = mapped_column(ForeignKey("follows.id", ondelete="CASCADE"))
    release_id: Mapped[int] = mapped_column(
        ForeignKey("releases.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(10), default="told")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
