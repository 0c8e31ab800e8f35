"""Importing one GTFS feed: checked while it streams, written in one transaction.

A feed is known by its name; importing a feed under a name already used replaces the old
one in the same transaction, so the questions are answered from the old feed or the new
one, never from half of each, and a feed refused halfway leaves the old one in place.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import IO

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from marketplace.domain.db import transaction
from marketplace.domain.transit.gtfs import FeedError, FeedReader
from marketplace.domain.transit.models import (
    TransitFeed,
    TransitRoute,
    TransitServiceDay,
    TransitStop,
    TransitTrip,
    TransitTripStop,
)

# Rows sent to the database per statement: big enough to be fast, small enough for memory.
BATCH = 5000
FEED_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.!-]{0,79}$")


@dataclass(frozen=True)
class FeedSummary:
    name: str
    stops: int
    routes: int
    trips: int
    stop_times: int
    starts_on: date | None
    ends_on: date | None


def import_feed(session: Session, source: str | IO[bytes], name: str,
                now: datetime) -> FeedSummary:
    """Import (or replace) the feed `name` from a GTFS zip; FeedError, nothing changed, if
    the feed is broken (missing file or column, bad time or date, unknown id)."""
    name = (name or "").strip()
    if not FEED_NAME.match(name):
        raise FeedError("A feed name is 1 to 80 letters, digits, spaces, dots or dashes.")
    reader = FeedReader(source)
    try:
        zone = reader.timezone()
        services = reader.service_days()
        with transaction(session):
            remove_feed(session, name)
            feed = TransitFeed(name=name, timezone=zone.key, imported_at=now)
            session.add(feed)
            session.flush()
            summary = _write(session, reader, feed, services)
        return summary
    except IntegrityError:
        raise FeedError("stop_times.txt: a trip lists two stops with the same "
                        "stop_sequence") from None
    finally:
        reader.close()


def remove_feed(within: Session, name: str) -> None:
    """Delete a feed and everything of it, in the caller's transaction (children first:
    SQLite does not cascade unless told to)."""
    feed_id = within.scalar(select(TransitFeed.id).where(TransitFeed.name == name))
    if feed_id is None:
        return
    for model in (TransitTripStop, TransitServiceDay, TransitTrip, TransitRoute, TransitStop):
        within.execute(delete(model).where(model.feed_id == feed_id))
    within.execute(delete(TransitFeed).where(TransitFeed.id == feed_id))


def _write(within: Session, reader: FeedReader, feed: TransitFeed,
           services: dict[str, set[date]]) -> FeedSummary:
    stops = _insert_keyed(within, TransitStop, "stops.txt", (
        {"feed_id": feed.id, "code": s.code, "name": s.name[:200], "lat": s.lat, "lng": s.lng}
        for s in reader.stops()))
    stop_names = dict(within.execute(
        select(TransitStop.id, TransitStop.name).where(TransitStop.feed_id == feed.id)).all())
    routes = _insert_keyed(within, TransitRoute, "routes.txt", (
        {"feed_id": feed.id, "code": r.code, "short_name": r.short_name[:60],
         "long_name": r.long_name[:200], "route_type": r.route_type}
        for r in reader.routes()))

    def trip_rows():
        for trip in reader.trips():
            if trip.route not in routes:
                raise FeedError(f"trips.txt: trip {trip.code!r} names unknown route "
                                f"{trip.route!r}")
            if trip.service not in services:
                raise FeedError(f"trips.txt: trip {trip.code!r} names service "
                                f"{trip.service!r}, absent from calendar.txt and "
                                "calendar_dates.txt")
            yield {"feed_id": feed.id, "route_id": routes[trip.route], "code": trip.code,
                   "service": trip.service, "headsign": trip.headsign[:200],
                   "direction": trip.direction, "last_seq": -1}
    trips = _insert_keyed(within, TransitTrip, "trips.txt", trip_rows())

    # Each trip's last stop: nobody boards there, and it names a trip without a headsign.
    last: dict[int, tuple[int, int]] = {}
    # The table, not the ORM class: a Core executemany, without the ORM's per-row work.
    trip_stops = TransitTripStop.__table__
    batch: list[dict] = []
    count = 0
    for line, st in reader.stop_times():
        trip_id, stop_id = trips.get(st.trip), stops.get(st.stop)
        if trip_id is None:
            raise FeedError(f"stop_times.txt line {line}: unknown trip_id {st.trip!r}")
        if stop_id is None:
            raise FeedError(f"stop_times.txt line {line}: unknown stop_id {st.stop!r}")
        if trip_id not in last or last[trip_id][0] < st.seq:
            last[trip_id] = (st.seq, stop_id)
        batch.append({"trip_id": trip_id, "seq": st.seq, "feed_id": feed.id,
                      "stop_id": stop_id, "arrival_s": st.arrival_s,
                      "departure_s": st.departure_s})
        if len(batch) >= BATCH:
            within.execute(insert(trip_stops), batch)
            count += len(batch)
            batch = []
    if batch:
        within.execute(insert(trip_stops), batch)
        count += len(batch)

    headsigns = dict(within.execute(
        select(TransitTrip.id, TransitTrip.headsign).where(TransitTrip.feed_id == feed.id)
    ).all())
    updates = [{"id": trip_id, "last_seq": seq,
                "headsign": headsigns[trip_id] or stop_names[stop_id][:200]}
               for trip_id, (seq, stop_id) in last.items()]
    for start in range(0, len(updates), BATCH):
        within.execute(update(TransitTrip), updates[start:start + BATCH])

    used = set(within.scalars(select(TransitTrip.service).where(
        TransitTrip.feed_id == feed.id).distinct()))
    day_rows = [{"feed_id": feed.id, "service": service, "day": day}
                for service in sorted(used) for day in sorted(services[service])]
    for start in range(0, len(day_rows), BATCH):
        within.execute(insert(TransitServiceDay), day_rows[start:start + BATCH])
    days = [row["day"] for row in day_rows]
    feed.starts_on, feed.ends_on = (min(days), max(days)) if days else (None, None)
    feed.stops_count, feed.routes_count, feed.trips_count = len(stops), len(routes), len(trips)
    return FeedSummary(name=feed.name, stops=len(stops), routes=len(routes), trips=len(trips),
                       stop_times=count, starts_on=feed.starts_on, ends_on=feed.ends_on)


def _insert_keyed(within: Session, model, file: str, rows) -> dict[str, int]:
    """Insert rows in batches; return the feed's id → our primary key (duplicates refused)."""
    keys: dict[str, int] = {}
    batch: list[dict] = []

    def flush() -> None:
        statement = insert(model).returning(model.id, model.code, sort_by_parameter_order=True)
        for pk, code in within.execute(statement, batch):
            keys[code] = pk

    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            _check_batch_unique(batch, keys, file)
            flush()
            batch = []
    if batch:
        _check_batch_unique(batch, keys, file)
        flush()
    return keys


def _check_batch_unique(batch: list[dict], keys: dict[str, int], file: str) -> None:
    seen: set[str] = set()
    for row in batch:
        if row["code"] in seen or row["code"] in keys:
            raise FeedError(f"{file}: id {row['code']!r} appears twice")
        seen.add(row["code"])
