"""Reading a GTFS feed straight from its zip, one row at a time, with errors a person can act on.

A plain csv reader streaming from the zip rather than gtfs-kit or partridge: both load each
table into a pandas DataFrame, so stop_times.txt (a million rows in a big city) sits whole
in memory, several times over while it is typed; bench/transit.py measured it (see the
README). Here a row is read, checked and handed on; only the small tables (stops, routes,
trips, services) are kept in dictionaries.

Nothing here touches the database: `read_feed` yields checked values, and the importer
writes them inside one transaction, so a feed refused halfway leaves nothing behind.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import IO, NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

REQUIRED_FILES = ("agency.txt", "stops.txt", "routes.txt", "trips.txt", "stop_times.txt")


class FeedError(ValueError):
    """The feed cannot be imported; the message says which file, line and value."""


@dataclass(frozen=True)
class Stop:
    code: str
    name: str
    lat: float
    lng: float


@dataclass(frozen=True)
class Route:
    code: str
    short_name: str
    long_name: str
    route_type: int


@dataclass(frozen=True)
class Trip:
    code: str
    route: str
    service: str
    headsign: str
    direction: int | None


class StopTime(NamedTuple):
    """A tuple, not a dataclass: a big city has a million of them, read one by one."""

    trip: str
    seq: int  # the feed's stop_sequence: only its order matters
    stop: str
    arrival_s: int
    departure_s: int


def parse_time(value: str) -> int:
    """'25:10:00' → seconds since the service day's origin (GTFS times pass 24:00)."""
    try:
        hours, minutes, seconds = (int(part) for part in value.split(":"))
    except ValueError:
        raise ValueError(value) from None
    if not (0 <= hours <= 47 and 0 <= minutes <= 59 and 0 <= seconds <= 59):
        raise ValueError(value)
    return hours * 3600 + minutes * 60 + seconds


def day_origin(day: date, zone: ZoneInfo) -> datetime:
    """The instant GTFS counts a service day's times from: local noon minus 12 hours
    (midnight, except on the nights the clocks change)."""
    return datetime.combine(day, time(12), tzinfo=zone) - timedelta(hours=12)


