"""The Friday-evening rush: hundreds of buyers at once on the last seats of one show.

Starts the app under gunicorn (4 workers) on PostgreSQL + Redis, creates one release
of 40 seats through the venue API, fires 500 buyers (quantity 1–4) at
POST /api/v1/holds over HTTP all at once, then measures the database's own limit in
the same run: the same guarded UPDATE on one hot row, issued directly through psycopg.

    .venv/bin/python bench/rush.py            # options: --help

Prints seats held, oversold (must be 0), holds per second, latency percentiles, the
raw database rate and the ratio of the two.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
GUARDED_UPDATE = (
    "UPDATE bench_hot_row SET held = held + %s "
    "WHERE id = 1 AND quantity - sold - held >= %s RETURNING held"
)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432",
                        help="PostgreSQL server URL (a database kiosque_bench is created on it)")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/11")
    parser.add_argument("--buyers", type=int, default=500)
    parser.add_argument("--seats", type=int, default=40)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1,
                        help="threads per gunicorn worker (more than 1 selects gthread workers)")
    parser.add_argument("--db-connections", default="4,40",
                        help="concurrent connections for the raw database measurement: one "
                             "figure per value; the ratio uses the fastest (the harder bar)")
    parser.add_argument("--raw-seconds", type=float, default=5.0)
    return parser.parse_args()


def fresh_database(server_url: str, name: str) -> str:
    with psycopg.connect(server_url + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{server_url}/{name}"


def flask_cli(env: dict, *args: str) -> str:
    result = subprocess.run([str(VENV_BIN / "flask"), "--app", "wsgi", *args], cwd=ROOT,
                            env=env, check=True, capture_output=True, text=True)
    return result.stdout.strip()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http_json(method: str, url: str, body: dict | None = None, token: str | None = None):
    request = urllib.request.Request(url, method=method,
                                     data=json.dumps(body).encode() if body is not None else None)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def wait_until_up(base: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            http_json("GET", base + "/healthz")
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not come up")


async def one_buyer(port: int, offer_id: int, quantity: int, go: asyncio.Event):
    body = json.dumps({"offer_id": offer_id, "quantity": quantity}).encode()
    request = (
        f"POST /api/v1/holds HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n"
    ).encode() + body
    await go.wait()
    started = time.perf_counter()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(request)
    await writer.drain()
    raw = await reader.read()
    elapsed = time.perf_counter() - started
    writer.close()
    head, _, payload = raw.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    data = json.loads(payload) if payload else {}
    return status, elapsed, quantity, data


async def rush(port: int, offer_id: int, buyers: int) -> tuple[list, float]:
    rng = random.Random(20261121)
    go = asyncio.Event()
    tasks = [asyncio.create_task(one_buyer(port, offer_id, rng.randint(1, 4), go))
             for _ in range(buyers)]
    await asyncio.sleep(0.2)
    started = time.perf_counter()
    go.set()
    results = await asyncio.gather(*tasks)
    return results, time.perf_counter() - started


def raw_database_rate(url: str, connections: int, seconds: float) -> float:
    """Guarded UPDATEs per second on one hot row, straight through psycopg."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_hot_row")
        conn.execute("CREATE TABLE bench_hot_row (id int PRIMARY KEY, quantity int, sold int, "
                     "held int, CHECK (sold + held <= quantity))")
        conn.execute("INSERT INTO bench_hot_row VALUES (1, 2000000000, 0, 0)")
    counts = [0] * connections
    barrier = threading.Barrier(connections + 1)
    stop = threading.Event()

    def worker(index: int) -> None:
        with psycopg.connect(url, autocommit=True) as conn:
            barrier.wait()
            while not stop.is_set():
                conn.execute(GUARDED_UPDATE, (1, 1)).fetchone()
                counts[index] += 1

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP TABLE bench_hot_row")
    return sum(counts) / elapsed


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 \
        else values[0]


