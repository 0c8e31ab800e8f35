"""The agency's dashboard on a large region: p50/p95 of each of its queries.

Creates its own PostgreSQL database (kiosque_bench_agency), migrates it, seeds
`demo seed --scale 1000`, then bulk-inserts a season of past sales for the synthetic
venues (26 weeks, about 500,000 tickets): performances and releases, holds, orders
(paid, and some refunded or cancelled), tickets and payments, with each release's sold
counter equal to its paid seats. After VACUUM ANALYZE (as autovacuum does after a bulk load)
it times every query the dashboard runs, for the last 30 days, 90 days and the whole
season, and the whole page through the app. Aim: p95 at most 500 ms per query.

    .venv/bin/python bench/agency.py            # options: --help
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.rush import flask_cli, fresh_database  # noqa: E402

DATABASE = "kiosque_bench_agency"
P95_AIM_MS = 500
SEASON_DAYS = 182
UNKNOWN_POSTCODES = ("75011", "69003", "34000", "31000", "33000")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432",
                        help=f"PostgreSQL server URL (a database {DATABASE} is created on it)")
    parser.add_argument("--scale", type=int, default=1000)
    parser.add_argument("--tickets", type=int, default=500_000,
                        help="about how many tickets the season of sales holds")
    parser.add_argument("--runs", type=int, default=20, help="timed runs of each query")
    parser.add_argument("--reuse", action="store_true",
                        help=f"keep an existing {DATABASE} (skip creating and filling it)")
    return parser.parse_args()


# A season of sales --------------------------------------------------------------------------


def _ids(conn: psycopg.Connection, table: str, count: int) -> list[int]:
    return [row[0] for row in conn.execute(
        f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) "
        "FROM generate_series(1, %s)", (count,))]


def _copy(conn: psycopg.Connection, table: str, columns: tuple[str, ...], rows) -> int:
    count = 0
    with conn.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def fill_season(url: str, tickets: int, today_utc: datetime) -> dict[str, int]:
    """Bulk-insert a season of past performances and their sales; return the row counts."""
    from marketplace.domain.catalog.towns import TOWNS
    from marketplace.domain.pricing import PriceSchedule, discount_percent_at, price_at

    rng = random.Random("kiosque-bench-agency")
    with psycopg.connect(url) as conn:
        shows = defaultdict(list)
        for show_id, venue_id in conn.execute(
                "SELECT shows.id, shows.venue_id FROM shows JOIN venues ON venues.id = "
                "shows.venue_id WHERE venues.slug LIKE 'synthetique-%%'"):
            shows[venue_id].append(show_id)
        # Two lots of 20 to 60 seats, half of them sold: about 40 tickets a performance.
        per_day = tickets / 40 / SEASON_DAYS / len(shows)
        people = [(f"spectateur{n}@bench.example", f"Spectateur {n}",
                   rng.choice(TOWNS).postcode if rng.random() < 0.9
                   else rng.choice(UNKNOWN_POSTCODES),
                   rng.randint(1945, 2008) if rng.random() < 0.55 else None)
                  for n in range(max(1000, tickets // 6))]
        performances, releases, sales = [], [], []
        first_day = (today_utc - timedelta(days=SEASON_DAYS)).replace(hour=19, minute=0,
                                                                      second=0, microsecond=0)
        for venue_id, show_ids in shows.items():
            for day in range(SEASON_DAYS):
                if rng.random() >= per_day:
                    continue
                starts_at = first_day + timedelta(days=day, minutes=rng.choice((0, 30, 60, 90)))
                performances.append([None, rng.choice(show_ids), venue_id, starts_at])
                for _ in range(2):
                    releases.append(_release(rng, len(performances) - 1, venue_id, starts_at))
        for index, perf_id in enumerate(_ids(conn, "performances", len(performances))):
            performances[index][0] = perf_id
        release_ids = _ids(conn, "releases", len(releases))
        for release, release_id in zip(releases, release_ids, strict=True):
            release["id"] = release_id
            release["performance_id"] = performances[release["performance"]][0]
            schedule = PriceSchedule(
                face_price_cents=release["face"], start_discount=release["d0"],
                max_discount=release["d1"], sales_open_at=release["opens"],
                max_discount_at=release["deepest"], curve="linear", step_minutes=None)
            sales += _sales(rng, release, schedule, people, price_at, discount_percent_at)
        _settle(sales, releases)
        counts = _insert(conn, performances, releases, sales, today_utc)
        conn.commit()
    return counts


def _release(rng: random.Random, performance: int, venue_id: int, starts_at: datetime) -> dict:
    opens = (starts_at - timedelta(days=rng.randint(2, 7))).replace(hour=0, minute=0)
    return {"performance": performance, "venue_id": venue_id, "starts_at": starts_at,
            "quantity": rng.randint(20, 60), "face": rng.randint(12, 38) * 100,
            "d0": rng.choice((25, 30, 35)), "d1": rng.choice((50, 60, 70, 80)),
            "opens": opens, "deepest": starts_at - timedelta(hours=1),
            "fill": rng.uniform(0.15, 0.85), "sold": 0}


def _sales(rng, release, schedule, people, price_at, discount_percent_at) -> list[dict]:
    seats, sales = round(release["quantity"] * release["fill"]), []
    span = (release["starts_at"] - timedelta(minutes=10) - release["opens"]).total_seconds()
    while seats > 0:
        size = min(seats, rng.choices((1, 2, 3, 4, 5, 6), (30, 45, 12, 9, 2, 2))[0])
        held_at = release["opens"] + timedelta(seconds=int(span * rng.random() ** 0.35))
        status = rng.choices(("paid", "refunded", "cancelled"), (93, 2, 5))[0]
        if status != "cancelled":
            seats -= size
        unit = price_at(schedule, held_at)
        sales.append({"release": release, "person": rng.choice(people), "size": size,
                      "status": status, "held_at": held_at, "unit": unit,
                      "discount": discount_percent_at(schedule, held_at),
                      "paid_at": held_at + timedelta(seconds=rng.randint(40, 200)),
                      "id": f"{rng.getrandbits(96):024x}", "hold": f"{rng.getrandbits(96):024x}"})
    return sales


def _settle(sales: list[dict], releases: list[dict]) -> None:
    """Sold counters from the paid orders; new_to_venue from each buyer's first purchase."""
    seen = set()
    for sale in sorted(sales, key=lambda s: s["paid_at"]):
        sale["new"] = None
        if sale["status"] == "paid":
            sale["release"]["sold"] += sale["size"]
            key = (sale["person"][0], sale["release"]["venue_id"])
            sale["new"] = key not in seen
            seen.add(key)


