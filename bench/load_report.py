"""The figures of a load run, as tables, and the list of what failed."""

from __future__ import annotations

import statistics

from bench.load_redis import PrivateRedis
from bench.load_traffic import BUSINESS, Answer, Run, by_route


def percentiles(values: list[float]) -> tuple[float, float, float]:
    if len(values) < 2:
        value = values[0] if values else float("nan")
        return value, value, value
    cut = statistics.quantiles(values, n=100, method="inclusive")
    return cut[49], cut[94], cut[98]


def is_error(run: Run, answer: Answer) -> bool:
    """No answer, a 5xx, or a status the route should not give (a 429 included)."""
    return not (run.expected(answer.route, answer.status)
                or answer.status in BUSINESS.get(answer.route, ()))


def print_routes(run: Run, elapsed: float) -> list[str]:
    """The per-route table; returns the failures (any error at all)."""
    answers = run.answers
    print(f"\n{len(answers)} requests in {elapsed:.1f} s: {len(answers) / elapsed:.1f} "
          f"requests per second; {len(run.purchases)} purchases completed "
          f"({sum(seats for *_, seats in run.purchases)} seats), "
          f"{len(run.purchases) / elapsed:.2f} per second")
    print(f"\n{'route':<42} {'count':>6} {'per s':>6} {'p50 ms':>7} {'p95 ms':>7} "
          f"{'p99 ms':>7} {'max ms':>7} {'business':>8} {'errors':>6}")
    errors = server_errors = 0
    for route, found in sorted(by_route(answers).items()):
        p50, p95, p99 = percentiles([a.ms for a in found])
        business = sum(1 for a in found if a.status in BUSINESS.get(route, ()))
        failed = [a for a in found if is_error(run, a)]
        errors += len(failed)
        server_errors += sum(1 for a in failed if a.status >= 500)
        print(f"{route:<42} {len(found):>6} {len(found) / elapsed:>6.1f} {p50:>7.1f} "
              f"{p95:>7.1f} {p99:>7.1f} {max(a.ms for a in found):>7.1f} {business:>8} "
              f"{len(failed):>6}")
    statuses: dict[str, dict[str, int]] = {}
    for answer in answers:
        if is_error(run, answer) or answer.status in BUSINESS.get(answer.route, ()):
            counts = statuses.setdefault(answer.route, {})
            key = f"{answer.status} {answer.code}".strip()
            counts[key] = counts.get(key, 0) + 1
    for route, counts in sorted(statuses.items()):
        print(f"  {route}: other than success: "
              + ", ".join(f"{key} ×{n}" for key, n in sorted(counts.items())))
    rate = errors / len(answers) if answers else 0
    print(f"errors: {errors} ({rate:.3%}), of which 5xx: {server_errors} "
          f"(status 0 = no HTTP answer)")
    return [f"{errors} errors"] if errors else []


def print_outage(run: Run, server: PrivateRedis, health: list[tuple[float, str]]
                 ) -> list[str]:
    """Before, during and after the outage; returns what the outage broke."""
    events = server.events
    down, up = events.get("down"), events.get("up")
    if down is None or up is None:
        return ["the outage did not happen within the run (raise --seconds)"]
    print(f"\nRedis outage: broken at {down:.1f} s, mended at {up:.1f} s; keys the app had "
          f"written before: {events['keys before the outage']}")
    back = events.get("app back on Redis")
    print(f"the app wrote new keys to Redis again at "
          f"{f'{back:.1f} s ({back - up:.1f} s after it came back)' if back else 'NEVER'}; "
          f"keys at the end: {events.get('keys at the end', 0)}")
    phases = (("before", 0, down), ("during", down, up), ("after", up, float("inf")))
    print(f"{'phase':<8} {'requests':>8} {'5xx':>5} {'errors':>6} {'purchases':>9} "
          f"{'hold p95 ms':>11} {'max ms':>7}  /healthz said redis=")
    failures = []
    for name, start, end in phases:
        found = [a for a in run.answers if start <= a.at < end]
        holds = [a.ms for a in found if a.route == "POST /api/v1/holds"]
        bought = sum(1 for at, *_ in run.purchases if start <= at < end)
        said = sorted({status for at, status in health if start <= at < end})
        server_errors = sum(1 for a in found if a.status >= 500)
        errors = sum(1 for a in found if is_error(run, a))
        print(f"{name:<8} {len(found):>8} {server_errors:>5} {errors:>6} {bought:>9} "
              f"{percentiles(holds)[1]:>11.1f} {max((a.ms for a in found), default=0):>7.1f}"
              f"  {', '.join(said)}")
        if name == "during":
            failures += [f"{server_errors} 5xx during the outage"] if server_errors else []
            failures += [] if bought else ["no purchase completed during the outage"]
            failures += [] if "down" in said else ["/healthz never said redis=down"]
    failures += [] if events["keys before the outage"] else ["the app never used Redis"]
    failures += [] if back else ["the app did not use Redis again after it came back"]
    return failures
