"""The demo region's timetable: a small GTFS feed built in code, DEMONSTRATION DATA ONLY.

Real stop places beside a few demo venues (Marseille, Aix-en-Provence, Toulon/Ollioules)
with invented lines and times, so « Pour rentrer » shows something on the first run. Every
line says it is a demonstration; real timetables come from transport.data.gouv.fr (README).
"""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.domain.timeutil import to_paris
from marketplace.domain.transit.gtfs import build_zip
from marketplace.domain.transit.importer import FeedSummary, import_feed
from marketplace.domain.transit.models import TransitFeed

DEMO_FEED_NAME = "demo-horaires-fictifs"
DAYS = 30  # the feed covers yesterday and the next 30 days

_STOPS = {
    "vieux-port": ("Vieux-Port (démo)", 43.2937, 5.3700),          # La Criée
    "gymnase": ("Canebière – Gymnase (démo)", 43.2978, 5.3790),    # Gymnase, Bernardines
    "joliette": ("Joliette (démo)", 43.3040, 5.3672),              # Théâtre Joliette
    "silo": ("Arenc – Le Silo (démo)", 43.3100, 5.3658),           # Le Silo
    "st-charles": ("Gare Saint-Charles (démo)", 43.3030, 5.3805),
    "aix-gare": ("Aix Gare routière (démo)", 43.5245, 5.4400),     # Grand Théâtre de Provence
    "aix-rotonde": ("Aix Rotonde – Jeu de Paume (démo)", 43.5272, 5.4490),
    "toulon": ("Toulon Liberté (démo)", 43.1252, 5.9322),          # Le Liberté, Opéra
    "ollioules": ("Ollioules Châteauvallon (démo)", 43.1380, 5.8842),
}
# route id → (short name, long name, GTFS route_type, [(stop, minutes from the start)])
_ROUTES = {
    "D51": ("Démo 51", "Marseille – Aix-en-Provence (horaires de démonstration)", 3,
            [("vieux-port", 0), ("gymnase", 6), ("st-charles", 12), ("aix-gare", 42),
             ("aix-rotonde", 48)]),
    "DT2": ("Démo T2", "Arenc – Canebière (horaires de démonstration)", 0,
            [("silo", 0), ("joliette", 4), ("vieux-port", 11), ("gymnase", 15)]),
    "D8": ("Démo 8", "Toulon – Ollioules (horaires de démonstration)", 3,
           [("toulon", 0), ("ollioules", 20)]),
}
# route id → (first, last, every) departure from the first stop, in minutes past midnight;
# the last ones run past 24:00, as GTFS writes a night's late trips.
_SERVICE = {"D51": (17 * 60, 24 * 60 + 40, 30), "DT2": (17 * 60, 24 * 60 + 30, 15),
            "D8": (17 * 60, 23 * 60 + 45, 30)}


def demo_feed(first_day: date, days: int = DAYS) -> bytes:
    """The demonstration feed's zip, running every day from `first_day` for `days` days."""
    stops = [{"stop_id": code, "stop_name": name, "stop_lat": lat, "stop_lon": lng}
             for code, (name, lat, lng) in _STOPS.items()]
    routes, trips, stop_times = [], [], []
    for route_id, (short, long, kind, calls) in _ROUTES.items():
        routes.append({"route_id": route_id, "agency_id": "DEMO", "route_short_name": short,
                       "route_long_name": long, "route_type": kind})
        first, last, every = _SERVICE[route_id]
        for direction, sequence in ((0, calls), (1, _reversed(calls))):
            headsign = _STOPS[sequence[-1][0]][0]
            for start in range(first, last + 1, every):
                trip_id = f"{route_id}-{direction}-{start}"
                trips.append({"route_id": route_id, "service_id": "DEMO", "trip_id": trip_id,
                              "trip_headsign": headsign, "direction_id": direction})
                for seq, (stop, minutes) in enumerate(sequence, start=1):
                    at = _clock(start + minutes)
                    stop_times.append({"trip_id": trip_id, "arrival_time": at,
                                       "departure_time": at, "stop_id": stop,
                                       "stop_sequence": seq})
    end = first_day + timedelta(days=days)
    return build_zip({
        "agency.txt": [{"agency_id": "DEMO",
                        "agency_name": "Réseau de démonstration Kiosque (horaires fictifs)",
                        "agency_url": "https://transport.data.gouv.fr",
                        "agency_timezone": "Europe/Paris", "agency_lang": "fr"}],
        "stops.txt": stops, "routes.txt": routes, "trips.txt": trips,
        "stop_times.txt": stop_times,
        "calendar.txt": [{"service_id": "DEMO", **{day: 1 for day in (
            "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")},
            "start_date": first_day.strftime("%Y%m%d"), "end_date": end.strftime("%Y%m%d")}],
    })


def seed_demo_transit(session: Session, now: datetime) -> FeedSummary | None:
    """Import the demonstration feed unless one covering the next week is there already
    (so seeding again the same day changes nothing). Owns its transaction."""
    today = to_paris(now).date()
    ends_on = session.scalar(select(TransitFeed.ends_on).where(
        TransitFeed.name == DEMO_FEED_NAME))
    if ends_on is not None and ends_on >= today + timedelta(days=7):
        return None
    return import_feed(session, io.BytesIO(demo_feed(today - timedelta(days=1))),
                       DEMO_FEED_NAME, now)


def _reversed(calls: list[tuple[str, int]]) -> list[tuple[str, int]]:
    total = calls[-1][1]
    return [(stop, total - minutes) for stop, minutes in reversed(calls)]


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}:00"
