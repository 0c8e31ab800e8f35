"""A venue's sales: per performance, per day, since an instant (its API), and as a CSV file.

Seats come from the inventory counters (lapsed holds counted as given back), money from
paid orders. What the venue is paid is the revenue less the platform's commission,
rounded to the cent (half up) on each figure shown.
"""

from __future__ import annotations

import io
import math
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from marketplace.domain import spreadsheets as sheet
from marketplace.domain.catalog.models import Performance, Show, Venue
from marketplace.domain.inventory.models import Release, WaitlistEntry
from marketplace.domain.inventory.queries import expired_held_seats
from marketplace.domain.inventory.sale_status import (
    NOT_RELEASED,
    ON_SALE,
    performance_sale_status,
    release_sale_status,
)
from marketplace.domain.orders.models import Order
from marketplace.domain.spreadsheets import MACHINE, Column, Wording
from marketplace.domain.timeutil import PARIS, to_paris
from marketplace.domain.workbook import xlsx_bytes

MAX_PER_PAGE = 500


@dataclass(frozen=True)
class Money:
    """Revenue, the platform's commission on it, and what the venue is paid."""

    revenue_cents: int = 0
    commission_cents: int = 0
    payout_cents: int = 0

    @classmethod
    def split(cls, revenue_cents: int, commission_percent: float | int) -> Money:
        commission = math.floor(Fraction(revenue_cents) * Fraction(str(commission_percent))
                                / 100 + Fraction(1, 2))
        return cls(revenue_cents, commission, revenue_cents - commission)


@dataclass(frozen=True)
class ReleaseSales:
    release_id: int
    category: str
    status: str
    quantity: int
    sold: int
    held: int
    left: int  # seats a buyer could still take (0 once withdrawn or closed)
    face_price_cents: int
    revenue_cents: int
    waiting: int = 0  # entries in its waiting line (rule 11)
    sale_status: str = ON_SALE  # marketplace.domain.inventory.sale_status, at the report's now


@dataclass(frozen=True)
class PerformanceSales:
    performance_id: int
    show_title: str
    discipline: str
    starts_at: datetime
    status: str
    releases: list[ReleaseSales]
    orders: int
    money: Money
    sale_status: str = NOT_RELEASED  # the whole performance's, at the report's now

    @property
    def released(self) -> int:
        return sum(r.quantity for r in self.releases)

    @property
    def sold(self) -> int:
        return sum(r.sold for r in self.releases)

    @property
    def held(self) -> int:
        return sum(r.held for r in self.releases)

    @property
    def left(self) -> int:
        return sum(r.left for r in self.releases)

    @property
    def waiting(self) -> int:
        """How many people wait in line for seats of this performance."""
        return sum(r.waiting for r in self.releases)


@dataclass(frozen=True)
class DaySales:
    day: date  # in Europe/Paris
    orders: int
    seats: int
    money: Money


@dataclass(frozen=True)
class SalesReport:
    performances: list[PerformanceSales]
    days: list[DaySales]
    totals: DaySales | None = None  # every paid order of the period (day = first day)


@dataclass(frozen=True)
class Sale:
    """One order as the venue's system pulls it: the buyer is the venue's own customer."""

    order_id: str
    performance_id: int
    release_id: int
    status: str
    quantity: int
    unit_price_cents: int
    total_cents: int
    face_price_cents: int
    discount_percent: int
    paid_at: datetime
    refunded_at: datetime | None
    cancelled_at: datetime | None
    buyer: dict
    tickets: list[dict] = field(default_factory=list)


@dataclass(frozen=True)
class SalesPage:
    sales: list[Sale]
    page: int
    per_page: int
    next_page: int | None


def paris_days(first: date, last: date) -> tuple[datetime, datetime]:
    """The instants [start, end) covering the Paris days `first` to `last` included."""
    start = datetime.combine(first, time(0, 0), tzinfo=PARIS)
    end = datetime.combine(last + timedelta(days=1), time(0, 0), tzinfo=PARIS)
    return start.astimezone(UTC), end.astimezone(UTC)


