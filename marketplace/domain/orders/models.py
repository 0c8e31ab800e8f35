"""Orders (the purchase of one hold), their tickets and the payment events behind them."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.domain.db import Base, UTCDateTime
from marketplace.domain.inventory.models import new_public_id
from marketplace.domain.timeutil import utcnow

if TYPE_CHECKING:
    from marketplace.domain.inventory.models import Hold, Release


def new_ticket_code() -> str:
    """An unguessable ticket code (128 bits), short enough for a small QR code."""
    return secrets.token_urlsafe(16)


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("unit_price_cents >= 0", name="unit_price_not_negative"),
        # Rule 2: the total is exactly the locked unit price times the quantity.
        CheckConstraint("total_cents = quantity * unit_price_cents", name="total_is_locked_price"),
        CheckConstraint("face_price_cents > 0", name="face_price_positive"),
        CheckConstraint(
            "status IN ('pending', 'paid', 'cancelled', 'refunded')", name="status_known"
        ),
        CheckConstraint(
            "buyer_birth_year IS NULL OR buyer_birth_year BETWEEN 1900 AND 2100",
            name="birth_year_plausible",
        ),
        Index("ix_orders_venue_paid", "venue_id", "paid_at"),
        Index("ix_orders_status_paid", "status", "paid_at"),
        # The agency's sales by day of purchase read paid orders by day of payment: on
        # PostgreSQL from the index alone (marketplace.domain.uptake.timeline).
        Index("ix_orders_paid_uptake", "paid_at", sqlite_where=text("status = 'paid'"),
              postgresql_where=text("status = 'paid'"), postgresql_include=[
                  "id", "venue_id", "release_id", "quantity", "total_cents",
                  "face_price_cents", "new_to_venue", "buyer_birth_year", "buyer_postcode",
                  "buyer_email"]),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_public_id)
    hold_id: Mapped[str] = mapped_column(ForeignKey("holds.id"), unique=True)
    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id"), index=True)
    venue_id: Mapped[int] = mapped_column(ForeignKey("venues.id"))
    status: Mapped[str] = mapped_column(String(20), default="pending")
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price_cents: Mapped[int] = mapped_column(Integer)
    total_cents: Mapped[int] = mapped_column(Integer)
    face_price_cents: Mapped[int] = mapped_column(Integer)
    discount_percent: Mapped[int] = mapped_column(Integer)
    buyer_email: Mapped[str | None] = mapped_column(String(254), index=True)
    buyer_name: Mapped[str | None] = mapped_column(String(200))
    buyer_postcode: Mapped[str | None] = mapped_column(String(10))
    buyer_birth_year: Mapped[int | None] = mapped_column(Integer)
    marketing_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_text: Mapped[str | None] = mapped_column(Text)
    token_hash: Mapped[str] = mapped_column(String(64))
    locale: Mapped[str] = mapped_column(String(5), default="fr")
    payment_provider: Mapped[str] = mapped_column(String(20))
    payment_reference: Mapped[str | None] = mapped_column(String(200), index=True)
    new_to_venue: Mapped[bool | None] = mapped_column(Boolean)
    # The buyer's entry in the selling venue's contact base, set when the order is paid.
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    refunded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    hold: Mapped[Hold] = relationship()
    release: Mapped[Release] = relationship()
    tickets: Mapped[list[Ticket]] = relationship(back_populates="order", order_by="Ticket.id")


class Ticket(Base):
    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(32), unique=True, default=new_ticket_code)
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checked_in_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    order: Mapped[Order] = relationship(back_populates="tickets")


class PaymentEvent(Base):
    """Every payment notification received, recorded once by its provider's event id."""

    __tablename__ = "payment_events"
    __table_args__ = (UniqueConstraint("provider", "event_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(20))
    event_id: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(100))
    order_id: Mapped[str | None] = mapped_column(ForeignKey("orders.id"), index=True)
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Payment(Base):
    """Money moved for an order: charges and refunds, only ever appended."""

    __tablename__ = "payments"
    __table_args__ = (
        CheckConstraint("kind IN ('charge', 'refund')", name="kind_known"),
        CheckConstraint("amount_cents >= 0", name="amount_not_negative"),
        UniqueConstraint("order_id", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    amount_cents: Mapped[int] = mapped_column(Integer)
    provider: Mapped[str] = mapped_column(String(20))
    provider_reference: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
