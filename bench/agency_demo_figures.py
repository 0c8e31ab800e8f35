"""The agency's figures on the demo region: the venue rows and the headline, for 7 and 30 days.

Seeds the demo region (`demo seed`) into a fresh SQLite file as of a fixed instant, then
prints what GET /agency/uptake?group_by=venue and the dashboard's headline say for the
last 7 and 30 days, so that a change of definition can be read before and after.

    .venv/bin/python bench/agency_demo_figures.py [--now 2026-11-20T16:00:00+00:00]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--now", default="2026-11-20T16:00:00+00:00")
    args = parser.parse_args()
    now = datetime.fromisoformat(args.now)

    from marketplace import create_app
    from marketplace.demo.seed import seed_demo
    from marketplace.domain.timeutil import to_paris
    from marketplace.domain.uptake.queries import region_postcode_locator, region_totals, uptake
    from marketplace.extensions import db

    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"TESTING": True, "SECRET_KEY": "figures", "REDIS_URL": None,
                          "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/demo.sqlite",
                          "RATELIMIT_STORAGE_URI": "memory://", "PAYMENT_PROVIDER": "demo"})
        with app.app_context():
            db.create_all()
            seed_demo(db.session, now=now)
            db.session.commit()
            locate = region_postcode_locator(db.session)
            end = to_paris(now).date()
            for days in (7, 30):
                start = end - timedelta(days=days - 1)
                print(f"\n== {days} days: {start} .. {end} ==")
                print(f"{'venue':28} {'released':>8} {'sold':>6} {'fill':>7} {'new':>7} "
                      f"{'<30':>7} {'buyers':>6}")
                rows = uptake(db.session, start, end, "venue", locate)
                for row in [*rows, region_totals(db.session, start, end, locate)]:
                    print(f"{row.group[:28]:28} {row.released:8} {row.sold:6} "
                          f"{_pct(row.sell_through):>7} {_pct(row.new_to_venue_share):>7} "
                          f"{_pct(row.under_30_share):>7} {row.buyers:6}")
                for group_by in ("discipline", "week", "postcode_area"):
                    worst = max((r.sell_through or 0, r.group) for r in uptake(
                        db.session, start, end, group_by, locate))
                    print(f"  highest fill rate by {group_by}: {worst[1]} {_pct(worst[0])}")


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


if __name__ == "__main__":
    main()
