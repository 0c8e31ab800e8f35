"""What the waiting line costs a hold given back: p95 of DELETE /holds/{id}, empty line vs 1,000.

Builds the app in this process (its WSGI stack, through werkzeug's test client: routing,
the view, the service, the commit, the e-mails sent after it to the outbox), one offer of
`--deletes` seats all held one by one, then times DELETE /api/v1/holds/{id} for each:

- with nobody in line (the hook's one indexed read finds nobody: seats back on sale);
- with 1,000 entries waiting (1,000 + deletes joined, one seat each): every DELETE holds
  the seat for the first in line, writes its hold, marks it offered and writes its
  e-mail, in the same transaction as the give-back, then delivers the e-mail (outbox);
- the same without the e-mail, to tell the line's statements from the e-mail's cost.

    .venv/bin/python bench/waitlist.py                       # SQLite, in a temporary file
    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/kiosque_bench \\
        .venv/bin/python bench/waitlist.py                   # PostgreSQL (tables recreated)

Prints p50/p95 of each case and the ratio of the p95s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select  # noqa: E402

from marketplace import create_app  # noqa: E402
from marketplace.domain.inventory import line as line_module  # noqa: E402
from marketplace.domain.inventory.line import listen_for_offers  # noqa: E402
from marketplace.domain.models import (  # noqa: E402
    Performance,
    Release,
    Show,
    Venue,
    WaitlistEntry,
)
from marketplace.extensions import db  # noqa: E402

WAITING = 1000


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--deletes", type=int, default=300, help="holds given back per case")
    return parser.parse_args()


def build_app(url: str):
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": True,
                      "RATELIMIT_ENABLED": False, "REDIS_URL": None,
                      "RATELIMIT_STORAGE_URI": "memory://", "SMTP_URL": None,
                      "BASE_URL": "http://kiosque.bench", "PAYMENT_PROVIDER": "demo"})
    with app.app_context():
        db.drop_all()
        db.create_all()
    return app


def an_offer(seats: int, now: datetime, tag: str) -> int:
    venue = Venue(slug=f"bench-{tag}", name=f"Bench {tag}", city="Marseille",
                  postcode="13002", lat=43.3, lng=5.37, status="active")
    show = Show(venue=venue, title=f"Bench {tag}", discipline="theatre")
    performance = Performance(show=show, venue=venue, starts_at=now + timedelta(days=1),
                              status="scheduled")
    db.session.add_all([venue, show, performance])
    db.session.flush()
    release_id = db.session.execute(insert(Release).values(
        performance_id=performance.id, venue_id=venue.id, category="Placement libre",
        face_price_cents=3000, quantity=seats, sold=0, held=0, start_discount=25,
        max_discount=80, curve="linear", sales_open_at=now - timedelta(hours=1),
        max_discount_at=now + timedelta(hours=23), sales_close_at=now + timedelta(days=1),
        max_per_order=6, status="open", created_at=now, updated_at=now)
        .returning(Release.id)).scalar_one()
    db.session.commit()
    return release_id


def one_case(app, deletes: int, waiting: int, tag: str) -> list[float]:
    """Times of DELETE /holds/{id} for `deletes` holds of one offer with `waiting` in line."""
    client = app.test_client()
    now = datetime.now(UTC)
    with app.app_context():
        offer_id = an_offer(deletes, now, tag)
    holds = []
    for _ in range(deletes):
        answer = client.post("/api/v1/holds", json={"offer_id": offer_id, "quantity": 1})
        assert answer.status_code == 201, answer.json
        holds.append(answer.json["hold_id"])
    if waiting:
        with app.app_context():
            db.session.execute(insert(WaitlistEntry), [
                {"release_id": offer_id, "email": f"file{n}@example.org", "quantity": 1,
                 "locale": "fr", "status": "waiting",
                 "joined_at": now - timedelta(minutes=30) + timedelta(milliseconds=n)}
                for n in range(waiting + deletes)])
            db.session.commit()
    times = []
    for hold_id in holds:
        started = time.perf_counter()
        answer = client.delete(f"/api/v1/holds/{hold_id}")
        times.append(time.perf_counter() - started)
        assert answer.status_code == 204
    with app.app_context():
        offered = len(db.session.scalars(select(WaitlistEntry.id).where(
            WaitlistEntry.release_id == offer_id, WaitlistEntry.status == "offered")).all())
    assert offered == (deletes if waiting else 0), offered  # each seat went to the line
    return times


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[18]


def main() -> None:
    args = parse_args()
    url = os.environ.get("BENCH_DATABASE_URL")
    with tempfile.TemporaryDirectory() as tmp:
        if not url:
            url = f"sqlite:///{tmp}/bench-waitlist.sqlite"
        elif url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
        app = build_app(url)
        one_case(app, 20, 0, "warm")  # imports, templates, connections
        empty = one_case(app, args.deletes, 0, "empty")
        line = one_case(app, args.deletes, WAITING, "line")
        # The same without the offer's e-mail (rendered in the transaction, delivered to
        # the outbox after the commit): what the line's own statements cost.
        listener = line_module._listener[:]
        listen_for_offers(None)
        quiet = one_case(app, args.deletes, WAITING, "quiet")
        line_module._listener[:] = listener
    database = url.split(":", 1)[0].split("+")[0]
    print(f"DELETE /api/v1/holds/{{id}} on {database}, {args.deletes} holds given back per case")
    cases = (("empty line", empty), (f"{WAITING:,} waiting", line),
             (f"{WAITING:,} waiting, no e-mail", quiet))
    for name, times in cases:
        print(f"  {name:>24}: p50 {statistics.median(times) * 1000:6.2f} ms   "
              f"p95 {p95(times) * 1000:6.2f} ms")
    print(f"  p95 ratio (1,000 waiting / empty line): {p95(line) / p95(empty):.2f}"
          f" (without the e-mail: {p95(quiet) / p95(empty):.2f})")


if __name__ == "__main__":
    main()
