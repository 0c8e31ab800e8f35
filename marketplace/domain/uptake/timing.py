"""When people buy: the sales of the period's performances by hours between payment and
curtain (a histogram)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from marketplace.domain.catalog.models import Performance
from marketplace.domain.inventory.models import Release
from marketplace.domain.orders.models import Order
from marketplace.domain.uptake.sales import paid_orders
from marketplace.domain.uptake.sql import bucket_of, roomy, seconds_between

# Where each bar starts, in hours before curtain; the first bar also takes the rare
# purchase made after curtain (a release may close after it), the last has no end.
BUCKET_STARTS_HOURS = (0, 1, 2, 3, 6, 12, 24, 48, 72, 168)


@dataclass
class TimingBucket:
    from_hours: int
    to_hours: int | None  # None: and more
    orders: int = 0
    seats: int = 0


def purchase_timing(session: Session, start: date, end: date) -> list[TimingBucket]:
    """Every bucket of BUCKET_STARTS_HOURS with the paid orders (and seats) of the period."""
    roomy(session)
    buckets = [TimingBucket(hours, nxt) for hours, nxt in
               zip(BUCKET_STARTS_HOURS, (*BUCKET_STARTS_HOURS[1:], None), strict=True)]
    before = seconds_between(Performance.starts_at, Order.paid_at)
    index = bucket_of(before, [(hours * 3600, n) for n, hours in enumerate(BUCKET_STARTS_HOURS)])
    statement = (select(index.label("bucket"), func.count(Order.id), func.sum(Order.quantity))
                 .select_from(Order).join(Release, Release.id == Order.release_id)
                 .join(Performance, Performance.id == Release.performance_id)
                 .where(*paid_orders(start, end)).group_by(index))
    for bucket, orders, seats in session.execute(statement):
        buckets[int(bucket)].orders = int(orders)
        buckets[int(bucket)].seats = int(seats)
    return buckets
