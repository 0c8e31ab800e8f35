"""Venues, shows and performances: what plays where and when."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.domain.catalog.disciplines import DISCIPLINES
from marketplace.domain.db import Base, UTCDateTime
from marketplace.domain.timeutil import utcnow

_DISCIPLINE_SQL = ", ".join(f"'{d}'" for d in DISCIPLINES)


class Venue(Base):
    __tablename__ = "venues"
    __table_args__ = (
        CheckConstraint("lat BETWEEN -90 AND 90", name="lat_range"),
        CheckConstraint("lng BETWEEN -180 AND 180", name="lng_range"),
        CheckConstraint("status IN ('active', 'suspended')", name="status_known"),
        Index("ix_venues_lat_lng", "lat", "lng"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300), default="")
    postcode: Mapped[str] = mapped_column(String(10))
    city: Mapped[str] = mapped_column(String(120))
    lat: Mapped[float] = mapped_column(Float)
    lng: Mapped[float] = mapped_column(Float)
    discipline: Mapped[str] = mapped_column(String(20), default="other")
    step_free_access: Mapped[bool] = mapped_column(Boolean, default=False)
    access_notes: Mapped[str] = mapped_column(Text, default="")
    transport_notes: Mapped[str] = mapped_column(Text, default="")
    getting_home_notes: Mapped[str] = mapped_column(Text, default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    website: Mapped[str] = mapped_column(String(300), default="")
    webhook_url: Mapped[str | None] = mapped_column(String(500))
    webhook_secret: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default="active")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    shows: Mapped[list[Show]] = relationship(back_populates="venue")
    performances: Mapped[list[Performance]] = relationship(back_populates="venue")

    def __repr__(self) -> str:
        return f"<Venue {self.slug}>"


class Show(Base):
    __tablename__ = "shows"
    __table_args__ = (
        CheckConstraint(f"discipline IN ({_DISCIPLINE_SQL})", name="discipline_known"),
        CheckConstraint(
            "duration_minutes IS NULL OR duration_minutes > 0", name="duration_positive"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    venue_id: Mapped[int] = mapped_column(ForeignKey("venues.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    discipline: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text, default="")
    duration_minutes: Mapped[int | None] = mapped_column(Integer)
    age_guidance: Mapped[str] = mapped_column(String(60), default="")
    image_url: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    venue: Mapped[Venue] = relationship(back_populates="shows")
    performances: Mapped[list[Performance]] = relationship(back_populates="show")


class Performance(Base):
    __tablename__ = "performances"
    __table_args__ = (
        CheckConstraint("status IN ('scheduled', 'cancelled')", name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    show_id: Mapped[int] = mapped_column(ForeignKey("shows.id", ondelete="CASCADE"), index=True)
    venue_id: Mapped[int] = mapped_column(ForeignKey("venues.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    status: Mapped[str] = mapped_column(String(20), default="scheduled")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    show: Mapped[Show] = relationship(back_populates="performances")
    venue: Mapped[Venue] = relationship(back_populates="performances")
    # "Release" is found by SQLAlchemy's registry: inventory builds on the catalogue, never
    # the reverse, so this module does not import it, not even for type checkers.
    releases: Mapped[list[Release]] = relationship(  # noqa: F821
        back_populates="performance")


class GeocodedPlace(Base):
    """A place name or postcode resolved once by the geocoder and kept."""

    __tablename__ = "geocoded_places"

    id: Mapped[int] = mapped_column(primary_key=True)
    query: Mapped[str] = mapped_column(String(200), unique=True)
    label: Mapped[str] = mapped_column(String(300))
    lat: Mapped[float] = mapped_column(Float)
    lng: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

