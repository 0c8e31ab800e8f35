"""A busy evening on the scaled demo region, over HTTP, for a minute or more.

Creates its own PostgreSQL database (kiosque_load), seeds `demo seed --scale N`, runs
ANALYZE, starts gunicorn (4 workers) on PostgreSQL + Redis with the demo payment gateway,
then drives a realistic mix with aiohttp until the time is up:

  - spectators browse `/` and `GET /api/v1/offers` (when=tonight/tomorrow/weekend/all,
    around five towns, sometimes by discipline or another sort), the carousel, open offers
    (page and API), and some buy: hold, check out, pay (demo gateway), read their tickets;
    one hold in ten is given back instead;
  - the box offices of the venues playing tonight refresh `GET /api/v1/venue/sales` and
    admit the tickets bought for tonight with `POST /api/v1/venue/checkins`.

Rate limits stay ON at their production values: each spectator visit comes from its own
loopback address (127.1.x.y), as real people come from their own addresses through the
proxy; none of them comes near a limit, so a 429 counts as an error.

    .venv/bin/python bench/load.py                  # options: --help
    .venv/bin/python bench/load.py --redis-outage   # Redis stopped mid-run, then back
    .venv/bin/python bench/load.py --redis-outage --redis-fault freeze   # Redis hangs

Prints requests per second, p50/p95/p99 per route, errors (5xx, no answer, or a status
the route should not give) apart from business refusals (409 sold out, …), oversold seats
and the database's consistency checks; exits non-zero when one fails. With
--redis-outage the app uses a private redis-server which is stopped (or frozen) for a
while in the middle of the run: no 5xx, purchases keep completing, the app writes to
Redis again once it is back.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import psycopg
import redis

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load_checks import check_database, oversold_seats, run_totals  # noqa: E402
from bench.load_redis import PrivateRedis, outage  # noqa: E402
from bench.load_report import print_outage, print_routes  # noqa: E402
from bench.load_traffic import Door, Run, door_window, drive  # noqa: E402
from bench.rush import flask_cli, free_port, fresh_database, wait_until_up  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432",
                        help="PostgreSQL server URL (a database kiosque_load is created on it)")
    parser.add_argument("--database", default="kiosque_load")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/10",
                        help="Redis for the normal run (flushed first); --redis-outage starts "
                             "its own redis-server instead")
    parser.add_argument("--scale", type=int, default=200,
                        help="synthetic venues added to the demo region")
    parser.add_argument("--reuse", action="store_true",
                        help="keep an existing seeded database (skip creating and seeding it)")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--spectators", type=int, default=24,
                        help="spectators browsing at once (each visit a new person)")
    parser.add_argument("--think", type=float, default=0.5,
                        help="longest pause between two requests of one person (seconds)")
    parser.add_argument("--buy-share", type=float, default=0.35,
                        help="share of visits that try to buy")
    parser.add_argument("--doors", type=int, default=4,
                        help="box offices of venues playing tonight (refresh sales, scan)")
    parser.add_argument("--redis-outage", action="store_true",
                        help="break the app's Redis in the middle of the run, then mend it")
    parser.add_argument("--redis-fault", choices=("stop", "freeze"), default="stop",
                        help="stop: the server exits and restarts empty; freeze: it is "
                             "suspended (SIGSTOP) and resumed, connections hang meanwhile")
    parser.add_argument("--outage-at", type=float, default=20)
    parser.add_argument("--outage-seconds", type=float, default=15)
    args = parser.parse_args()
    # Flask-Limiter looks for a lost Redis again 1, 3, 7, 15, 31 and 63 s after it lost
    # it: the run must last until the look that surely follows Redis's return (a look due
    # at the very moment of the return may come just before it).
    back = args.outage_at + args.outage_seconds
    looks = [args.outage_at + after for after in (1, 3, 7, 15, 31, 63)]
    if args.redis_outage and args.seconds < next(t for t in looks if t > back + 1) + 3:
        parser.error("the run ends before the app looks for Redis again after the outage: "
                     "make it longer or the outage earlier or shorter")
    return args


def prepare_database(args: argparse.Namespace, env: dict) -> str:
    url = f"{args.pg}/{args.database}"
    if args.reuse:
        return url
    fresh_database(args.pg, args.database)
    flask_cli(env | {"DATABASE_URL": url}, "db", "upgrade")
    started = time.perf_counter()
    flask_cli(env | {"DATABASE_URL": url}, "demo", "seed", "--scale", str(args.scale))
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("ANALYZE")
    print(f"seeded --scale {args.scale} in {time.perf_counter() - started:.0f} s")
    return url


def door_offers(url: str, doors: int, now: datetime) -> tuple[list[str], list[dict]]:
    """The venues with the most open offers whose tickets the door accepts now, and those offers."""
    earliest, latest = door_window(now)
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT r.id, r.max_per_order, v.slug FROM releases r "
            "JOIN performances p ON p.id = r.performance_id JOIN venues v ON v.id = r.venue_id "
            "WHERE r.status = 'open' AND r.sales_open_at <= %(now)s "
            "AND r.sales_close_at > %(now)s AND r.quantity - r.sold - r.held > 0 "
            "AND p.starts_at BETWEEN %(earliest)s AND %(latest)s",
            {"now": now, "earliest": earliest, "latest": latest}).fetchall()
    counts: dict[str, int] = {}
    for _, _, slug in rows:
        counts[slug] = counts.get(slug, 0) + 1
    chosen = sorted(counts, key=lambda slug: (-counts[slug], slug))[:doors]
    offers = [{"id": id_, "max_per_order": most, "venue": {"slug": slug}}
              for id_, most, slug in rows if slug in chosen]
    return chosen, offers


async def watch_health(run: Run, seen: list[tuple[float, str]]) -> None:
    """What /healthz says of Redis, twice a second (a load balancer's view)."""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
        while not run.over():
            status, body = await run.call(session, "GET", "GET /healthz", "/healthz")
            seen.append((time.perf_counter() - run.started, (body or {}).get("redis", "?")))
            await asyncio.sleep(0.5)


def warm_up(base: str, workers: int) -> None:
    """Every worker has imported the app and connected before the clock starts."""
    async def go() -> None:
        async with aiohttp.ClientSession() as session:
            for _ in range(4 * workers):
                for path in ("/healthz", "/api/v1/offers?when=tomorrow", "/"):
                    async with session.get(base + path) as response:
                        await response.read()
    asyncio.run(go())


def main() -> None:
    args = parse_args()
    env = os.environ | {"SECRET_KEY": "bench", "PAYMENT_PROVIDER": "demo",
                        "RATELIMIT_ENABLED": "1", "BASE_URL": "http://127.0.0.1"}
    env.pop("SMTP_URL", None)  # e-mails go to the outbox table
    private = PrivateRedis(free_port()) if args.redis_outage else None
    env["REDIS_URL"] = private.url if private else args.redis
    url = prepare_database(args, env)
    env["DATABASE_URL"] = url
    since = datetime.now(UTC)
    slugs, offers = door_offers(url, args.doors, since)
    doors = {slug: Door(flask_cli(env, "token", "issue", "--venue", slug)) for slug in slugs}
    if private:
        private.start()
    else:
        redis.Redis.from_url(args.redis).flushdb()

    port = free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-w", str(args.workers),
         "-b", f"127.0.0.1:{port}", "--backlog", "2048", "--log-level", "warning",
         "wsgi:app"], cwd=ROOT, env=env)
    health: list[tuple[float, str]] = []
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_up(base)
        warm_up(base, args.workers)
        since = datetime.now(UTC)
        run = Run(base=base, deadline=time.perf_counter() + args.seconds, think=args.think,
                  buy_share=args.buy_share, door_offers=offers, doors=doors)
        extra = [watch_health(run, health)]
        if private:
            def clock() -> float:
                return time.perf_counter() - run.started
            extra.append(outage(private, args.redis_fault, clock, args.outage_at,
                                args.outage_seconds, args.seconds))
        asyncio.run(drive(run, args.spectators, since, extra))
        elapsed = time.perf_counter() - run.started
    finally:
        server.terminate()
        server.wait(timeout=30)
        if private:
            private.stop()

    load = os.getloadavg()
    print(f"\n{args.seconds:g} s on demo seed --scale {args.scale}: gunicorn {args.workers} "
          f"workers, PostgreSQL, Redis"
          f"{f' (private, fault: {args.redis_fault} mid-run)' if private else ''}; "
          f"{args.spectators} spectators at once, {len(doors)} box offices; "
          f"{os.cpu_count()} CPUs shared with the clients (load {load[0]:.1f})")
    failures = print_routes(run, elapsed)
    print("\nwhat happened to buyers: " + ", ".join(
        f"{name} {count}" for name, count in sorted(run.outcomes.items())))
    totals = run_totals(url, since)
    print("the database counts for the run: " + ", ".join(
        f"{name} {count}" for name, count in totals.items()))
    oversold = oversold_seats(url)
    print(f"oversold seats: {oversold}")
    failures += ["oversold"] if oversold else []
    checked_in = {code for door in doors.values() for code in door.admitted}
    confirmed = {order for _, order, _ in run.purchases}
    print("the database agrees:")
    for label, rows in check_database(url, since, confirmed, checked_in):
        print(f"  {'ok  ' if rows == 0 else 'FAIL'} {label}: {rows}")
        failures += [label] if rows else []
    if private:
        failures += print_outage(run, private, health)
    if failures:
        raise SystemExit(f"\nFAILED: {'; '.join(failures)}")
    print("\nall checks passed")


if __name__ == "__main__":
    main()