def performance_sales(session: Session, venue: Venue, *, start: datetime, end: datetime,
                      now: datetime, commission_percent: float) -> list[PerformanceSales]:
    """Every performance of the venue starting in [start, end), with its seats and money."""
    performances = session.execute(
        select(Performance.id, Performance.starts_at, Performance.status, Show.title,
               Show.discipline)
        .join(Show, Show.id == Performance.show_id)
        .where(Performance.venue_id == venue.id, Performance.starts_at >= start,
               Performance.starts_at < end)
        .order_by(Performance.starts_at, Performance.id)).all()
    ids = [p.id for p in performances]
    releases = _release_rows(session, ids, now) if ids else []
    revenue = _revenue_by_release(session, [r.id for r in releases])
    by_performance: dict[int, list[ReleaseSales]] = defaultdict(list)
    left_by_release: dict[int, int] = {}
    rows_by_performance: dict[int, list] = defaultdict(list)
    starts = {p.id: p for p in performances}
    for r in releases:
        rows_by_performance[r.performance_id].append(r)
        held = r.held - r.lapsed
        left = r.quantity - r.sold - held if r.status == "open" else 0
        left_by_release[r.id] = left
        by_performance[r.performance_id].append(ReleaseSales(
            release_id=r.id, category=r.category, status=r.status, quantity=r.quantity,
            sold=r.sold, held=held, left=left,
            face_price_cents=r.face_price_cents, revenue_cents=revenue[r.id][1],
            sale_status=release_sale_status(starts[r.performance_id], r, now,
                                            seats_left=left),
            waiting=r.waiting))
    return [PerformanceSales(
        performance_id=p.id, show_title=p.title, discipline=p.discipline,
        starts_at=p.starts_at, status=p.status, releases=by_performance[p.id],
        orders=sum(revenue[r.release_id][0] for r in by_performance[p.id]),
        money=Money.split(sum(r.revenue_cents for r in by_performance[p.id]),
                          commission_percent),
        sale_status=performance_sale_status(
            p, rows_by_performance[p.id], now,
            seats_left=left_by_release),
    ) for p in performances]


def daily_sales(session: Session, venue: Venue, *, start: datetime, end: datetime,
                commission_percent: float) -> list[DaySales]:
    """Paid orders of the venue paid in [start, end), by Paris day, most recent first."""
    rows = session.execute(
        select(Order.paid_at, Order.quantity, Order.total_cents)
        .where(Order.venue_id == venue.id, Order.status == "paid",
               Order.paid_at >= start, Order.paid_at < end)).all()
    days: dict[date, list[int]] = defaultdict(lambda: [0, 0, 0])
    for paid_at, quantity, total in rows:
        figures = days[to_paris(paid_at).date()]
        figures[0] += 1
        figures[1] += quantity
        figures[2] += total
    return [DaySales(day=day, orders=o, seats=s, money=Money.split(t, commission_percent))
            for day, (o, s, t) in sorted(days.items(), reverse=True)]


def total_of(days: Iterable[DaySales], commission_percent: float) -> DaySales | None:
    """The days added up (commission computed once on the total)."""
    days = list(days)
    if not days:
        return None
    return DaySales(day=min(d.day for d in days), orders=sum(d.orders for d in days),
                    seats=sum(d.seats for d in days),
                    money=Money.split(sum(d.money.revenue_cents for d in days),
                                      commission_percent))


def sales_since(session: Session, venue: Venue, since: datetime | None, *, page: int = 1,
                per_page: int = 100) -> SalesPage:
    """The venue's orders paid, refunded or cancelled at or after `since`, oldest payment first.

    An order refunded later shows up again with its new status, so a system that pulls
    with the time of its last pull sees every change.
    """
    page, per_page = max(1, page), min(max(1, per_page), MAX_PER_PAGE)
    query = (select(Order).options(selectinload(Order.tickets), selectinload(Order.release))
             .where(Order.venue_id == venue.id, Order.paid_at.is_not(None)))
    if since is not None:
        query = query.where(or_(Order.paid_at >= since, Order.refunded_at >= since,
                                Order.cancelled_at >= since))
    orders = session.scalars(query.order_by(Order.paid_at, Order.id)
                             .offset((page - 1) * per_page).limit(per_page + 1)).all()
    more = len(orders) > per_page
    return SalesPage(sales=[_sale(o) for o in orders[:per_page]], page=page,
                     per_page=per_page, next_page=page + 1 if more else None)


def order_lines(session: Session, venue: Venue, *, start: datetime,
                end: datetime) -> list[Order]:
    """The venue's orders paid in [start, end), with their performance, oldest first."""
    return list(session.scalars(
        select(Order)
        .options(selectinload(Order.release).selectinload(Release.performance)
                 .selectinload(Performance.show))
        .where(Order.venue_id == venue.id, Order.paid_at.is_not(None),
               Order.paid_at >= start, Order.paid_at < end)
        .order_by(Order.paid_at, Order.id)))


def performance_orders(session: Session, venue: Venue, performance_id: int) -> list[Order]:
    """The venue's paid (or since refunded) orders for one performance, newest first."""
    return list(session.scalars(
        select(Order).join(Release, Release.id == Order.release_id)
        .options(selectinload(Order.tickets))
        .where(Order.venue_id == venue.id, Release.performance_id == performance_id,
               Order.paid_at.is_not(None))
        .order_by(Order.paid_at.desc(), Order.id)))


