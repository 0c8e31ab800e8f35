"""How many seats one client may hold at once, across every offer (a cap, not a rate).

Of one offer, a browser holds at most one order's worth (the release's `max_per_order`)
at once, however many holds it asks for, and one address at most half the offer's seats
(never less than one order's worth, never more than two): ten holds of one seat no longer
take a ten-seat show, and two colleagues behind one office connection can still each
hold an order of a larger one. Across offers, 12 seats per browser and 24 per address.

Holds are free, so without a cap one client can keep every seat of a show held, hold
after hold, ten minutes at a time. A client is known by keyed hashes (HMAC with the
app's secret, 128 bits) of its network address and, when it has one, of the random id
its browser keeps in its session cookie: never the address itself. IPv6 counts by /64,
the block one subscriber gets.

The cap counts the seats of the client's active, unexpired holds, the new one included,
inside the hold's own transaction, after its row is written. Two holds of one client
never count at the same time: on PostgreSQL each key's transaction-scoped advisory lock
(taken in key order: no deadlock) makes the second wait for the first to commit, then
read it; on SQLite the hold's INSERT already took the database's only write lock.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, or_, select, text, update
from sqlalchemy.orm import Session

from marketplace.domain.db import transaction
from marketplace.domain.errors import RateLimited
from marketplace.domain.inventory.models import Hold

# A family of six holding for two shows (12) from one browser; several people behind one
# office or family connection (24).
MAX_HELD_SEATS_PER_BROWSER = 12
MAX_HELD_SEATS_PER_NETWORK = 24
KEY_LENGTH = 32  # hex characters: 128 bits of the HMAC
# The first half of PostgreSQL's two-integer advisory lock keys: "holds of one client".
_LOCK_CLASS = 0x4B48  # "KH"


@dataclass(frozen=True)
class HoldClient:
    """Who asks for a hold, as keys, and the caps that apply to them."""

    network_key: str | None
    browser_key: str | None
    max_seats_per_network: int = MAX_HELD_SEATS_PER_NETWORK
    max_seats_per_browser: int = MAX_HELD_SEATS_PER_BROWSER


class TooManySeatsHeld(RateLimited):
    """The client already holds as many seats as it may at once (429, `too_many_seats_held`)."""

    code = "too_many_seats_held"

    def __init__(self, scope: str, cap: int, *, retry_after: int) -> None:
        if scope == "offer":
            message = ("You already have %(cap)d seats of this offer set aside, as many as one "
                       "order may take: finish or cancel that purchase first.")
        elif scope == "offer_network":
            message = ("Many seats of this offer are already set aside from your connection: "
                       "at most %(cap)d at once. Try again in a few minutes.")
        elif scope == "browser":
            message = ("You already have seats set aside that are not paid for: at most "
                       "%(cap)d at once. Finish or cancel a purchase in progress, or try again "
                       "in a few minutes.")
        else:
            message = ("Many seats are already set aside from your connection (a shared "
                       "network?): at most %(cap)d at once. Try again in a few minutes.")
        super().__init__(message, retry_after=retry_after, params={"cap": cap})
        self.scope, self.cap = scope, cap


def hold_client(secret: str, address: str | None, browser_id: str | None, *,
                max_seats_per_network: int = MAX_HELD_SEATS_PER_NETWORK,
                max_seats_per_browser: int = MAX_HELD_SEATS_PER_BROWSER) -> HoldClient:
    """The client of a request: keys of its address and its browser id (either may be None)."""
    return HoldClient(
        network_key=_key(secret, "network", network_of(address)) if address else None,
        browser_key=_key(secret, "browser", browser_id) if browser_id else None,
        max_seats_per_network=max_seats_per_network,
        max_seats_per_browser=max_seats_per_browser,
    )


def network_of(address: str) -> str:
    """What counts as one client's address: IPv4 as is, IPv6 by its /64."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def client_columns(client: HoldClient | None) -> dict[str, str | None]:
    """The hold row's client keys (none when no cap applies)."""
    if client is None:
        return {}
    return {"client_network_key": client.network_key, "client_browser_key": client.browser_key}


def per_offer_caps(max_per_order: int, quantity: int) -> dict[str, int]:
    """Seats of one offer a browser, and an address, may hold at once (see the module)."""
    return {"browser": max_per_order,
            "network": max(max_per_order, min(2 * max_per_order, quantity // 2))}


def check_client_cap(session: Session, client: HoldClient | None, now: datetime, *,
                     release_id: int | None = None,
                     offer_caps: dict[str, int] | None = None) -> None:
    """Refuse (TooManySeatsHeld) if the client's active holds, the new one included, exceed
    a cap: `offer_caps` (per_offer_caps) on the seats of `release_id`, whatever the number
    of holds, and its caps across offers. Call it in the hold's transaction, after its
    INSERT; None: no cap."""
    if client is None:
        return
    keyed = [(scope, column, key, cap) for scope, column, key, cap in (
        ("network", Hold.client_network_key, client.network_key, client.max_seats_per_network),
        ("browser", Hold.client_browser_key, client.browser_key, client.max_seats_per_browser),
    ) if key is not None]
    _lock_keys(session, sorted(key for _scope, _column, key, _cap in keyed))
    this_offer = Hold.release_id == release_id
    for scope, column, key, cap in keyed:
        # One read per key on the hold path: seats across offers and of this offer, and when
        # the soonest of each lapses (it gives seats back, sooner if paid or released).
        seats, first_end, offer_seats, offer_first_end = session.execute(
            select(func.coalesce(func.sum(Hold.quantity), 0), func.min(Hold.expires_at),
                   func.coalesce(func.sum(case((this_offer, Hold.quantity), else_=0)), 0),
                   func.min(case((this_offer, Hold.expires_at))))
            .where(column == key, Hold.status == "active", Hold.expires_at > now)
        ).one()
        if offer_caps is not None and release_id is not None \
                and offer_seats > offer_caps[scope]:
            raise TooManySeatsHeld("offer" if scope == "browser" else "offer_network",
                                   offer_caps[scope], retry_after=_seconds(offer_first_end, now))
        if seats > cap:
            raise TooManySeatsHeld(scope, cap, retry_after=_seconds(first_end, now))


def _seconds(until: datetime, now: datetime) -> int:
    return int((until - now).total_seconds()) + 1


def forget_ended_hold_clients(session: Session) -> int:
    """Clear the client keys of holds that are over; return how many (idempotent).

    The cap counts active holds only: kept any longer, the keys would only tell who came
    back, and when.
    """
    with transaction(session):
        cleared = session.execute(
            update(Hold)
            .where(Hold.status != "active",
                   or_(Hold.client_network_key.is_not(None),
                       Hold.client_browser_key.is_not(None)))
            .values(client_network_key=None, client_browser_key=None)
            .execution_options(synchronize_session=False)
        )
    return cleared.rowcount


def _key(secret: str, kind: str, value: str) -> str:
    digest = hmac.new(secret.encode(), f"{kind}:{value}".encode(), hashlib.sha256)
    return digest.hexdigest()[:KEY_LENGTH]


def _lock_keys(session: Session, keys: list[str]) -> None:
    if session.get_bind().dialect.name != "postgresql":
        return  # SQLite: the hold's INSERT holds the write lock until the commit
    for key in keys:
        # Signed 32 bits from the key's first 8 hex digits; a collision only serialises.
        number = int(key[:8], 16) - (1 << 31)
        session.execute(text("SELECT pg_advisory_xact_lock(:class, :key)"),
                        {"class": _LOCK_CLASS, "key": number})
