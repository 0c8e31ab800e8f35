"""Where a performance, or one release of it, stands for sales at an instant.

The stored statuses say only what someone decided (a performance is `scheduled` or
`cancelled`; a release is `open`, `withdrawn` or `closed`): time does the rest. A release
still `open` a week after its curtain is not on sale, and staff must never read it so.
These functions are the one place that turns (performance, release, now) into the word
shown on the portal's lists; they take plain attributes, so any row or model will do.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Protocol

# The statuses, most final first. Labels are the portal's business (venues_portal.labels).
CANCELLED = "cancelled"      # the performance was cancelled
ENDED = "ended"              # curtain time has passed
WITHDRAWN = "withdrawn"      # the venue took the seats back
SOLD_OUT = "sold_out"        # every seat sold or being bought, sales still open
SALES_CLOSED = "sales_closed"  # the release's window is over (or closed) before curtain
UPCOMING = "upcoming"        # the release opens later
ON_SALE = "on_sale"          # a buyer could take a seat now
NOT_RELEASED = "not_released"  # a performance with no release at all

# When a performance has several releases, the one most useful to staff speaks for it.
_PERFORMANCE_PRIORITY = (ON_SALE, UPCOMING, SOLD_OUT, SALES_CLOSED, WITHDRAWN)


class PerformanceLike(Protocol):
    status: str
    starts_at: datetime


class ReleaseLike(Protocol):
    status: str
    sales_open_at: datetime
    sales_close_at: datetime
    quantity: int
    sold: int


def release_sale_status(performance: PerformanceLike, release: ReleaseLike, now: datetime,
                        *, seats_left: int | None = None) -> str:
    """The status of one release of `performance` at `now`.

    `seats_left` is what a buyer could still take (lapsed holds given back); without it,
    only sold seats count, so a release with holds about to lapse is not called sold out.
    """
    if performance.status == CANCELLED:
        return CANCELLED
    if now >= performance.starts_at:
        return ENDED
    if release.status == "withdrawn":
        return WITHDRAWN
    if release.status == "closed" or now >= release.sales_close_at:
        return SALES_CLOSED
    left = release.quantity - release.sold if seats_left is None else seats_left
    if left <= 0:
        return SOLD_OUT
    if now < release.sales_open_at:
        return UPCOMING
    return ON_SALE


def performance_sale_status(performance: PerformanceLike, releases: Iterable[ReleaseLike],
                            now: datetime, *, seats_left: dict[int, int] | None = None) -> str:
    """The status of the performance as a whole: on sale if any release is, and so on.

    `seats_left` maps a release's id to the seats a buyer could still take."""
    if performance.status == CANCELLED:
        return CANCELLED
    if now >= performance.starts_at:
        return ENDED
    found = {release_sale_status(performance, r, now,
                                 seats_left=(seats_left or {}).get(getattr(r, "id", None)))
             for r in releases}
    return next((status for status in _PERFORMANCE_PRIORITY if status in found), NOT_RELEASED)


def is_selling(status: str) -> bool:
    """Whether a buyer can take a seat under this status (the only "live" one)."""
    return status == ON_SALE