# The sales file's columns (the portal's CSV and .xlsx): keys, and what each cell holds.
SALES_COLUMNS = (
    Column("paid_at", sheet.DATETIME), Column("order"), Column("show"),
    Column("performance", sheet.DATETIME), Column("category"), Column("seats", sheet.NUMBER),
    Column("face_price", sheet.MONEY), Column("discount", sheet.PERCENT),
    Column("unit_price", sheet.MONEY), Column("total", sheet.MONEY),
    Column("commission", sheet.MONEY), Column("venue_payout", sheet.MONEY),
    Column("status", sheet.WORD), Column("buyer_name"), Column("buyer_email"),
    Column("buyer_postcode"),
)
CSV_HEADER = tuple(c.key for c in SALES_COLUMNS)


def sales_rows(orders: Iterable[Order], commission_percent: float) -> Iterator[list]:
    """One typed row per order (SALES_COLUMNS), for sales_csv and the .xlsx."""
    for order in orders:
        performance = order.release.performance
        money = Money.split(order.total_cents if order.status == "paid" else 0,
                            commission_percent)
        yield [order.paid_at, order.id, performance.show.title, performance.starts_at,
               order.release.category, order.quantity, order.face_price_cents,
               order.discount_percent, order.unit_price_cents, order.total_cents,
               money.commission_cents, money.payout_cents, order.status,
               order.buyer_name or "", order.buyer_email or "", order.buyer_postcode or ""]


def sales_csv(orders: Iterable[Order], commission_percent: float,
              wording: Wording = MACHINE) -> bytes:
    """Orders as a CSV a French spreadsheet opens cleanly: UTF-8 with BOM, `;`, decimal commas.

    `wording` gives the titles and words in the reader's language (the machine's keys and
    codes by default); dates are on Paris clocks either way."""
    out = io.StringIO()
    writer = sheet.writer(out)  # every cell inert: names, titles, references
    writer.writerow([wording.title(c) for c in SALES_COLUMNS])
    writer.writerows(sheet.csv_row(SALES_COLUMNS, row, wording)
                     for row in sales_rows(orders, commission_percent))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


# The length of a release's waiting line (no e-mail: a count).
_WAITING = (select(func.count()).select_from(WaitlistEntry)
            .where(WaitlistEntry.release_id == Release.id, WaitlistEntry.status == "waiting")
            .scalar_subquery())


def _release_rows(session: Session, performance_ids: list[int], now: datetime):
    return session.execute(
        select(Release.id, Release.performance_id, Release.category, Release.status,
               Release.quantity, Release.sold, Release.held, Release.face_price_cents,
               Release.sales_open_at, Release.sales_close_at,
               expired_held_seats(now).label("lapsed"), _WAITING.label("waiting"))
        .where(Release.performance_id.in_(performance_ids))
        .order_by(Release.performance_id, Release.id)).all()


def _revenue_by_release(session: Session, release_ids: list[int]) -> dict[int, tuple[int, int]]:
    """(paid orders, revenue in cents) per release."""
    totals: dict[int, tuple[int, int]] = defaultdict(lambda: (0, 0))
    if not release_ids:
        return totals
    for release_id, orders, revenue in session.execute(
            select(Order.release_id, func.count(), func.sum(Order.total_cents))
            .where(Order.status == "paid", Order.release_id.in_(release_ids))
            .group_by(Order.release_id)):
        totals[release_id] = (orders, int(revenue))
    return totals


def _sale(order: Order) -> Sale:
    return Sale(
        order_id=order.id, performance_id=order.release.performance_id,
        release_id=order.release_id, status=order.status, quantity=order.quantity,
        unit_price_cents=order.unit_price_cents, total_cents=order.total_cents,
        face_price_cents=order.face_price_cents, discount_percent=order.discount_percent,
        paid_at=order.paid_at, refunded_at=order.refunded_at, cancelled_at=order.cancelled_at,
        buyer={"name": order.buyer_name, "email": order.buyer_email,
               "postcode": order.buyer_postcode},
        tickets=[{"code": t.code, "checked_in_at": t.checked_in_at} for t in order.tickets],
    )



def sales_xlsx(orders: Iterable[Order], commission_percent: float,
               wording: Wording = MACHINE, *, sheet: str = "Sales") -> bytes:
    """The sales file as an .xlsx workbook: typed cells (references as text, real dates)."""
    return xlsx_bytes(SALES_COLUMNS, sales_rows(orders, commission_percent), wording,
                      sheet=sheet)