class FeedReader:
    """One open GTFS zip; each table is read lazily and checked as it goes."""

    def __init__(self, source: str | IO[bytes]) -> None:
        try:
            self._zip = zipfile.ZipFile(source)
        except (zipfile.BadZipFile, OSError) as error:
            raise FeedError(f"Not a readable zip file: {error}") from None
        # Feeds are sometimes zipped with their folder: find the files wherever they are.
        self._names = {name.rsplit("/", 1)[-1]: name for name in self._zip.namelist()}
        missing = [name for name in REQUIRED_FILES if name not in self._names]
        if "calendar.txt" not in self._names and "calendar_dates.txt" not in self._names:
            missing.append("calendar.txt or calendar_dates.txt")
        if missing:
            raise FeedError("Missing from the feed: " + ", ".join(missing))

    def close(self) -> None:
        self._zip.close()

    def has(self, name: str) -> bool:
        return name in self._names

    def rows(self, name: str, required: tuple[str, ...]) -> Iterator[tuple[int, dict]]:
        """(line number, row) for each row of a table; FeedError on a missing column."""
        with self._zip.open(self._names[name]) as raw:
            text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
            reader = csv.DictReader(text)
            header = [h.strip() for h in (reader.fieldnames or [])]
            reader.fieldnames = header
            absent = [column for column in required if column not in header]
            if absent:
                raise FeedError(f"{name}: missing column(s) {', '.join(absent)}")
            try:
                yield from enumerate(reader, start=2)
            except (csv.Error, UnicodeDecodeError) as error:
                raise FeedError(f"{name}: unreadable ({error})") from None

    def timezone(self) -> ZoneInfo:
        zones = {row.get("agency_timezone", "").strip()
                 for _, row in self.rows("agency.txt", ("agency_timezone",))}
        zones.discard("")
        if len(zones) != 1:
            raise FeedError("agency.txt: exactly one agency_timezone is needed, "
                            f"found {sorted(zones) or 'none'}")
        zone = zones.pop()
        try:
            return ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise FeedError(f"agency.txt: unknown time zone {zone!r}") from None

    def stops(self) -> Iterator[Stop]:
        for line, row in self.rows("stops.txt", ("stop_id", "stop_name")):
            if row.get("location_type", "").strip() not in ("", "0"):
                continue  # stations, entrances, nodes: nobody boards there
            code = _required(row, "stop_id", "stops.txt", line)
            try:
                lat, lng = float(row.get("stop_lat") or ""), float(row.get("stop_lon") or "")
            except ValueError:
                raise FeedError(f"stops.txt line {line}: stop {code!r} has no valid "
                                "stop_lat/stop_lon") from None
            if not (-90 <= lat <= 90 and -180 <= lng <= 180):
                raise FeedError(f"stops.txt line {line}: stop {code!r} is off the globe")
            yield Stop(code, (row.get("stop_name") or "").strip() or code, lat, lng)

    def routes(self) -> Iterator[Route]:
        for line, row in self.rows("routes.txt", ("route_id", "route_type")):
            code = _required(row, "route_id", "routes.txt", line)
            short, long = (row.get("route_short_name") or "").strip(), \
                (row.get("route_long_name") or "").strip()
            if not short and not long:
                raise FeedError(f"routes.txt line {line}: route {code!r} has no name")
            try:
                kind = int(row["route_type"])
            except ValueError:
                raise FeedError(f"routes.txt line {line}: route_type "
                                f"{row['route_type']!r} is not a number") from None
            yield Route(code, short, long, kind)

    def trips(self) -> Iterator[Trip]:
        for line, row in self.rows("trips.txt", ("route_id", "service_id", "trip_id")):
            direction = (row.get("direction_id") or "").strip()
            if direction not in ("", "0", "1"):
                raise FeedError(f"trips.txt line {line}: direction_id {direction!r} "
                                "is neither 0 nor 1")
            yield Trip(_required(row, "trip_id", "trips.txt", line),
                       _required(row, "route_id", "trips.txt", line),
                       _required(row, "service_id", "trips.txt", line),
                       (row.get("trip_headsign") or "").strip(),
                       int(direction) if direction else None)

    def stop_times(self) -> Iterator[tuple[int, StopTime]]:
        """(line number, stop time): the importer names the line of an unknown id.

        The one big table: read with a plain csv.reader by column position (DictReader
        and per-row objects cost several times as much on a million rows)."""
        name = "stop_times.txt"
        required = ("trip_id", "stop_id", "stop_sequence", "arrival_time", "departure_time")
        with self._zip.open(self._names[name]) as raw:
            reader = csv.reader(io.TextIOWrapper(raw, encoding="utf-8-sig", newline=""))
            header = [h.strip() for h in next(reader, [])]
            absent = [column for column in required if column not in header]
            if absent:
                raise FeedError(f"{name}: missing column(s) {', '.join(absent)}")
            trip_i, stop_i, seq_i, arr_i, dep_i = (header.index(c) for c in (
                "trip_id", "stop_id", "stop_sequence", "arrival_time", "departure_time"))
            width = max(trip_i, stop_i, seq_i, arr_i, dep_i) + 1
            try:
                for line, row in enumerate(reader, start=2):
                    if len(row) < width:
                        if not any(row):
                            continue  # a blank line
                        raise FeedError(f"{name} line {line}: too few columns")
                    arrival, departure = row[arr_i].strip(), row[dep_i].strip()
                    arrival, departure = arrival or departure, departure or arrival
                    if not arrival:
                        # Untimed stops are allowed by GTFS but give no departure to show.
                        continue
                    trip, stop = row[trip_i].strip(), row[stop_i].strip()
                    if not trip or not stop:
                        raise FeedError(f"{name} line {line}: trip_id or stop_id is empty")
                    try:
                        arrival_s, departure_s = parse_time(arrival), parse_time(departure)
                        seq = int(row[seq_i])
                    except ValueError:
                        raise FeedError(
                            f"{name} line {line}: bad time or sequence ({arrival!r}, "
                            f"{departure!r}, {row[seq_i]!r}); times are HH:MM:SS, possibly "
                            "past 24:00") from None
                    if departure_s < arrival_s:
                        raise FeedError(f"{name} line {line}: departs before it arrives")
                    yield line, StopTime(trip, seq, stop, arrival_s, departure_s)
            except (csv.Error, UnicodeDecodeError) as error:
                raise FeedError(f"{name}: unreadable ({error})") from None

    def service_days(self) -> dict[str, set[date]]:
        """Each service's running days: calendar.txt, then calendar_dates.txt's exceptions."""
        days: dict[str, set[date]] = {}
        weekdays = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
                    "sunday")
        if self.has("calendar.txt"):
            for line, row in self.rows("calendar.txt",
                                       ("service_id", *weekdays, "start_date", "end_date")):
                service = _required(row, "service_id", "calendar.txt", line)
                start = _date(row["start_date"], "calendar.txt", line)
                end = _date(row["end_date"], "calendar.txt", line)
                if end < start or (end - start).days > 3 * 366:
                    raise FeedError(f"calendar.txt line {line}: dates {start}…{end} "
                                    "are reversed or span more than three years")
                runs = [(row[d] or "").strip() == "1" for d in weekdays]
                running = days.setdefault(service, set())
                day = start
                while day <= end:
                    if runs[day.weekday()]:
                        running.add(day)
                    day += timedelta(days=1)
        if self.has("calendar_dates.txt"):
            for line, row in self.rows("calendar_dates.txt",
                                       ("service_id", "date", "exception_type")):
                service = _required(row, "service_id", "calendar_dates.txt", line)
                day = _date(row["date"], "calendar_dates.txt", line)
                kind = (row["exception_type"] or "").strip()
                if kind == "1":
                    days.setdefault(service, set()).add(day)
                elif kind == "2":
                    days.setdefault(service, set()).discard(day)
                else:
                    raise FeedError(f"calendar_dates.txt line {line}: exception_type "
                                    f"{kind!r} is neither 1 nor 2")
        return days


def _required(row: dict, column: str, name: str, line: int) -> str:
    value = (row.get(column) or "").strip()
    if not value:
        raise FeedError(f"{name} line {line}: {column} is empty")
    return value


def _date(value: str, name: str, line: int) -> date:
    try:
        return datetime.strptime((value or "").strip(), "%Y%m%d").date()
    except ValueError:
        raise FeedError(f"{name} line {line}: date {value!r} is not YYYYMMDD") from None


def build_zip(tables: dict[str, list[dict]]) -> bytes:
    """A GTFS zip from plain rows (tests and the demonstration feed build theirs in code)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, rows in tables.items():
            columns: list[str] = []
            for row in rows:
                columns += [c for c in row if c not in columns]
            text = io.StringIO()
            writer = csv.DictWriter(text, fieldnames=columns, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
            archive.writestr(name, text.getvalue())
    return buffer.getvalue()
