"""GTFS import on a big-city-sized feed: time and peak memory, and three readers compared.

Generates a feed shaped like a big city network (3,000 stops, 150 routes, about a million
stop times, 90 days of weekday/Saturday/Sunday services), then, each step in a fresh
process so its peak memory (ru_maxrss) is its own:
- `read-plain`: our streaming csv reader (marketplace/domain/transit/gtfs.py) over
  stop_times.txt;
- `read-gtfs-kit`, `read-partridge`: the same table through those libraries, when a Python
  holding them is given with --pandas-python (they are not project dependencies);
- `import`: the whole import into a fresh SQLite file, or into --database-url.

    .venv/bin/python bench/transit.py [--pandas-python /path/to/python] [--database-url URL]
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

STOPS, ROUTES, STOPS_PER_ROUTE = 3000, 150, 20
# Trips per route and direction on a weekday: 1,000,000 / (150 × 2 × 20) ≈ 167.
WEEKDAY_TRIPS = 167


def generate(path: Path, seed: int = 19) -> None:
    from marketplace.domain.transit.gtfs import build_zip

    rng = random.Random(seed)
    stops = [{"stop_id": f"S{i}", "stop_name": f"Arrêt {i}",
              "stop_lat": round(43.20 + rng.random() * 0.2, 6),
              "stop_lon": round(5.30 + rng.random() * 0.2, 6)} for i in range(STOPS)]
    routes, trips, stop_times = [], [], []
    for r in range(ROUTES):
        routes.append({"route_id": f"R{r}", "route_short_name": str(r + 1),
                       "route_type": 3 if r % 10 else 0})
        pattern = rng.sample(range(STOPS), STOPS_PER_ROUTE)
        for direction in (0, 1):
            calls = pattern if direction == 0 else pattern[::-1]
            for service, count in (("WK", WEEKDAY_TRIPS), ("SA", 60), ("SU", 30)):
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
    first = date(2026, 11, 1)
    end = (first + timedelta(days=90)).strftime("%Y%m%d")

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
    print(f"feed: {path} ({path.stat().st_size / 1e6:.1f} MB zipped), {len(stops)} stops, "
          f"{len(routes)} routes, {len(trips)} trips, {len(stop_times)} stop times")


def peak_mb() -> float:
    """This process's peak resident memory. VmHWM, not ru_maxrss: Linux carries ru_maxrss
    over exec from the forked parent, which held the generated feed."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def step(name: str, feed: Path, database_url: str | None) -> None:
    started = time.perf_counter()
    if name == "generate":
        generate(feed)
        return
    if name == "read-plain":
        from marketplace.domain.transit.gtfs import FeedReader
        reader = FeedReader(str(feed))
        rows = sum(1 for _ in reader.stop_times())
    elif name == "read-gtfs-kit":
        import gtfs_kit
        rows = len(gtfs_kit.read_feed(str(feed), dist_units="km").stop_times)
    elif name == "read-partridge":
        import partridge
        rows = len(partridge.load_feed(str(feed)).stop_times)
    else:
        from sqlalchemy import create_engine
        from sqlalchemy.orm import Session

        from marketplace.domain.db import Base
        from marketplace.domain.models import TransitFeed  # noqa: F401 (all models)
        from marketplace.domain.timeutil import utcnow
        from marketplace.domain.transit.importer import import_feed
        engine = create_engine(database_url)
        Base.metadata.create_all(engine)
        with Session(engine) as session:
            summary = import_feed(session, str(feed), "bench", utcnow())
        rows = summary.stop_times
    print(f"{name:15s} {rows:>9,d} stop times  {time.perf_counter() - started:6.1f} s  "
          f"peak {peak_mb():6.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pandas-python", help="a Python with gtfs-kit and partridge")
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    parser.add_argument("--step", help=argparse.SUPPRESS)
    parser.add_argument("--feed", help="reuse this feed instead of generating one")
    args = parser.parse_args()
    if args.step:
        step(args.step, Path(args.feed), args.database_url)
        return
    with tempfile.TemporaryDirectory() as tmp:
        feed = Path(args.feed) if args.feed else Path(tmp) / "big-city.zip"
        if not args.feed:  # in a process of its own, so that its memory is not counted
            subprocess.run([sys.executable, __file__, "--step", "generate", "--feed",
                            str(feed)], check=True)
        database_url = args.database_url or f"sqlite:///{tmp}/bench.sqlite"
        runs = [(sys.executable, "read-plain")]
        if args.pandas_python:
            runs += [(args.pandas_python, "read-gtfs-kit"), (args.pandas_python, "read-partridge")]
        runs.append((sys.executable, "import"))
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        for python, name in runs:
            subprocess.run([python, __file__, "--step", name, "--feed", str(feed),
                            "--database-url", database_url], check=True, env=env)


if __name__ == "__main__":
    main()
