"""The storefront under load: what plays near the Vieux-Port tonight, on a large region.

Creates its own PostgreSQL database (kiosque_bench_storefront), migrates it, seeds the
demo region with `demo seed --scale 1000` (about 20,000 performances and 40,000
releases), runs ANALYZE (as autovacuum would after a bulk load), starts gunicorn with
4 workers, then measures p50/p95 latency, with several clients at once, of

  - the API:  GET /api/v1/offers?lat=…&lng=…&radius_km=25&when=tonight
  - the page: GET /?radius=25&when=tonight, the location in its cookie (full page:
              filters, carousel « À découvrir », twelve cards)
  - the SQL alone: the statement behind that list, through psycopg, same concurrency

and prints the ratios. "Tonight" is short after midnight (it ends at 06:00), so the
same three are measured for `when=tomorrow` as well: a full day of shows whatever the
hour. Also prints the weight of the first load of / (HTML, CSS and our JS, gzip).

    .venv/bin/python bench/storefront.py            # options: --help
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import os
import re
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import psycopg

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))

from bench.rush import flask_cli, free_port, fresh_database, wait_until_up  # noqa: E402

VIEUX_PORT = (43.2951, 5.3744)
DATABASE = "kiosque_bench_storefront"
API_P95_AIM_MS = 50


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432",
                        help=f"PostgreSQL server URL (a database {DATABASE} is created on it)")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/12")
    parser.add_argument("--scale", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--clients", type=int, default=4,
                        help="concurrent HTTP clients (default: one per gunicorn worker)")
    parser.add_argument("--requests", type=int, default=400, help="requests per measurement")
    parser.add_argument("--radius", type=float, default=25)
    parser.add_argument("--reuse", action="store_true",
                        help=f"keep an existing {DATABASE} (skip creating and seeding it)")
    return parser.parse_args()


def prepare_database(args: argparse.Namespace, env: dict) -> str:
    url = f"{args.pg}/{DATABASE}"
    if args.reuse:
        return url
    fresh_database(args.pg, DATABASE)
    flask_cli(env | {"DATABASE_URL": url}, "db", "upgrade")
    started = time.perf_counter()
    flask_cli(env | {"DATABASE_URL": url}, "demo", "seed", "--scale", str(args.scale))
    print(f"seeded --scale {args.scale} in {time.perf_counter() - started:.0f} s")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("ANALYZE")
        counts = conn.execute(
            "SELECT (SELECT count(*) FROM venues), (SELECT count(*) FROM performances), "
            "(SELECT count(*) FROM releases)").fetchone()
    print(f"database: {counts[0]} venues, {counts[1]} performances, {counts[2]} releases")
    return url


def measure(port: int, path: str, headers: dict, clients: int, total: int) -> dict:
    """Latencies (ms) of `total` GETs of `path` from `clients` keep-alive connections."""
    latencies: list[float] = []
    sizes: list[int] = []
    lock = threading.Lock()
    per_client = [total // clients + (1 if i < total % clients else 0) for i in range(clients)]
    barrier = threading.Barrier(clients + 1)

    def client(count: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        barrier.wait()
        mine = []
        for _ in range(count):
            started = time.perf_counter()
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            body = response.read()
            mine.append((time.perf_counter() - started) * 1000)
            if response.status != 200:
                raise SystemExit(f"{path}: HTTP {response.status}")
            sizes.append(len(body))
        conn.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(n,)) for n in per_client]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return summary(latencies, time.perf_counter() - started) | {"bytes": max(sizes)}


def measure_sql(url: str, sql: str, clients: int, total: int) -> dict:
    """The same statement straight through psycopg, from `clients` connections at once."""
    latencies: list[float] = []
    rows: list[int] = []
    lock = threading.Lock()
    per_client = [total // clients + (1 if i < total % clients else 0) for i in range(clients)]
    barrier = threading.Barrier(clients + 1)

    def client(count: int) -> None:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(sql).fetchall()  # the first one plans and warms the connection
            barrier.wait()
            mine = []
            for _ in range(count):
                started = time.perf_counter()
                fetched = conn.execute(sql).fetchall()
                mine.append((time.perf_counter() - started) * 1000)
            rows.append(len(fetched))
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(n,)) for n in per_client]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return summary(latencies, time.perf_counter() - started) | {"rows": max(rows)}


def summary(latencies: list[float], seconds: float) -> dict:
    ordered = sorted(latencies)
    cut = statistics.quantiles(ordered, n=100, method="inclusive")
    return {"p50": cut[49], "p95": cut[94], "max": ordered[-1],
            "per_second": len(ordered) / seconds}


def list_sql(env: dict, url: str, when: str, radius: float) -> str:
    """The SQL that list_offers runs for these filters, with its values inlined."""
    os.environ.update(env | {"DATABASE_URL": url})
    from sqlalchemy.dialects import postgresql

    from marketplace import create_app
    from marketplace.domain.offers.offer import Criteria
    from marketplace.domain.offers.queries import offers_statement
    from marketplace.domain.timeutil import utcnow

    app = create_app()
    with app.app_context():
        criteria = Criteria(origin=VIEUX_PORT, radius_km=radius, when=when)
        stmt = offers_statement(utcnow(), criteria)
        return str(stmt.compile(dialect=postgresql.dialect(),
                                compile_kwargs={"literal_binds": True}))


def page_weight(port: int) -> tuple[int, int]:
    """Bytes of the first load of / (HTML, CSS, JS) as served with gzip, and uncompressed."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def get(path: str) -> tuple[bytes, bytes]:
        conn.request("GET", path, headers={"Accept-Encoding": "gzip"})
        response = conn.getresponse()
        body = response.read()
        raw = gzip.decompress(body) if response.getheader("Content-Encoding") == "gzip" else body
        return body, raw

    page, html = get("/")
    sent, raw = len(page), len(html)
    for asset in re.findall(rb'(?:href|src)="(/static/[^"]+\.(?:css|js))"', html):
        body, plain = get(asset.decode())
        sent, raw = sent + len(body), raw + len(plain)
    conn.close()
    return sent, raw


