"""Small GTFS feeds built in code for the transit tests (and nothing else)."""

from __future__ import annotations

from marketplace.domain.transit.gtfs import build_zip

# The factories' venue (Marseille): stops placed around it at known distances.
VENUE = (43.2965, 5.3698)
BESIDE = (43.2965 + 0.0012, 5.3698)    # ~133 m north: a 2-minute walk
JUST_OUT = (43.2965 + 0.0055, 5.3698)  # ~612 m north: beyond the 600 m walk
AIX = (43.5263, 5.4454)                # another town, 25 km away
AIX_HOME = (43.5270, 5.4460)           # a spectator's home, ~90 m from the Aix stop


def stop(code: str, name: str, at: tuple[float, float]) -> dict:
    return {"stop_id": code, "stop_name": name, "stop_lat": at[0], "stop_lon": at[1]}


def trip(code: str, route: str, service: str, *, headsign: str = "",
         direction: str = "0") -> dict:
    return {"route_id": route, "service_id": service, "trip_id": code,
            "trip_headsign": headsign, "direction_id": direction}


def times(trip_code: str, *calls: tuple[str, str]) -> list[dict]:
    """stop_times rows: (stop id, HH:MM:SS) in order."""
    return [{"trip_id": trip_code, "arrival_time": at, "departure_time": at, "stop_id": stop_id,
             "stop_sequence": seq + 1} for seq, (stop_id, at) in enumerate(calls)]


def every_day(service: str, start: str = "20261101", end: str = "20261231") -> dict:
    return {"service_id": service, **{day: 1 for day in (
        "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")},
        "start_date": start, "end_date": end}


def regional_feed(**overrides: list[dict]) -> bytes:
    """A coach line from beside the venue to Aix (ZOU! 51), a tram that does not run on
    Friday 20 November 2026 (calendar_dates), and a bus from a stop just out of reach."""
    tables = {
        "agency.txt": [{"agency_id": "ZOU", "agency_name": "ZOU!",
                        "agency_url": "https://example.org", "agency_timezone": "Europe/Paris"}],
        "stops.txt": [stop("BESIDE", "Rive-Neuve", BESIDE), stop("FAR", "Loin", JUST_OUT),
                      stop("AIX", "Aix Gare routière", AIX)],
        "routes.txt": [
            {"route_id": "Z51", "route_short_name": "ZOU! 51",
             "route_long_name": "Marseille – Aix", "route_type": 3},
            {"route_id": "T2", "route_short_name": "T2", "route_long_name": "", "route_type": 0},
            {"route_id": "B7", "route_short_name": "7", "route_long_name": "", "route_type": 3},
        ],
        "trips.txt": [
            trip("z-early", "Z51", "ALL", headsign="Aix-en-Provence"),
            trip("z-late", "Z51", "ALL", headsign="Aix-en-Provence"),
            trip("z-night", "Z51", "FRI", headsign="Aix-en-Provence"),
            trip("z-back", "Z51", "ALL", headsign="", direction="1"),
            trip("t2", "T2", "NOTFRI", headsign="Euroméditerranée"),
            trip("b7", "B7", "ALL", headsign="Saint-Just"),
        ],
        "stop_times.txt": [
            *times("z-early", ("BESIDE", "21:30:00"), ("AIX", "22:15:00")),
            *times("z-late", ("BESIDE", "22:40:00"), ("AIX", "23:25:00")),
            *times("z-night", ("BESIDE", "25:10:00"), ("AIX", "25:50:00")),
            *times("z-back", ("AIX", "22:00:00"), ("BESIDE", "22:45:00")),
            *times("t2", ("BESIDE", "22:30:00"), ("AIX", "23:30:00")),
            *times("b7", ("FAR", "22:30:00"), ("AIX", "23:30:00")),
        ],
        "calendar.txt": [every_day("ALL"), every_day("NOTFRI"),
                         {**every_day("FRI"), **{d: 0 for d in (
                             "monday", "tuesday", "wednesday", "thursday", "saturday",
                             "sunday")}}],
        "calendar_dates.txt": [{"service_id": "NOTFRI", "date": "20261120",
                                "exception_type": 2}],
    }
    tables.update(overrides)
    return build_zip(tables)


def city_feed(route: str = "M1", at: str = "22:20:00") -> bytes:
    """A second network: one metro line from beside the venue."""
    return build_zip({
        "agency.txt": [{"agency_id": "RTM", "agency_name": "RTM", "agency_url": "https://e.org",
                        "agency_timezone": "Europe/Paris"}],
        "stops.txt": [stop("V", "Vieux-Port", BESIDE), stop("L", "La Rose", AIX)],
        "routes.txt": [{"route_id": route, "route_short_name": route, "route_type": 1}],
        "trips.txt": [trip("m", route, "S", headsign="La Rose")],
        "stop_times.txt": times("m", ("V", at), ("L", "23:00:00")),
        "calendar_dates.txt": [{"service_id": "S", "date": "20261120", "exception_type": 1}],
    })