def _insert(conn, performances, releases, sales, now) -> dict[str, int]:
    counts = {"performances": _copy(
        conn, "performances", ("id", "show_id", "venue_id", "starts_at", "status", "created_at"),
        ([p[0], p[1], p[2], p[3], "scheduled", p[3] - timedelta(days=20)] for p in performances))}
    counts["releases"] = _copy(conn, "releases", (
        "id", "performance_id", "venue_id", "category", "face_price_cents", "quantity", "sold",
        "held", "start_discount", "max_discount", "curve", "sales_open_at", "max_discount_at",
        "sales_close_at", "max_per_order", "status", "created_at", "updated_at"), (
        [r["id"], r["performance_id"], r["venue_id"], "Placement libre", r["face"],
         r["quantity"], r["sold"], 0, r["d0"], r["d1"], "linear", r["opens"], r["deepest"],
         r["starts_at"], 6, "closed", r["opens"], r["starts_at"]] for r in releases))
    counts["holds"] = _copy(conn, "holds", (
        "id", "release_id", "quantity", "unit_price_cents", "status", "created_at",
        "expires_at", "ended_at"), (
        [s["hold"], s["release"]["id"], s["size"], s["unit"],
         "expired" if s["status"] == "cancelled" else "converted", s["held_at"],
         s["held_at"] + timedelta(minutes=10), s["paid_at"]] for s in sales))
    counts["orders"] = _copy(conn, "orders", (
        "id", "hold_id", "release_id", "venue_id", "status", "quantity", "unit_price_cents",
        "total_cents", "face_price_cents", "discount_percent", "buyer_email", "buyer_name",
        "buyer_postcode", "buyer_birth_year", "marketing_consent", "token_hash", "locale",
        "payment_provider", "new_to_venue", "created_at", "paid_at", "cancelled_at",
        "refunded_at"), (
        [s["id"], s["hold"], s["release"]["id"], s["release"]["venue_id"], s["status"],
         s["size"], s["unit"], s["size"] * s["unit"], s["release"]["face"], s["discount"],
         *s["person"], False, "0" * 64, "fr", "demo", s["new"], s["held_at"],
         None if s["status"] == "cancelled" else s["paid_at"],
         s["held_at"] + timedelta(minutes=10) if s["status"] == "cancelled" else None,
         s["paid_at"] + timedelta(days=1) if s["status"] == "refunded" else None]
        for s in sales))
    paid = [s for s in sales if s["status"] != "cancelled"]
    counts["tickets"] = _copy(conn, "tickets", ("order_id", "code"), (
        [s["id"], f"{s['id']}{n}"] for s in paid for n in range(s["size"])))
    counts["payments"] = _copy(conn, "payments", (
        "order_id", "kind", "amount_cents", "provider", "created_at"), (
        [s["id"], kind, s["size"] * s["unit"], "demo", s["paid_at"]]
        for s in paid for kind in (("charge", "refund") if s["status"] == "refunded"
                                   else ("charge",))))
    return counts


