"""Sales the demo pretends happened before seeding: holds, paid orders, tickets, payments.

Pure: produces plain rows for bulk inserts. Prices follow the pricing module at the time of
purchase (the hold locks the price, the payment confirms a few minutes later at that price).
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from marketplace.demo.people import Audience
from marketplace.demo.plan import ReleaseSpec
from marketplace.domain.accounts.models import hash_token
from marketplace.domain.inventory.models import new_public_id
from marketplace.domain.orders.models import new_ticket_code
from marketplace.domain.orders.short_codes import new_short_code
from marketplace.domain.pricing import PriceSchedule, discount_percent_at, next_drop, price_at

HOLD_TTL = timedelta(seconds=600)
PROVIDER = "demo"
_ORDER_SIZES = (1, 2, 3, 4, 5, 6)
_ORDER_SIZE_WEIGHTS = (30, 45, 12, 9, 2, 2)


@dataclass(frozen=True)
class SaleContext:
    """Where a release is sold: what the rows need to know besides the release itself."""

    release_id: int
    venue_id: int
    venue_name: str
    venue_lat: float
    venue_lng: float
    starts_at: datetime
    discipline: str
    door_staff_id: int | None  # who scans tickets at the door


@dataclass
class SalesRows:
    holds: list[dict] = field(default_factory=list)
    orders: list[dict] = field(default_factory=list)
    tickets: list[dict] = field(default_factory=list)
    payments: list[dict] = field(default_factory=list)
    payment_events: list[dict] = field(default_factory=list)
    order_disciplines: dict[str, str] = field(default_factory=dict)  # order id → discipline
    short_codes: set[str] = field(default_factory=set)  # drawn so far: a large seed draws many

    def new_short_code(self) -> str:
        while (code := new_short_code()) in self.short_codes:
            pass
        self.short_codes.add(code)
        return code


def consent_text(venue_name: str) -> str:
    """The wording of the newsletter box at checkout, as the buyer saw it."""
    return (f"J'accepte de recevoir par e-mail la programmation et les offres de {venue_name}. "
            "Je peux me désinscrire à tout moment.")


def seats_sold_by(spec: ReleaseSpec, rng: random.Random, anchor: datetime) -> int:
    """How many seats of a release were sold before `anchor` (a day boundary)."""
    end = min(spec.sales_close_at, anchor)
    if end <= spec.sales_open_at or spec.demand == "none":
        return 0
    # A hit sells out (or nearly) however little of its window has passed.
    if spec.demand == "sold_out":
        return spec.quantity
    if spec.demand == "nearly_sold_out" and spec.quantity > 3:
        return spec.quantity - rng.randint(1, 3)
    progress = (end - spec.sales_open_at) / (spec.sales_close_at - spec.sales_open_at)
    # Last-minute buyers: most seats go in the last part of the window.
    return min(spec.quantity, round(spec.quantity * spec.fill * progress**1.5))


def _schedule(spec: ReleaseSpec) -> PriceSchedule:
    return PriceSchedule(
        face_price_cents=spec.face_price_cents, start_discount=spec.start_discount,
        max_discount=spec.max_discount, sales_open_at=spec.sales_open_at,
        max_discount_at=spec.max_discount_at, curve=spec.curve, step_minutes=spec.step_minutes,
    )


def simulate_sales(spec: ReleaseSpec, ctx: SaleContext, *, anchor: datetime,
                   rng: random.Random, audience: Audience, rows: SalesRows) -> int:
    """Append to `rows` the sales of one release before `anchor`; return the seats sold."""
    sold = seats_sold_by(spec, rng, anchor)
    sizes = _order_sizes(rng, sold, spec.max_per_order)
    end = min(spec.sales_close_at, anchor)
    schedule = _schedule(spec)
    for size, held_at in zip(sizes, _purchase_times(rng, spec.sales_open_at, end, len(sizes)),
                             strict=True):
        _paid_order(rows, rng, ctx, schedule, audience.pick(rng, ctx.venue_lat, ctx.venue_lng),
                    size, held_at, anchor)
    if sold and rng.random() < 0.15:  # someone who held seats and never paid
        held_at = _purchase_times(rng, spec.sales_open_at, end, 1)[0]
        _abandoned_order(rows, rng, ctx, schedule, audience.pick(rng, ctx.venue_lat,
                                                                 ctx.venue_lng), held_at)
    return sold


def _order_sizes(rng: random.Random, seats: int, max_per_order: int) -> list[int]:
    sizes = []
    while seats > 0:
        size = min(seats, max_per_order, rng.choices(_ORDER_SIZES, _ORDER_SIZE_WEIGHTS)[0])
        sizes.append(size)
        seats -= size
    return sizes


def _purchase_times(rng: random.Random, opens: datetime, end: datetime,
                    count: int) -> list[datetime]:
    """Sorted instants (whole seconds) in the window, denser towards its end."""
    span = max((end - opens) - timedelta(minutes=12), timedelta(0))
    times = (opens + span * rng.random() ** 0.5 for _ in range(count))
    return sorted(max(opens, t.replace(microsecond=0)) for t in times)


def _buyer_fields(person, ctx: SaleContext, consent: bool) -> dict:
    return {
        "buyer_email": person.email, "buyer_name": person.name,
        "buyer_postcode": person.town.postcode, "buyer_birth_year": person.birth_year,
        "marketing_consent": consent,
        "consent_text": consent_text(ctx.venue_name) if consent else None,
        "locale": person.locale,
    }


def _paid_order(rows: SalesRows, rng: random.Random, ctx: SaleContext, schedule: PriceSchedule,
                person, quantity: int, held_at: datetime, anchor: datetime) -> None:
    unit = price_at(schedule, held_at)
    paid_at = held_at + timedelta(seconds=rng.randint(60, 300))
    if price_at(schedule, paid_at) != unit:  # pay before the next drop: same price, locked
        paid_at = next_drop(schedule, held_at).at - timedelta(microseconds=1)
    order_id, hold_id = new_public_id(), new_public_id()
    reference = f"demo_{order_id}"
    rows.holds.append({
        "id": hold_id, "release_id": ctx.release_id, "quantity": quantity,
        "unit_price_cents": unit, "status": "converted", "created_at": held_at,
        "expires_at": held_at + HOLD_TTL, "ended_at": paid_at,
    })
    rows.orders.append({
        "id": order_id, "hold_id": hold_id, "release_id": ctx.release_id,
        "venue_id": ctx.venue_id, "status": "paid", "quantity": quantity,
        "unit_price_cents": unit, "total_cents": quantity * unit,
        "face_price_cents": schedule.face_price_cents,
        "discount_percent": discount_percent_at(schedule, held_at),
        **_buyer_fields(person, ctx, rng.random() < person.consent_rate),
        "token_hash": hash_token(secrets.token_urlsafe(32)), "payment_provider": PROVIDER,
        "payment_reference": reference, "new_to_venue": None,
        "created_at": held_at + timedelta(seconds=30), "paid_at": paid_at,
        "cancelled_at": None,
    })
    rows.order_disciplines[order_id] = ctx.discipline
    rows.payment_events.append({
        "provider": PROVIDER, "event_id": f"evt_{reference}", "type": "payment.succeeded",
        "order_id": order_id, "received_at": paid_at,
        "payload": {"order_id": order_id, "amount_cents": quantity * unit, "currency": "eur"},
    })
    rows.payments.append({
        "order_id": order_id, "kind": "charge", "amount_cents": quantity * unit,
        "provider": PROVIDER, "provider_reference": reference, "created_at": paid_at,
    })
    door_open = ctx.starts_at < anchor and ctx.door_staff_id is not None
    for _ in range(quantity):
        checked_in_at = None
        if door_open and rng.random() < 0.88:  # a few no-shows
            checked_in_at = ctx.starts_at - timedelta(minutes=rng.randint(3, 50),
                                                      seconds=rng.randint(0, 59))
        rows.tickets.append({
            "order_id": order_id, "code": new_ticket_code(), "short_code": rows.new_short_code(),
            "checked_in_at": checked_in_at,
            "checked_in_by_id": ctx.door_staff_id if checked_in_at else None,
        })


def _abandoned_order(rows: SalesRows, rng: random.Random, ctx: SaleContext,
                     schedule: PriceSchedule, person, held_at: datetime) -> None:
    unit = price_at(schedule, held_at)
    quantity = rng.choice((1, 2, 2, 3))
    order_id, hold_id = new_public_id(), new_public_id()
    rows.holds.append({
        "id": hold_id, "release_id": ctx.release_id, "quantity": quantity,
        "unit_price_cents": unit, "status": "expired", "created_at": held_at,
        "expires_at": held_at + HOLD_TTL, "ended_at": held_at + HOLD_TTL,
    })
    rows.orders.append({
        "id": order_id, "hold_id": hold_id, "release_id": ctx.release_id,
        "venue_id": ctx.venue_id, "status": "cancelled", "quantity": quantity,
        "unit_price_cents": unit, "total_cents": quantity * unit,
        "face_price_cents": schedule.face_price_cents,
        "discount_percent": discount_percent_at(schedule, held_at),
        **_buyer_fields(person, ctx, False),
        "token_hash": hash_token(secrets.token_urlsafe(32)), "payment_provider": PROVIDER,
        "payment_reference": None, "new_to_venue": None,
        "created_at": held_at + timedelta(seconds=30), "paid_at": None,
        "cancelled_at": held_at + HOLD_TTL,
    })
