"""« Je peux rentrer » at the storefront benchmark's size: GET /api/v1/offers with and
without home_reachable=true.

Builds the storefront benchmark's region (`demo seed --scale 1000`: about 20,000
performances, as bench/storefront.py does), then generates a city-sized GTFS feed around
it (a stop beside each of the first venues, the rest scattered over the region, a third
of the routes calling near the spectator's home in Aix; by default ~1 million stop times
like bench/transit.py, on a calendar covering the seeded weeks), imports it, and measures
in-process (Flask test client, one client, no network) the p50/p95 of

  - GET /api/v1/offers?home_lat=…&home_lng=…                  (way_home on the page only)
  - GET /api/v1/offers?home_lat=…&home_lng=…&home_reachable=true (the whole list checked)

and prints the ratio (aim: within 1.5×). SQLite by default (a fresh file); PostgreSQL with
--database-url or KIOSQUE_BENCH_DATABASE_URL (the database is emptied by `db upgrade` on
a fresh one: give a scratch database).

    .venv/bin/python bench/transit_list.py [--database-url URL] [--reuse] [--trips N]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))

AIX_HOME = (43.5270, 5.4460)
STOPS, ROUTES, STOPS_PER_ROUTE = 3000, 150, 20


def flask_cli(env: dict, *args: str) -> str:
    result = subprocess.run([str(VENV_BIN / "flask"), "--app", "wsgi", *args], cwd=ROOT,
                            env=env, check=True, capture_output=True, text=True)
    return result.stdout.strip()


def generate_feed(path: Path, venues: list[tuple[float, float]], weekday_trips: int,
                  first: date, seed: int = 19) -> None:
    """A big-city feed whose first stops sit ~100 m from the venues, one near home."""
    from marketplace.domain.transit.gtfs import build_zip

    rng = random.Random(seed)
    points = [(lat + 0.0009, lng) for lat, lng in venues[:STOPS - 1]]
    points.append((AIX_HOME[0] - 0.0008, AIX_HOME[1]))
    home_stop = len(points) - 1
    lats = [lat for lat, _ in venues] or [43.3]
    lngs = [lng for _, lng in venues] or [5.4]
    while len(points) < STOPS:
        points.append((rng.uniform(min(lats), max(lats)), rng.uniform(min(lngs), max(lngs))))
    stops = [{"stop_id": f"S{i}", "stop_name": f"Arrêt {i}", "stop_lat": round(lat, 6),
              "stop_lon": round(lng, 6)} for i, (lat, lng) in enumerate(points)]
    routes, trips, stop_times = [], [], []
    for r in range(ROUTES):
        routes.append({"route_id": f"R{r}", "route_short_name": str(r + 1),
                       "route_type": 3 if r % 10 else 0})
        pattern = rng.sample(range(STOPS), STOPS_PER_ROUTE)
        if r % 3 == 0 and home_stop not in pattern:
            pattern[-1] = home_stop  # a third of the lines end near home
        for direction in (0, 1):
            calls = pattern if direction == 0 else pattern[::-1]
            for service, count in (("WK", weekday_trips), ("SA", max(weekday_trips // 3, 1)),
                                   ("SU", max(weekday_trips // 6, 1))):
                span = (25 * 60 - 5 * 60) // count
                for t in range(count):
                    trip_id = f"R{r}-{direction}-{service}-{t}"
                    trips.append({"route_id": f"R{r}", "service_id": service,
                                  "trip_id": trip_id, "direction_id": direction})
                    start = 5 * 60 + t * span
                    for seq, stop in enumerate(calls):
                        minutes = start + seq * 2
                        at = f"{minutes // 60:02d}:{minutes % 60:02d}:00"
                        stop_times.append({"trip_id": trip_id, "arrival_time": at,
                                           "departure_time": at, "stop_id": f"S{stop}",
                                           "stop_sequence": seq + 1})
    end = (first + timedelta(days=120)).strftime("%Y%m%d")

    def service(sid: str, days: tuple[int, ...]) -> dict:
        names = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
        return {"service_id": sid, **{n: int(i in days) for i, n in enumerate(names)},
                "start_date": first.strftime("%Y%m%d"), "end_date": end}

    path.write_bytes(build_zip({
        "agency.txt": [{"agency_id": "B", "agency_name": "Bench", "agency_url": "https://e.org",
                        "agency_timezone": "Europe/Paris"}],
        "stops.txt": stops, "routes.txt": routes, "trips.txt": trips,
        "stop_times.txt": stop_times,
        "calendar.txt": [service("WK", (0, 1, 2, 3, 4)), service("SA", (5,)),
                         service("SU", (6,))],
    }))
    print(f"feed: {len(stops)} stops ({min(len(venues), STOPS - 1)} beside venues), "
          f"{len(routes)} routes, {len(trips)} trips, {len(stop_times):,} stop times")


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def measure(client, url: str, requests: int) -> tuple[float, float, int]:
    client.get(url)  # warm the caches and the connection
    timings = []
    count = 0
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        count = len(response.get_json()["offers"])
    return statistics.median(timings), percentile(timings, 0.95), count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("KIOSQUE_BENCH_DATABASE_URL"),
                        help="default: a fresh SQLite file")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/11")
    parser.add_argument("--scale", type=int, default=1000)
    parser.add_argument("--trips", type=int, default=167,
                        help="weekday trips per route and direction (167: ~1M stop times)")
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--reuse", action="store_true",
                        help="the database is already seeded (the feed is imported once)")
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="kiosque-transit-list-")
    url = args.database_url or f"sqlite:///{tmp}/bench.sqlite"
    os.environ.update(DATABASE_URL=url, REDIS_URL=args.redis)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if not args.reuse:
        flask_cli(env, "db", "upgrade")
        started = time.perf_counter()
        flask_cli(env, "demo", "seed", "--scale", str(args.scale))
        print(f"seeded --scale {args.scale} in {time.perf_counter() - started:.0f} s")

    from sqlalchemy import func, select

    from marketplace import create_app
    from marketplace.domain.catalog.models import Performance, Venue
    from marketplace.domain.timeutil import utcnow
    from marketplace.domain.transit.importer import import_feed
    from marketplace.domain.transit.models import TransitFeed
    from marketplace.extensions import db

    app = create_app()
    with app.app_context():
        venues = [(lat, lng) for lat, lng in db.session.execute(
            select(Venue.lat, Venue.lng).order_by(Venue.id)).all()]
        performances = db.session.scalar(select(func.count()).select_from(Performance))
        print(f"database: {len(venues)} venues, {performances:,} performances ({url})")
        if not db.session.scalar(select(TransitFeed.id).where(
                TransitFeed.name == "bench-around")):
            feed = Path(tmp) / "around.zip"
            generate_feed(feed, venues, args.trips, utcnow().date() - timedelta(days=2))
            started = time.perf_counter()
            import_feed(db.session, str(feed), "bench-around", utcnow())
            print(f"imported in {time.perf_counter() - started:.0f} s")
        db.session.remove()
    client = app.test_client()
    home = f"home_lat={AIX_HOME[0]}&home_lng={AIX_HOME[1]}"
    runs = [("without the filter", f"/api/v1/offers?{home}"),
            ("home_reachable=true", f"/api/v1/offers?{home}&home_reachable=true")]
    figures = []
    for label, path in runs:
        p50, p95, count = measure(client, path, args.requests)
        figures.append(p95)
        print(f"GET /api/v1/offers {label:20s} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  "
              f"({count} offers on the page, {args.requests} requests)")
    ratio = figures[1] / figures[0]
    print(f"ratio p95 with / without: {ratio:.2f}× "
          f"({'within' if ratio <= 1.5 else 'beyond'} the 1.5× aim)")


if __name__ == "__main__":
    main()
