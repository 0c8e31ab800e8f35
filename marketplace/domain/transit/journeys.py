"""After the show: which vehicles leave near the venue, and does one of them go home.

Answered from the imported tables with index lookups (stops by a lat/lng box, trip stops
by (stop, departure second), the precomputed service days), never by reading a feed.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Row, and_, or_, select
from sqlalchemy.orm import Session, aliased

from marketplace.domain.catalog.geo import BoundingBox, bounding_box, haversine_km
from marketplace.domain.timeutil import PARIS
from marketplace.domain.transit.gtfs import day_origin
from marketplace.domain.transit.models import (
    TransitFeed,
    TransitRoute,
    TransitServiceDay,
    TransitStop,
    TransitTrip,
    TransitTripStop,
)

# How far a spectator walks to a stop, and how fast: said on the page next to the list.
WALK_RADIUS_M = 600
WALK_SPEED_KMH = 4.5
# How far a spectator may say they accept to walk at each end (API: walk_m), and the
# storefront's choices.
MIN_WALK_M, MAX_WALK_M = 100, 2000
WALK_CHOICES_M = (300, 600, 1000)
# Departures are looked for from the end of the show until the next 4 o'clock in the
# morning (local time), so « the last one » is the night's last, not a window's.
NIGHT_ENDS_AT = time(4)
# A show without a stated duration is expected to last this long.
DEFAULT_DURATION = timedelta(hours=2)
# GTFS times stop before 48:00: a service day never reaches further than two days back.
_DAYS_BACK = 2
# 4:00 in seconds from a day origin, an hour more for the nights the clocks change.
_NIGHT_ENDS_S = (NIGHT_ENDS_AT.hour + 1) * 3600


def expected_end(starts_at: datetime, duration_minutes: int | None) -> datetime:
    """When the show is expected to end: its duration if stated, two hours otherwise."""
    return starts_at + (timedelta(minutes=duration_minutes) if duration_minutes
                        else DEFAULT_DURATION)


def night_end(ends_at: datetime) -> datetime:
    """The next 4:00 on the region's clocks after `ends_at`: the end of that night's service."""
    local = ends_at.astimezone(PARIS)
    end = datetime.combine(local.date(), NIGHT_ENDS_AT, tzinfo=PARIS)
    if end <= local:
        end = datetime.combine(local.date() + timedelta(days=1), NIGHT_ENDS_AT, tzinfo=PARIS)
    return end.astimezone(UTC)


def mode_of(route_type: int) -> str:
    """GTFS route_type (basic or extended) → tram, metro, train, bus, coach, ferry, other."""
    basic = {0: "tram", 1: "metro", 2: "train", 3: "bus", 4: "ferry", 5: "tram",
             6: "other", 7: "other", 11: "bus", 12: "metro"}
    if route_type in basic:
        return basic[route_type]
    family = route_type // 100
    return {1: "train", 2: "coach", 4: "metro", 7: "bus", 8: "bus", 9: "tram",
            10: "ferry", 12: "ferry"}.get(family, "other")


@dataclass(frozen=True)
class Departure:
    """One route and direction leaving near the venue after the show."""

    mode: str
    route: str
    headsign: str
    stop: str
    walk_minutes: int
    departs_at: datetime  # the first one the spectator can walk to in time
    last_departs_at: datetime  # the last one of the night from that stop


@dataclass(frozen=True)
class Ride:
    """A direct ride home: one vehicle from near the venue to near home."""

    route: str
    mode: str
    headsign: str
    from_stop: str
    walk_minutes: int
    departs_at: datetime
    to_stop: str
    arrives_at: datetime


@dataclass(frozen=True)
class _NearStop:
    id: int
    feed_id: int
    name: str
    walk_minutes: int


def walk_minutes(distance_m: float) -> int:
    return max(1, math.ceil(distance_m / (WALK_SPEED_KMH * 1000 / 60)))


def stops_near(session: Session, lat: float, lng: float,
               radius_m: int = WALK_RADIUS_M) -> list[_NearStop]:
    """Stops of every feed within `radius_m` (straight line) of a point."""
    box = bounding_box(lat, lng, radius_m / 1000)
    rows = session.execute(
        select(TransitStop.id, TransitStop.feed_id, TransitStop.name, TransitStop.lat,
               TransitStop.lng)
        .where(TransitStop.lat.between(box.min_lat, box.max_lat),
               TransitStop.lng.between(box.min_lng, box.max_lng))).all()
    near = []
    for row in rows:
        metres = haversine_km(lat, lng, row.lat, row.lng) * 1000
        if metres <= radius_m:
            near.append(_NearStop(row.id, row.feed_id, row.name, walk_minutes(metres)))
    return near


def getting_home(session: Session, lat: float, lng: float, ends_at: datetime,
                 radius_m: int = WALK_RADIUS_M) -> list[Departure]:
    """The departures after `ends_at` from stops within a walk of (lat, lng), one per
    route and direction: the first one the spectator can reach on foot, and the last of
    the night. Sorted by departure; empty when no imported feed covers the place."""
    near = {stop.id: stop for stop in stops_near(session, lat, lng, radius_m)}
    best: dict[tuple, Departure] = {}
    for row, departs_at in _departures(session, near, ends_at):
        stop = near[row.stop_id]
        if departs_at < ends_at + timedelta(minutes=stop.walk_minutes):
            continue  # gone before the spectator reaches the stop
        key = (row.route_id, row.direction if row.direction is not None else row.headsign)
        found = best.get(key)
        last = max(departs_at, found.last_departs_at) if found else departs_at
        if found is None or (departs_at, stop.walk_minutes) < (found.departs_at,
                                                               found.walk_minutes):
            best[key] = Departure(mode=mode_of(row.route_type), route=_route_name(row),
                                  headsign=row.headsign, stop=stop.name,
                                  walk_minutes=stop.walk_minutes, departs_at=departs_at,
                                  last_departs_at=last)
        else:
            best[key] = Departure(**{**vars(found), "last_departs_at": last})
    return sorted(best.values(), key=lambda d: (d.departs_at, d.route, d.headsign))


def way_home(session: Session, venue: tuple[float, float], home: tuple[float, float],
             ends_at: datetime, radius_m: int = WALK_RADIUS_M) -> Ride | None:
    """The first direct ride leaving after `ends_at` (plus the walk) from a stop near the
    venue and stopping later at a stop near home; None when there is none tonight."""
    board = {stop.id: stop for stop in stops_near(session, *venue, radius_m)}
    alight = {stop.id: stop for stop in stops_near(session, *home, radius_m)}
    if not board or not alight:
        return None
    later = aliased(TransitTripStop)
    best: Ride | None = None
    for row, departs_at in _departures(session, board, ends_at, alight=(later, alight)):
        stop = board[row.stop_id]
        if departs_at < ends_at + timedelta(minutes=stop.walk_minutes):
            continue
        if best is not None and departs_at >= best.departs_at:
            continue
        arrives_at = departs_at + timedelta(seconds=row.arrival_s - row.departure_s)
        best = Ride(route=_route_name(row), mode=mode_of(row.route_type),
                    headsign=row.headsign, from_stop=stop.name,
                    walk_minutes=stop.walk_minutes, departs_at=departs_at,
                    to_stop=alight[row.to_stop_id].name, arrives_at=arrives_at)
    return best


def _route_name(row) -> str:
    return row.short_name or row.long_name


def _departures(session: Session, stops: dict[int, _NearStop], ends_at: datetime,
                alight: tuple | None = None) -> Iterable[tuple]:
    """(row, departure instant) of the trips leaving one of `stops` in the night after
    `ends_at`, on the service days running then; with `alight` = (alias, stops), only the
    trips stopping later at one of those stops (row.to_stop_id, row.arrival_s)."""
    if not stops:
        return
    zones = dict(session.execute(select(TransitFeed.id, TransitFeed.timezone).where(
        TransitFeed.id.in_({stop.feed_id for stop in stops.values()}))).all())
    until = night_end(ends_at)
    for feed_id, zone_name in zones.items():
        zone = ZoneInfo(zone_name)
        feed_stops = [stop.id for stop in stops.values() if stop.feed_id == feed_id]
        first = ends_at.astimezone(zone).date() - timedelta(days=_DAYS_BACK)
        for offset in range((until.astimezone(zone).date() - first).days + 1):
            day = first + timedelta(days=offset)
            origin = day_origin(day, zone)
            low = int((ends_at - origin).total_seconds())
            high = int((until - origin).total_seconds())
            if high < 0 or low > 48 * 3600:
                continue
            columns = [TransitTripStop.stop_id, TransitTripStop.departure_s,
                       TransitTrip.route_id, TransitTrip.headsign, TransitTrip.direction,
                       TransitRoute.short_name, TransitRoute.long_name,
                       TransitRoute.route_type]
            statement = (
                select(*columns)
                .join(TransitTrip, TransitTrip.id == TransitTripStop.trip_id)
                .join(TransitRoute, TransitRoute.id == TransitTrip.route_id)
                .join(TransitServiceDay, and_(TransitServiceDay.feed_id == TransitTrip.feed_id,
                                              TransitServiceDay.service == TransitTrip.service,
                                              TransitServiceDay.day == day))
                .where(TransitTripStop.stop_id.in_(feed_stops),
                       TransitTripStop.departure_s.between(max(low, 0), high),
                       TransitTripStop.seq < TransitTrip.last_seq))
            if alight is not None:
                later, targets = alight
                statement = (statement.add_columns(later.stop_id.label("to_stop_id"),
                                                   later.arrival_s)
                             .join(later, and_(later.trip_id == TransitTripStop.trip_id,
                                               later.seq > TransitTripStop.seq))
                             .where(later.stop_id.in_(list(targets))))
            for row in session.execute(statement):
                yield row, (origin + timedelta(seconds=row.departure_s)).astimezone(UTC)


def rides_home(session: Session, home: tuple[float, float],
               nights: dict[tuple[float, float], set[datetime]],
               radius_m: int = WALK_RADIUS_M
               ) -> dict[tuple[float, float, datetime], Ride | None]:
    """way_home for many shows at once: `nights` maps a venue's (lat, lng) to the expected
    ends of its shows; the answer maps (lat, lng, end) to the first direct ride home, or
    None when there is none; a show is absent when no feed has a stop near its venue or
    near home, or when home is a walk from the venue (nothing to say).

    Two queries whatever the number of shows, venues and feeds: the stops in the box
    around them all (bucketed here to find each one's stops within a walk), then one
    set-based query for the trip stops at those near the venues, on the service days of
    those nights, from the earliest end's hour on, whose trip stops later near home; each
    show's night is then sorted out here, from the departures sorted by stop."""
    rides: dict[tuple[float, float, datetime], Ride | None] = {}
    venues = [venue for venue in nights
              if haversine_km(*venue, *home) * 1000 > radius_m]  # else: a walk home
    if not venues:
        return rides
    zones = {feed_id: ZoneInfo(zone) for feed_id, zone in session.execute(
        select(TransitFeed.id, TransitFeed.timezone)).all()}
    if not zones:
        return rides
    ends = [end for venue in venues for end in nights[venue]]
    days: set[date] = set()
    earliest_s = 24 * 3600
    for zone in set(zones.values()):
        for end in ends:
            local = end.astimezone(zone)
            # The evening's service day, the day before (times past 24:00) and the next
            # one (its first trips, before the night ends at 4:00).
            days.update(local.date() + timedelta(days=shift) for shift in (-1, 0, 1))
            earliest_s = min(earliest_s, int((end - day_origin(local.date(), zone))
                                             .total_seconds()))
    grid = _StopGrid(session, [*venues, home], radius_m)
    alight = grid.near(home)
    if not alight:
        return rides  # no feed near home: nothing to say
    walks = {venue: grid.near(venue) for venue in venues}  # stop id → minutes on foot
    board = set().union(*walks.values())
    later = aliased(TransitTripStop)
    statement = (
        select(TransitTripStop.stop_id, TransitTripStop.departure_s, TransitServiceDay.day,
               TransitTrip.feed_id, TransitTrip.headsign, TransitRoute.short_name,
               TransitRoute.long_name, TransitRoute.route_type,
               later.stop_id.label("to_stop_id"), later.arrival_s)
        .join(TransitTrip, TransitTrip.id == TransitTripStop.trip_id)
        .join(TransitRoute, TransitRoute.id == TransitTrip.route_id)
        .join(TransitServiceDay, and_(TransitServiceDay.feed_id == TransitTrip.feed_id,
                                      TransitServiceDay.service == TransitTrip.service))
        .join(later, and_(later.trip_id == TransitTripStop.trip_id,
                          later.seq > TransitTripStop.seq))
        .where(TransitTripStop.stop_id.in_(sorted(board)),
               later.stop_id.in_(sorted(alight)),
               or_(TransitTripStop.departure_s >= max(earliest_s, 0),
                   TransitTripStop.departure_s <= _NIGHT_ENDS_S),
               TransitServiceDay.day.in_(sorted(days))))
    # Each row: a vehicle leaving a stop near a venue, later at a stop near home; the
    # Ride is built only for the rows chosen.
    by_stop: dict[int, list[tuple[datetime, Row]]] = {}
    origins: dict[tuple[date, int], datetime] = {}
    if board:
        for row in session.execute(statement):
            key = (row.day, row.feed_id)
            if key not in origins:
                origins[key] = day_origin(row.day, zones[row.feed_id])
            departs_at = (origins[key] + timedelta(seconds=row.departure_s)).astimezone(UTC)
            by_stop.setdefault(row.stop_id, []).append((departs_at, row))
    for rows in by_stop.values():
        rows.sort(key=lambda pair: pair[0])
    for venue in venues:
        if not walks[venue]:
            continue  # no feed near the venue: nothing to say
        for end in nights[venue]:
            best: tuple[datetime, Row, int] | None = None
            for stop_id, minutes in walks[venue].items():
                rows = by_stop.get(stop_id, [])
                at = bisect_left(rows, end + timedelta(minutes=minutes),
                                 key=lambda pair: pair[0])
                if at < len(rows) and (best is None or rows[at][0] < best[0]):
                    best = (*rows[at], minutes)
            if best is None or best[0] > night_end(end):
                rides[(*venue, end)] = None
                continue
            departs_at, row, minutes = best
            origin = origins[(row.day, row.feed_id)]
            rides[(*venue, end)] = Ride(
                route=_route_name(row), mode=mode_of(row.route_type), headsign=row.headsign,
                from_stop=grid.names[row.stop_id], walk_minutes=minutes,
                departs_at=departs_at, to_stop=grid.names[row.to_stop_id],
                arrives_at=(origin + timedelta(seconds=row.arrival_s)).astimezone(UTC))
    return rides


def _box_around(points: list[tuple[float, float]], radius_m: int) -> BoundingBox:
    """The box holding every point within `radius_m` of any of `points`."""
    boxes = [bounding_box(lat, lng, radius_m / 1000) for lat, lng in points]
    return BoundingBox(min(b.min_lat for b in boxes), max(b.max_lat for b in boxes),
                       min(b.min_lng for b in boxes), max(b.max_lng for b in boxes))


class _StopGrid:
    """The stops around some points, read at once and bucketed in cells about `radius_m`
    wide, so « which stops are a walk from here » costs a few cells, not every stop."""

    def __init__(self, session: Session, points: list[tuple[float, float]],
                 radius_m: int) -> None:
        self.radius_m = radius_m
        self.step = radius_m / 1000 / 111.0 * 1.0001  # degrees of latitude per cell
        self.cells: dict[tuple[int, int], list[tuple[int, float, float]]] = {}
        self.names: dict[int, str] = {}
        box = _box_around(points, radius_m)
        for stop_id, name, lat, lng in session.execute(
                select(TransitStop.id, TransitStop.name, TransitStop.lat, TransitStop.lng)
                .where(TransitStop.lat.between(box.min_lat, box.max_lat),
                       TransitStop.lng.between(box.min_lng, box.max_lng))):
            self.cells.setdefault(self._cell(lat, lng), []).append((stop_id, lat, lng))
            self.names[stop_id] = name

    def _cell(self, lat: float, lng: float) -> tuple[int, int]:
        # Longitude cells are as wide in degrees as latitude ones, hence narrower in
        # metres: the search below widens by the latitude's factor.
        return math.floor(lat / self.step), math.floor(lng / self.step)

    def near(self, point: tuple[float, float]) -> dict[int, int]:
        lat, lng = point
        row, col = self._cell(lat, lng)
        spread = math.ceil(1 / max(math.cos(math.radians(lat)), 0.01))
        found = {}
        for r in range(row - 1, row + 2):
            for c in range(col - spread, col + spread + 1):
                for stop_id, stop_lat, stop_lng in self.cells.get((r, c), ()):
                    metres = haversine_km(lat, lng, stop_lat, stop_lng) * 1000
                    if metres <= self.radius_m:
                        found[stop_id] = walk_minutes(metres)
        return found


# « Pour venir »: a spectator is in their seat this long before curtain, on top of the
# walk from the stop to the venue.
ARRIVE_MARGIN = timedelta(minutes=10)
# Rides are looked for leaving at most this long before curtain.
COMING_WINDOW = timedelta(hours=4)


@dataclass(frozen=True)
class Approach:
    """One route and direction bringing the spectator near the venue before curtain."""

    mode: str
    route: str
    headsign: str
    from_stop: str
    walk_from_minutes: int  # from the spectator to the stop where they board
    departs_at: datetime  # the latest departure that still arrives in time
    to_stop: str
    arrives_at: datetime
    walk_to_minutes: int  # from the stop where they get off to the venue


@dataclass(frozen=True)
class MapStop:
    """A stop near the venue, for the offer's small map."""

    name: str
    lat: float
    lng: float
    walk_minutes: int


def getting_there(session: Session, origin: tuple[float, float], venue: tuple[float, float],
                  starts_at: datetime, radius_m: int = WALK_RADIUS_M) -> list[Approach]:
    """Direct rides (one vehicle) from a stop within a walk of `origin` to a stop within
    a walk of `venue`, arriving at least the walk to the venue plus ARRIVE_MARGIN before
    `starts_at`: the latest such departure per route and direction, latest first. Empty
    when no feed has stops at both ends, or when the venue is itself a walk away."""
    if haversine_km(*origin, *venue) * 1000 <= radius_m:
        return []
    board = {stop.id: stop for stop in stops_near(session, *origin, radius_m)}
    alight = {stop.id: stop for stop in stops_near(session, *venue, radius_m)}
    if not board or not alight:
        return []
    later = aliased(TransitTripStop)
    zones = dict(session.execute(select(TransitFeed.id, TransitFeed.timezone).where(
        TransitFeed.id.in_({stop.feed_id for stop in board.values()}))).all())
    since = starts_at - COMING_WINDOW
    best: dict[tuple, Approach] = {}
    for feed_id, zone_name in zones.items():
        zone = ZoneInfo(zone_name)
        feed_board = [stop.id for stop in board.values() if stop.feed_id == feed_id]
        first = since.astimezone(zone).date() - timedelta(days=_DAYS_BACK)
        for offset in range((starts_at.astimezone(zone).date() - first).days + 1):
            day = first + timedelta(days=offset)
            origin_at = day_origin(day, zone)
            low = int((since - origin_at).total_seconds())
            high = int((starts_at - ARRIVE_MARGIN - origin_at).total_seconds())
            if high < 0 or low > 48 * 3600:
                continue
            statement = (
                select(TransitTripStop.stop_id, TransitTripStop.departure_s,
                       TransitTrip.route_id, TransitTrip.headsign, TransitTrip.direction,
                       TransitRoute.short_name, TransitRoute.long_name,
                       TransitRoute.route_type, later.stop_id.label("to_stop_id"),
                       later.arrival_s)
                .join(TransitTrip, TransitTrip.id == TransitTripStop.trip_id)
                .join(TransitRoute, TransitRoute.id == TransitTrip.route_id)
                .join(TransitServiceDay, and_(TransitServiceDay.feed_id == TransitTrip.feed_id,
                                              TransitServiceDay.service == TransitTrip.service,
                                              TransitServiceDay.day == day))
                .join(later, and_(later.trip_id == TransitTripStop.trip_id,
                                  later.seq > TransitTripStop.seq))
                .where(TransitTripStop.stop_id.in_(feed_board),
                       TransitTripStop.departure_s.between(max(low, 0), high),
                       later.stop_id.in_(list(alight)),
                       later.arrival_s <= high))
            for row in session.execute(statement):
                to_stop = alight[row.to_stop_id]
                arrives_at = (origin_at + timedelta(seconds=row.arrival_s)).astimezone(UTC)
                if arrives_at > starts_at - ARRIVE_MARGIN - timedelta(
                        minutes=to_stop.walk_minutes):
                    continue  # in time for the stop, not for the curtain
                departs_at = (origin_at + timedelta(seconds=row.departure_s)).astimezone(UTC)
                from_stop = board[row.stop_id]
                key = (row.route_id,
                       row.direction if row.direction is not None else row.headsign)
                found = best.get(key)
                if found is not None and (departs_at, -arrives_at.timestamp()) <= (
                        found.departs_at, -found.arrives_at.timestamp()):
                    continue  # an earlier one, or the same one arriving later
                best[key] = Approach(
                    mode=mode_of(row.route_type), route=_route_name(row),
                    headsign=row.headsign, from_stop=from_stop.name,
                    walk_from_minutes=from_stop.walk_minutes, departs_at=departs_at,
                    to_stop=to_stop.name, arrives_at=arrives_at,
                    walk_to_minutes=to_stop.walk_minutes)
    return sorted(best.values(), key=lambda a: (-a.departs_at.timestamp(), a.route,
                                                 a.headsign))


def stops_on_map(session: Session, lat: float, lng: float,
                 names: Iterable[str] = (), radius_m: int = WALK_RADIUS_M) -> list[MapStop]:
    """The stops within a walk of (lat, lng), one per name (both sides of a street share
    one), limited to `names` when given (the stops the page's lists speak of)."""
    wanted = set(names)
    box = bounding_box(lat, lng, radius_m / 1000)
    rows = session.execute(
        select(TransitStop.name, TransitStop.lat, TransitStop.lng)
        .where(TransitStop.lat.between(box.min_lat, box.max_lat),
               TransitStop.lng.between(box.min_lng, box.max_lng))).all()
    nearest: dict[str, MapStop] = {}
    for row in rows:
        if wanted and row.name not in wanted:
            continue
        metres = haversine_km(lat, lng, row.lat, row.lng) * 1000
        if metres > radius_m:
            continue
        found = nearest.get(row.name)
        if found is None or walk_minutes(metres) < found.walk_minutes:
            nearest[row.name] = MapStop(row.name, row.lat, row.lng, walk_minutes(metres))
    return sorted(nearest.values(), key=lambda s: (s.walk_minutes, s.name))
