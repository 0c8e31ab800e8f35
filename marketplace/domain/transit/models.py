"""Imported GTFS feeds, stored for the questions Kiosque asks, not as a copy of the feed.

What the questions need is kept: stops (where), routes (what the spectator boards),
trips with their stop sequence (where a vehicle goes after a stop), and the service
calendar precomputed into one row per (service, day) it runs, so calendar.txt and
calendar_dates.txt are resolved once, at import. "Which vehicles leave stop A between T1
and T2 on day D, and do they stop near B later?" is then index lookups: trip_stops by
(stop, departure second), service_days by (feed, service, day), trip_stops by (trip, seq).
Times are seconds from the GTFS service-day origin (local noon minus 12 h), so 25:10:00 is
90600 and a daylight-saving day stays right; `day_origin` turns them into instants.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.domain.db import Base, UTCDateTime


class TransitFeed(Base):
    __tablename__ = "transit_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    timezone: Mapped[str] = mapped_column(String(60))
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    stops_count: Mapped[int] = mapped_column(Integer, default=0)
    routes_count: Mapped[int] = mapped_column(Integer, default=0)
    trips_count: Mapped[int] = mapped_column(Integer, default=0)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TransitStop(Base):
    __tablename__ = "transit_stops"
    __table_args__ = (Index("ix_transit_stops_lat_lng", "lat", "lng"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    feed_id: Mapped[int] = mapped_column(
        ForeignKey("transit_feeds.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(100))  # the feed's stop_id
    name: Mapped[str] = mapped_column(String(200))
    lat: Mapped[float] = mapped_column(Float)
    lng: Mapped[float] = mapped_column(Float)


class TransitRoute(Base):
    __tablename__ = "transit_routes"

    id: Mapped[int] = mapped_column(primary_key=True)
    feed_id: Mapped[int] = mapped_column(
        ForeignKey("transit_feeds.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(100))  # the feed's route_id
    short_name: Mapped[str] = mapped_column(String(60), default="")
    long_name: Mapped[str] = mapped_column(String(200), default="")
    route_type: Mapped[int] = mapped_column(Integer, default=3)


class TransitTrip(Base):
    __tablename__ = "transit_trips"

    id: Mapped[int] = mapped_column(primary_key=True)
    feed_id: Mapped[int] = mapped_column(
        ForeignKey("transit_feeds.id", ondelete="CASCADE"), index=True)
    route_id: Mapped[int] = mapped_column(ForeignKey("transit_routes.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(100))  # the feed's trip_id
    service: Mapped[str] = mapped_column(String(100))
    headsign: Mapped[str] = mapped_column(String(200), default="")  # the last stop's if none
    direction: Mapped[int | None] = mapped_column(Integer)
    last_seq: Mapped[int] = mapped_column(Integer)  # nobody boards at the last stop


class TransitTripStop(Base):
    """One stop of a trip (stop_times.txt, renumbered 0..n-1), in seconds from day origin."""

    __tablename__ = "transit_trip_stops"
    __table_args__ = (
        Index("ix_transit_trip_stops_stop_departure", "stop_id", "departure_s"),
    )

    trip_id: Mapped[int] = mapped_column(
        ForeignKey("transit_trips.id", ondelete="CASCADE"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    feed_id: Mapped[int] = mapped_column(
        ForeignKey("transit_feeds.id", ondelete="CASCADE"), index=True)
    stop_id: Mapped[int] = mapped_column(ForeignKey("transit_stops.id", ondelete="CASCADE"))
    arrival_s: Mapped[int] = mapped_column(Integer)
    departure_s: Mapped[int] = mapped_column(Integer)


class TransitServiceDay(Base):
    """A day a service runs: calendar.txt's weekdays within its dates, plus and minus
    calendar_dates.txt's exceptions, resolved at import."""

    __tablename__ = "transit_service_days"
    __table_args__ = (UniqueConstraint("feed_id", "service", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    feed_id: Mapped[int] = mapped_column(ForeignKey("transit_feeds.id", ondelete="CASCADE"))
    service: Mapped[str] = mapped_column(String(100))
    day: Mapped[date] = mapped_column(Date)