def main() -> None:
    args = parse_args()
    env = os.environ | {"REDIS_URL": args.redis, "RATELIMIT_ENABLED": "0",
                        "SECRET_KEY": "bench", "PAYMENT_PROVIDER": "demo"}
    url = prepare_database(args, env)
    load = os.getloadavg()
    env["DATABASE_URL"] = url
    port = free_port()
    server = subprocess.Popen(
        [str(VENV_BIN / "gunicorn"), "-w", str(args.workers), "-b", f"127.0.0.1:{port}",
         "--backlog", "2048", "--log-level", "warning", "wsgi:app"], cwd=ROOT, env=env)
    lat, lng = VIEUX_PORT
    cookie = {"Cookie": "where=" + urlencode({"lat": lat, "lng": lng, "label": ""})}
    results = {}
    try:
        wait_until_up(f"http://127.0.0.1:{port}")
        for when in ("tonight", "tomorrow"):
            api = "/api/v1/offers?" + urlencode({"lat": lat, "lng": lng,
                                                 "radius_km": args.radius, "when": when})
            page = "/?" + urlencode({"radius": int(args.radius), "when": when})
            measure(port, api, {}, args.clients, 4 * args.workers * 4)  # warm every worker
            measure(port, page, cookie, args.clients, 4 * args.workers * 4)
            results[when] = {
                "api": measure(port, api, {}, args.clients, args.requests),
                "page": measure(port, page, cookie, args.clients, args.requests),
                "sql": measure_sql(url, list_sql(env, url, when, args.radius), args.clients,
                                   args.requests),
            }
        weight = page_weight(port)
    finally:
        server.terminate()
        server.wait(timeout=30)

    print(f"gunicorn workers: {args.workers}; clients at once: {args.clients}; "
          f"requests per figure: {args.requests}; around the Vieux-Port, {args.radius:g} km")
    print(f"machine: {os.cpu_count()} CPUs, load average before the run {load[0]:.1f} "
          f"(the clients, gunicorn and PostgreSQL share them)")
    for when, figures in results.items():
        print(f"\nwhen={when}: {figures['sql']['rows']} offers match in SQL "
              f"(the API's first page shows up to 20)")
        for name, label in (("api", "API  /api/v1/offers"), ("page", "page /"),
                            ("sql", "SQL alone")):
            f = figures[name]
            size = f" {f['bytes'] / 1024:.1f} KB" if "bytes" in f else ""
            print(f"  {label:<20} p50 {f['p50']:6.1f} ms  p95 {f['p95']:6.1f} ms  "
                  f"max {f['max']:6.1f} ms  {f['per_second']:6.0f}/s{size}")
        api, page, sql = figures["api"], figures["page"], figures["sql"]
        print(f"  ratios p95: API / SQL {api['p95'] / sql['p95']:.1f}   "
              f"page / API {page['p95'] / api['p95']:.1f}   "
              f"page / SQL {page['p95'] / sql['p95']:.1f}")
        print(f"  aim API p95 <= {API_P95_AIM_MS} ms: "
              f"{'met' if api['p95'] <= API_P95_AIM_MS else 'NOT met'}")
    print(f"\nfirst load of / (HTML + CSS + our JS): {weight[0] / 1024:.1f} KB with gzip as "
          f"served, {weight[1] / 1024:.1f} KB uncompressed (limit 100 KB transferred)")


if __name__ == "__main__":
    main()