def main() -> None:
    args = parse_args()
    url = fresh_database(args.pg, "kiosque_bench")
    env = os.environ | {"DATABASE_URL": url, "REDIS_URL": args.redis, "RATELIMIT_ENABLED": "0",
                        "SECRET_KEY": "bench", "PAYMENT_PROVIDER": "demo"}
    flask_cli(env, "db", "upgrade")
    slug = flask_cli(env, "venue", "add", "--name", "La Criée", "--city", "Marseille",
                     "--postcode", "13007", "--lat", "43.2926", "--lng", "5.3689")
    token = flask_cli(env, "token", "issue", "--venue", slug)

    port = free_port()
    server = subprocess.Popen(
        [str(VENV_BIN / "gunicorn"), "-w", str(args.workers), "--threads", str(args.threads),
         "-b", f"127.0.0.1:{port}",
         "--backlog", "2048", "--log-level", "warning", "wsgi:app"],
        cwd=ROOT, env=env)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_up(base)
        curtain = datetime.now(UTC) + timedelta(hours=3)
        performance = http_json("POST", base + "/api/v1/venue/performances", {
            "show": {"title": "Le Rush du vendredi", "discipline": "theatre"},
            "starts_at": curtain.isoformat()}, token)
        release = http_json("POST", base + "/api/v1/venue/releases", {
            "performance_id": performance["id"], "category": "Placement libre",
            "face_price_cents": 3000, "quantity": args.seats,
            "start_discount_percent": 25, "max_discount_percent": 70}, token)
        for _ in range(4 * args.workers):  # every worker has imported and connected
            http_json("GET", f"{base}/api/v1/offers/{release['offer_id']}")
        results, elapsed = asyncio.run(rush(port, release["offer_id"], args.buyers))
    finally:
        server.terminate()
        server.wait(timeout=30)

    with psycopg.connect(url) as conn:
        quantity, sold, held = conn.execute(
            "SELECT quantity, sold, held FROM releases WHERE id = %s", (release["id"],)).fetchone()
        active = conn.execute("SELECT coalesce(sum(quantity), 0) FROM holds "
                              "WHERE release_id = %s AND status = 'active'",
                              (release["id"],)).fetchone()[0]
    granted = [r for r in results if r[0] == 201]
    seats_granted = sum(r[2] for r in granted)
    statuses: dict[int, int] = {}
    codes: dict[str, int] = {}
    for status, _, _, data in results:
        statuses[status] = statuses.get(status, 0) + 1
        if status != 201:
            codes[data.get("error", "?")] = codes.get(data.get("error", "?"), 0) + 1
    latencies_ms = sorted(r[1] * 1000 for r in results)
    raw_rates = {n: raw_database_rate(url, n, args.raw_seconds)
                 for n in (int(v) for v in args.db_connections.split(","))}
    raw_rate = max(raw_rates.values())
    http_rate = len(results) / elapsed

    print(f"buyers: {args.buyers} (quantity 1–4, all at once); seats: {quantity}; "
          f"gunicorn workers: {args.workers} × {args.threads} thread(s)")
    print(f"responses: {dict(sorted(statuses.items()))}; refusals: {codes}")
    print(f"seats held: {seats_granted} by {len(granted)} buyers "
          f"(release counter held={held}, active holds={active}, sold={sold})")
    print(f"oversold: {max(0, seats_granted - quantity, held + sold - quantity)}")
    print(f"hold requests per second (HTTP): {http_rate:.0f}  over {elapsed:.2f} s")
    p50, p95, p99 = (percentile(latencies_ms, q) for q in (50, 95, 99))
    print(f"latency ms: p50 {p50:.0f}  p95 {p95:.0f}  p99 {p99:.0f}  max {latencies_ms[-1]:.0f}")
    for connections, rate in raw_rates.items():
        print(f"raw database limit (the same guarded UPDATE on one hot row, psycopg, "
              f"{connections} connections): {rate:.0f} per second")
    print(f"ratio HTTP / raw database: {http_rate / raw_rate:.2f}")


if __name__ == "__main__":
    main()
