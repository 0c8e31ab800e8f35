"""Watches: a spectator asks to be told when matching offers appear or get cheaper."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.domain.db import Base, UTCDateTime
from marketplace.domain.timeutil import utcnow


class Watch(Base):
    __tablename__ = "watches"
    __table_args__ = (
        CheckConstraint("radius_km IS NULL OR radius_km > 0", name="radius_positive"),
        CheckConstraint(
            "max_price_cents IS NULL OR max_price_cents > 0", name="max_price_positive"
        ),
        CheckConstraint(
            "when_filter IS NULL OR when_filter IN ('tonight', 'tomorrow', 'weekend', 'all')",
            name="when_known",
        ),
        Index("ix_watches_active", "confirmed_at", "unsubscribed_at", "expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    locale: Mapped[str] = mapped_column(String(5), default="fr")
    place_label: Mapped[str | None] = mapped_column(String(200))
    lat: Mapped[float | None] = mapped_column(Float)
    lng: Mapped[float | None] = mapped_column(Float)
    radius_km: Mapped[float | None] = mapped_column(Float)
    discipline: Mapped[str | None] = mapped_column(String(20))
    venue_id: Mapped[int | None] = mapped_column(ForeignKey("venues.id", ondelete="CASCADE"))
    show_id: Mapped[int | None] = mapped_column(ForeignKey("shows.id", ondelete="CASCADE"))
    max_price_cents: Mapped[int | None] = mapped_column(Integer)
    when_filter: Mapped[str | None] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_alerted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    unsubscribed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class WatchAlert(Base):
    """An offer a watch has already told about (or that was on screen when it was made)."""

    __tablename__ = "watch_alerts"
    __table_args__ = (
        UniqueConstraint("watch_id", "release_id"),
        CheckConstraint("reason IN ('alerted', 'seen')", name="reason_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    watch_id: Mapped[int] = mapped_column(ForeignKey("watches.id", ondelete="CASCADE"))
    release_id: Mapped[int] = mapped_column(
        ForeignKey("releases.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(10), default="alerted")
    price_cents: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