# Timing ---------------------------------------------------------------------------------------


def percentile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def dashboard_queries(locate) -> dict:
    from marketplace.domain.uptake.queries import region_totals, uptake
    from marketplace.domain.uptake.territories import buyer_territories
    from marketplace.domain.uptake.timeline import sales_over_time
    from marketplace.domain.uptake.timing import purchase_timing

    queries = {
        "headline, this period": lambda s, p: region_totals(s, p.start, p.end, locate),
        "headline, period before": lambda s, p: region_totals(
            s, p.previous().start, p.previous().end, locate),
    }
    for group_by in ("venue", "discipline", "week", "postcode_area"):
        queries[f"table by {group_by}"] = (
            lambda s, p, g=group_by: uptake(s, p.start, p.end, g, locate))
    queries["sales over time"] = lambda s, p: sales_over_time(s, p.start, p.end)
    queries["purchase timing"] = lambda s, p: purchase_timing(s, p.start, p.end)
    queries["buyers' territories"] = lambda s, p: buyer_territories(s, p.start, p.end)
    return queries


def measure(url: str, runs: int) -> list[tuple[str, str, float, float]]:
    from marketplace import create_app
    from marketplace.domain.uptake.periods import Period, paris_today
    from marketplace.domain.uptake.queries import region_postcode_locator
    from marketplace.extensions import db
    from tests.factories import StaffFactory, log_in

    app = create_app({"SQLALCHEMY_DATABASE_URI": url.replace("postgresql://",
                                                             "postgresql+psycopg://"),
                      "RATELIMIT_ENABLED": False, "WTF_CSRF_ENABLED": False, "TESTING": True})
    today = paris_today()
    periods = {"30 days": Period(today - timedelta(days=29), today),
               "90 days": Period(today - timedelta(days=89), today),
               "season": Period(today - timedelta(days=SEASON_DAYS), today)}
    results = []
    with app.app_context():
        locate = region_postcode_locator(db.session)
        for query, run in dashboard_queries(locate).items():
            for label, period in periods.items():
                def once(run=run, period=period):
                    run(db.session, period)
                results.append((query, label, *_time(once, runs)))
                db.session.rollback()
        agent = StaffFactory(agency_role="staff", email="bench@agence.example")
        db.session.commit()
        client = app.test_client()
        log_in(client, agent)
        for label, days in (("30 days", 30), ("90 days", 90)):
            def page(days=days):
                assert client.get(f"/agency/?days={days}").status_code == 200
            results.append(("whole page /agency/", label, *_time(page, max(5, runs // 2))))
        db.session.delete(agent)
        db.session.commit()
    return results


def _time(run, runs: int) -> tuple[float, float]:
    run()  # warm: plans cached, pages in memory
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        run()
        timings.append((time.perf_counter() - started) * 1000)
    return percentile(timings, 50), percentile(timings, 95)


def main() -> None:
    args = parse_args()
    url = f"{args.pg}/{DATABASE}"
    if not args.reuse:
        env = os.environ | {"DATABASE_URL": url, "RATELIMIT_ENABLED": "0", "SECRET_KEY": "bench"}
        fresh_database(args.pg, DATABASE)
        flask_cli(env, "db", "upgrade")
        started = time.perf_counter()
        flask_cli(env, "demo", "seed", "--scale", str(args.scale))
        print(f"demo seed --scale {args.scale}: {time.perf_counter() - started:.0f} s")
        started = time.perf_counter()
        counts = fill_season(url, args.tickets, datetime.now(UTC))
        print(f"a season of sales ({SEASON_DAYS} days) in {time.perf_counter() - started:.0f} s: "
              + ", ".join(f"{n:,} {table}" for table, n in counts.items()))
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")
    with psycopg.connect(url) as conn:
        orders, tickets, venues = conn.execute(
            "SELECT (SELECT count(*) FROM orders WHERE status = 'paid'), "
            "(SELECT count(*) FROM tickets), (SELECT count(*) FROM venues)").fetchone()
    print(f"database: {venues:,} venues, {orders:,} paid orders, {tickets:,} tickets")
    print(f"\n{'query':<28} {'period':<9} {'p50 ms':>8} {'p95 ms':>8}")
    worst = 0.0
    for query, period, p50, p95 in measure(url, args.runs):
        mark = "" if query.startswith("whole") or p95 <= P95_AIM_MS else "  > aim"
        if not query.startswith("whole"):
            worst = max(worst, p95)
        print(f"{query:<28} {period:<9} {p50:8.1f} {p95:8.1f}{mark}")
    print(f"\nslowest query p95: {worst:.0f} ms (aim: at most {P95_AIM_MS} ms)")


if __name__ == "__main__":
    main()
