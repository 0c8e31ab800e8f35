"""Fifty buyers at once through the whole purchase: hold → checkout → demo confirmation.

Starts the app under gunicorn (4 workers) on PostgreSQL + Redis with the demo payment
gateway and rate limits off, creates one release through the venue API, then lets 50
concurrent buyers (threads, plain HTTP) each buy several times in a row:

    POST /api/v1/holds                              (quantity 1–4)
    POST /api/v1/holds/{hold_id}/checkout           (a new e-mail each time)
    POST /api/v1/payments/demo/{order_id}/succeed?token=…   (the confirmation path of a webhook)

    .venv/bin/python bench/checkout.py            # options: --help

Prints purchases per second, p50/p95 of each step, and checks in the database that
orders, tickets, payments, e-mails and the release's seat counters all agree.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.rush import flask_cli, free_port, fresh_database, http_json, wait_until_up  # noqa: E402

STEPS = ("hold", "checkout", "confirm")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432",
                        help="PostgreSQL server URL (a database kiosque_bench_checkout is "
                             "created on it)")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/12")
    parser.add_argument("--buyers", type=int, default=50)
    parser.add_argument("--purchases", type=int, default=5,
                        help="purchases each buyer makes one after the other")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1,
                        help="threads per gunicorn worker (more than 1 selects gthread workers)")
    return parser.parse_args()


def post(url: str, body: dict | None = None) -> tuple[int, dict, float]:
    """POST JSON; (status, body, seconds), never raising on an HTTP error status."""
    data = json.dumps(body).encode() if body is not None else b""
    request = urllib.request.Request(url, data=data, method="POST",
                                     headers={"Content-Type": "application/json"})
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, payload = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, payload = error.code, error.read()
    elapsed = time.perf_counter() - started
    return status, (json.loads(payload) if payload else {}), elapsed


class Results:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.statuses: dict[str, Counter] = defaultdict(Counter)
        self.purchases: list[tuple[str, int]] = []  # (order id, seats)

    def record(self, step: str, status: int, seconds: float) -> None:
        with self.lock:
            self.latencies[step].append(seconds * 1000)
            self.statuses[step][status] += 1


def buyer(base: str, offer_id: int, index: int, purchases: int, start: threading.Barrier,
          results: Results) -> None:
    rng = random.Random(20261120 + index)
    start.wait()
    for n in range(purchases):
        quantity = rng.randint(1, 4)
        status, hold, seconds = post(f"{base}/api/v1/holds",
                                     {"offer_id": offer_id, "quantity": quantity})
        results.record("hold", status, seconds)
        if status != 201:
            continue
        whole = seconds
        status, order, seconds = post(
            f"{base}/api/v1/holds/{hold['hold_id']}/checkout",
            {"email": f"buyer{index}.{n}@example.org", "name": f"Acheteur {index}",
             "postcode": "13001", "marketing_consent": n % 2 == 0})
        results.record("checkout", status, seconds)
        if status != 201:
            continue
        whole += seconds
        status, paid, seconds = post(f"{base}/api/v1/payments/demo/{order['order_id']}/succeed"
                                     f"?token={order['order_token']}")
        results.record("confirm", status, seconds)
        if status == 200 and paid.get("status") == "paid":
            results.record("purchase", status, whole + seconds)
            with results.lock:
                results.purchases.append((order["order_id"], quantity))


def percentile(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def check_database(url: str, release_id: int, results: Results) -> list[str]:
    """Every invariant the purchase path promises, read back from PostgreSQL."""
    seats_bought = sum(quantity for _, quantity in results.purchases)
    with psycopg.connect(url) as conn:
        def one(sql: str, *params):
            return conn.execute(sql, params).fetchone()

        quantity, sold, held = one("SELECT quantity, sold, held FROM releases WHERE id = %s",
                                   release_id)
        paid, paid_seats = one("SELECT count(*), coalesce(sum(quantity), 0) FROM orders "
                               "WHERE release_id = %s AND status = 'paid'", release_id)
        other = one("SELECT count(*) FROM orders WHERE status <> 'paid'")[0]
        tickets = one("SELECT count(*) FROM tickets JOIN orders ON orders.id = tickets.order_id "
                      "WHERE orders.release_id = %s", release_id)[0]
        codes = one("SELECT count(DISTINCT code) FROM tickets")[0]
        charges = one("SELECT count(*), coalesce(sum(amount_cents), 0) FROM payments "
                      "WHERE kind = 'charge'")
        totals = one("SELECT coalesce(sum(total_cents), 0) FROM orders WHERE status = 'paid'")[0]
        events = one("SELECT count(*) FROM payment_events")[0]
        emails = one("SELECT count(*) FROM outbound_emails "
                     "WHERE dedup_key LIKE 'order:%%:confirmation'")[0]
        active = one("SELECT coalesce(sum(quantity), 0) FROM holds "
                     "WHERE release_id = %s AND status = 'active'", release_id)[0]
        converted = one("SELECT count(*) FROM holds WHERE status = 'converted'")[0]
    checks = {
        "paid orders = purchases confirmed": paid == len(results.purchases),
        "seats in paid orders = seats bought": paid_seats == seats_bought,
        "release sold = seats in paid orders": sold == paid_seats,
        "tickets = seats sold, all codes distinct": tickets == codes == sold,
        "one charge per paid order, for its total": charges == (paid, totals),
        "one payment event per paid order": events == paid,
        "one confirmation e-mail per paid order": emails == paid,
        "held = seats in active holds": held == active,
        "holds converted = paid orders": converted == paid,
        "never oversold": sold + held <= quantity,
        "no order left unpaid": other == 0,
    }
    for name, ok in checks.items():
        print(f"  {'ok  ' if ok else 'FAIL'} {name}")
    print(f"  (release: quantity {quantity}, sold {sold}, held {held}; "
          f"{paid} paid orders, {tickets} tickets, {emails} e-mails)")
    return [name for name, ok in checks.items() if not ok]


def main() -> None:
    args = parse_args()
    url = fresh_database(args.pg, "kiosque_bench_checkout")
    env = os.environ | {"DATABASE_URL": url, "REDIS_URL": args.redis, "RATELIMIT_ENABLED": "0",
                        "SECRET_KEY": "bench", "PAYMENT_PROVIDER": "demo",
                        "BASE_URL": "http://127.0.0.1"}
    env.pop("SMTP_URL", None)  # confirmation e-mails go to the outbox table
    flask_cli(env, "db", "upgrade")
    slug = flask_cli(env, "venue", "add", "--name", "Le Silo", "--city", "Marseille",
                     "--postcode", "13002", "--lat", "43.3127", "--lng", "5.3665")
    token = flask_cli(env, "token", "issue", "--venue", slug)
    seats = args.buyers * args.purchases * 4

    port = free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-w", str(args.workers),
         "--threads", str(args.threads), "-b", f"127.0.0.1:{port}", "--backlog", "2048",
         "--log-level", "warning", "wsgi:app"],
        cwd=ROOT, env=env)
    results = Results()
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_up(base)
        curtain = datetime.now(UTC) + timedelta(hours=3)
        performance = http_json("POST", base + "/api/v1/venue/performances", {
            "show": {"title": "Le grand soir", "discipline": "music"},
            "starts_at": curtain.isoformat()}, token)
        release = http_json("POST", base + "/api/v1/venue/releases", {
            "performance_id": performance["id"], "category": "Placement libre",
            "face_price_cents": 2500, "quantity": seats, "max_per_order": 4,
            "start_discount_percent": 30, "max_discount_percent": 70}, token)
        for _ in range(4 * args.workers):  # every worker has imported and connected
            http_json("GET", f"{base}/api/v1/offers/{release['offer_id']}")
        start = threading.Barrier(args.buyers + 1)
        threads = [threading.Thread(target=buyer, args=(base, release["offer_id"], i,
                                                        args.purchases, start, results))
                   for i in range(args.buyers)]
        for thread in threads:
            thread.start()
        start.wait()
        started = time.perf_counter()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=30)

    print(f"buyers: {args.buyers} at once, {args.purchases} purchases each (quantity 1–4); "
          f"gunicorn workers: {args.workers} × {args.threads} thread(s); release of {seats} "
          f"seats")
    purchases = len(results.purchases)
    print(f"purchases completed: {purchases} of {args.buyers * args.purchases} in "
          f"{elapsed:.2f} s: {purchases / elapsed:.1f} purchases per second "
          f"({sum(q for _, q in results.purchases)} seats)")
    for step in STEPS:
        values = results.latencies[step]
        print(f"{step:>9}: p50 {percentile(values, 50):6.1f} ms  p95 {percentile(values, 95):6.1f}"
              f" ms  max {max(values):6.1f} ms  statuses {dict(results.statuses[step])}")
    whole = results.latencies["purchase"]
    print(f" purchase: p50 {percentile(whole, 50):6.1f} ms  p95 {percentile(whole, 95):6.1f} ms"
          f"  (the three steps of one buyer, end to end)")
    print("database agrees:")
    failures = check_database(url, release["id"], results)
    if failures:
        raise SystemExit(f"{len(failures)} check(s) failed")


if __name__ == "__main__":
    main()
