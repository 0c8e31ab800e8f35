"""Releases (lots of seats on sale) and holds (seats set aside for one buyer)."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.domain.db import Base, UTCDateTime
from marketplace.domain.pricing import PriceSchedule
from marketplace.domain.timeutil import utcnow

if TYPE_CHECKING:
    from marketplace.domain.catalog.models import Performance

CURVES = ("linear", "steps")


def new_public_id() -> str:
    """An unguessable identifier for objects addressed without an account."""
    return secrets.token_urlsafe(16)


class Release(Base):
    __tablename__ = "releases"
    __table_args__ = (
        # Rule 1, last line of defence: the guarded UPDATE should never let these fail.
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("sold >= 0", name="sold_not_negative"),
        CheckConstraint("held >= 0", name="held_not_negative"),
        CheckConstraint("sold + held <= quantity", name="never_oversold"),
        CheckConstraint("face_price_cents > 0", name="face_price_positive"),
        CheckConstraint(
            "start_discount >= 25 AND start_discount <= max_discount AND max_discount <= 80",
            name="discount_bounds",
        ),
        CheckConstraint("curve IN ('linear', 'steps')", name="curve_known"),
        CheckConstraint(
            "curve <> 'steps' OR (step_minutes IS NOT NULL AND step_minutes > 0)",
            name="steps_have_length",
        ),
        CheckConstraint("sales_open_at < sales_close_at", name="window_ordered"),
        CheckConstraint(
            "max_discount_at >= sales_open_at AND max_discount_at <= sales_close_at",
            name="max_discount_in_window",
        ),
        CheckConstraint("max_per_order >= 1", name="max_per_order_positive"),
        CheckConstraint("status IN ('open', 'withdrawn', 'closed')", name="status_known"),
        Index("ix_releases_status_close", "status", "sales_close_at"),
        # Releases by the day their sales opened (the agency's uptake reads them by
        # performance now, through performance_id).
        Index("ix_releases_sales_open", "sales_open_at",
              postgresql_include=["quantity", "venue_id", "performance_id"]),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    performance_id: Mapped[int] = mapped_column(
        ForeignKey("performances.id", ondelete="CASCADE"), index=True
    )
    venue_id: Mapped[int] = mapped_column(ForeignKey("venues.id", ondelete="CASCADE"), index=True)
    category: Mapped[str] = mapped_column(String(80))
    face_price_cents: Mapped[int] = mapped_column(Integer)
    quantity: Mapped[int] = mapped_column(Integer)
    sold: Mapped[int] = mapped_column(Integer, default=0)
    held: Mapped[int] = mapped_column(Integer, default=0)
    start_discount: Mapped[int] = mapped_column(Integer)
    max_discount: Mapped[int] = mapped_column(Integer)
    curve: Mapped[str] = mapped_column(String(10), default="linear")
    step_minutes: Mapped[int | None] = mapped_column(Integer)
    sales_open_at: Mapped[datetime] = mapped_column(UTCDateTime)
    max_discount_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sales_close_at: Mapped[datetime] = mapped_column(UTCDateTime)
    max_per_order: Mapped[int] = mapped_column(Integer, default=6)
    status: Mapped[str] = mapped_column(String(20), default="open")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    performance: Mapped[Performance] = relationship(back_populates="releases")
    holds: Mapped[list[Hold]] = relationship(back_populates="release")

    def price_schedule(self) -> PriceSchedule:
        """The public discount schedule of this release, for the pricing functions."""
        return PriceSchedule(
            face_price_cents=self.face_price_cents,
            start_discount=self.start_discount,
            max_discount=self.max_discount,
            sales_open_at=self.sales_open_at,
            max_discount_at=self.max_discount_at,
            curve=self.curve,
            step_minutes=self.step_minutes,
        )


class Hold(Base):
    __tablename__ = "holds"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("unit_price_cents >= 0", name="unit_price_not_negative"),
        CheckConstraint(
            "status IN ('active', 'released', 'expired', 'converted')", name="status_known"
        ),
        # The storefront and the hold path look up the active holds of one release.
        Index("ix_holds_release_status_expires", "release_id", "status", "expires_at"),
        Index("ix_holds_status_expires", "status", "expires_at"),
        # The per-client cap counts a client's active holds (inventory.client_caps).
        Index("ix_holds_client_network", "client_network_key", "status"),
        Index("ix_holds_client_browser", "client_browser_key", "status"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_public_id)
    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id", ondelete="CASCADE"))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price_cents: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default="active")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Keyed hashes of who asked (never an address); None when no per-client cap applied.
    client_network_key: Mapped[str | None] = mapped_column(String(32))
    client_browser_key: Mapped[str | None] = mapped_column(String(32))

    release: Mapped[Release] = relationship(back_populates="holds")

    @property
    def total_cents(self) -> int:
        return self.quantity * self.unit_price_cents



WAITLIST_STATUSES = ("waiting", "offered", "claimed", "expired", "left")


class WaitlistEntry(Base):
    """A place in line for a sold-out offer (DESIGN.md rule 11); served by inventory.line."""

    __tablename__ = "waitlist_entries"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint(
            "status IN ('waiting', 'offered', 'claimed', 'expired', 'left')",
            name="status_known"),
        # One entry per e-mail and offer: joining again after leaving reuses the row.
        UniqueConstraint("release_id", "email", name="uq_waitlist_entries_release_email"),
        # The line of one release, in order: the hook reads its first fitting entry.
        Index("ix_waitlist_entries_line", "release_id", "status", "joined_at", "id"),
        Index("ix_waitlist_entries_hold", "hold_id"),
        Index("ix_waitlist_entries_email", "email"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(254))
    quantity: Mapped[int] = mapped_column(Integer)
    locale: Mapped[str] = mapped_column(String(5), default="fr")
    status: Mapped[str] = mapped_column(String(10), default="waiting")
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set when seats were held for it: the hold (its expiry is the claim window's end).
    hold_id: Mapped[str | None] = mapped_column(String(32))
    offered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claim_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
