"""A buyer that behaves like a real client under faults, and the ledger checks after them.

The buyer goes hold → checkout → demo confirmation over HTTP. When a step fails it does
what a phone would: the same confirmation again (it is idempotent), the same checkout
again, or a new hold when its hold or order is lost. Every answer is recorded, so a test
can assert that none was a 500 and that every failure was a clean JSON error.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import psycopg

# What a refused request may answer: the database went away (503) or the step was
# already done by a request whose answer was lost (409, e.g. a confirmation already made).
CLEAN_FAILURES = {409, 503}


@dataclass
class Ledger:
    """Every answer the buyers got, and the orders they saw confirmed."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    statuses: Counter = field(default_factory=Counter)
    bad_answers: list[str] = field(default_factory=list)
    transport_errors: int = 0
    confirmed: dict[str, int] = field(default_factory=dict)  # order id → seats

    def answer(self, step: str, status: int, body: dict | None) -> None:
        with self.lock:
            self.statuses[(step, status)] += 1
            if status >= 500 and status != 503 or status == 503 and not _clean(body):
                self.bad_answers.append(f"{step}: {status} {body}")


def _clean(body: dict | None) -> bool:
    """The JSON error shape of DESIGN.md rule 7."""
    return isinstance(body, dict) and isinstance(body.get("error"), str) \
        and isinstance(body.get("message"), str)


def post(url: str, body: dict | None = None, timeout: float = 30) -> tuple[int, dict | None]:
    """POST JSON; (status, JSON body or None). A dropped connection is status 0."""
    data = json.dumps(body).encode() if body is not None else b""
    request = urllib.request.Request(url, data=data, method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, _json(response.read())
    except urllib.error.HTTPError as error:
        return error.code, _json(error.read())
    except (urllib.error.URLError, http.client.HTTPException, ConnectionError, TimeoutError):
        return 0, None


def _json(payload: bytes) -> dict | None:
    try:
        return json.loads(payload) if payload else None
    except ValueError:
        return None


@dataclass
class Buyer:
    base: str
    offer_id: int
    name: str
    ledger: Ledger
    quantity: int = 2
    patience: int = 200  # attempts per step before giving up on one purchase

    def buy(self, n: int) -> str | None:
        """One purchase, retried through faults; the paid order's id, or None."""
        for _ in range(self.patience):
            hold_id = self._hold()
            if hold_id is None:
                continue
            checked_out = self._checkout(hold_id, f"{self.name}.{n}@example.org")
            if checked_out is None:
                continue  # the hold (or its order) is lost to us: start again
            order_id, token = checked_out
            if self._confirm(order_id, token):
                return order_id
        return None

    def _step(self, step: str, url: str, body: dict | None = None) -> tuple[int, dict | None]:
        status, answer = post(url, body)
        if status == 0:
            with self.ledger.lock:
                self.ledger.transport_errors += 1
                self.ledger.statuses[(step, 0)] += 1  # cut: no answer at all
        else:
            self.ledger.answer(step, status, answer)
        return status, answer

    def _hold(self) -> str | None:
        status, answer = self._step("hold", f"{self.base}/api/v1/holds",
                                    {"offer_id": self.offer_id, "quantity": self.quantity})
        if status != 201:
            _back_off(status)
            return None
        return answer["hold_id"]

    def _checkout(self, hold_id: str, email: str) -> tuple[str, str] | None:
        for _ in range(self.patience):
            status, answer = self._step(
                "checkout", f"{self.base}/api/v1/holds/{hold_id}/checkout",
                {"email": email, "name": self.name, "postcode": "13001",
                 "marketing_consent": False})
            if status == 201:
                return answer["order_id"], answer["order_token"]
            if status not in (0, 503):
                return None  # e.g. hold_expired: hold again
            _back_off(status)
        return None

    def _confirm(self, order_id: str, token: str) -> bool:
        for _ in range(self.patience):
            status, answer = self._step(
                "confirm", f"{self.base}/api/v1/payments/demo/{order_id}/succeed?token={token}")
            if status == 200 and answer and answer.get("status") == "paid":
                with self.ledger.lock:
                    self.ledger.confirmed[order_id] = self.quantity
                return True
            if status == 200:
                return False  # refunded: the seats were gone
            _back_off(status)
        return False


def _back_off(status: int) -> None:
    time.sleep(0.05 if status in (0, 503) else 0)


def ledger_problems(database_url: str, release_id: int, ledger: Ledger) -> list[str]:
    """What the database says that it must not: half-written orders, lost or double sales."""
    problems: list[str] = []
    with psycopg.connect(database_url, autocommit=True) as conn:
        def rows(sql: str, *params):
            return conn.execute(sql, params).fetchall()

        orders = rows("""
            SELECT o.id, o.status, o.quantity, o.total_cents, h.status,
                   (SELECT count(*) FROM tickets t WHERE t.order_id = o.id),
                   (SELECT count(*) FROM payments p WHERE p.order_id = o.id
                        AND p.kind = 'charge'),
                   (SELECT coalesce(sum(amount_cents), 0) FROM payments p
                        WHERE p.order_id = o.id AND p.kind = 'charge'),
                   (SELECT count(*) FROM payment_events e WHERE e.order_id = o.id),
                   (SELECT count(*) FROM contacts c
                        WHERE c.venue_id = o.venue_id AND c.email = o.buyer_email),
                   (SELECT count(*) FROM outbound_emails m
                        WHERE m.dedup_key = 'order:' || o.id || ':confirmation')
            FROM orders o JOIN holds h ON h.id = o.hold_id WHERE o.release_id = %s""",
                      release_id)
        for (order_id, status, quantity, total, hold, tickets, charges, charged, events,
             contacts, emails) in orders:
            if status == "paid":
                whole = (hold, tickets, charges, charged, events, contacts, emails) == (
                    "converted", quantity, 1, total, 1, 1, 1)
            else:
                whole = status in ("pending", "cancelled") and hold != "converted" and \
                    (tickets, charges, emails) == (0, 0, 0)
            if not whole:
                problems.append(f"order {order_id} half-written: {status}, hold {hold}, "
                                f"{tickets} tickets, {charges} charges ({charged}), "
                                f"{events} events, {contacts} contacts, {emails} e-mails")
        paid = {order_id: quantity for order_id, status, quantity, *_ in orders
                if status == "paid"}
        for order_id, quantity in ledger.confirmed.items():
            if paid.get(order_id) != quantity:
                problems.append(f"order {order_id} was confirmed to its buyer but is not paid")
        quantity, sold, held = rows("SELECT quantity, sold, held FROM releases WHERE id = %s",
                                    release_id)[0]
        active = rows("SELECT coalesce(sum(quantity), 0) FROM holds "
                      "WHERE release_id = %s AND status = 'active'", release_id)[0][0]
        tickets = rows("SELECT count(*), count(DISTINCT t.code) FROM tickets t "
                       "JOIN orders o ON o.id = t.order_id WHERE o.release_id = %s",
                       release_id)[0]
        if not sold == sum(paid.values()) == tickets[0] == tickets[1]:
            problems.append(f"sold {sold}, paid seats {sum(paid.values())}, tickets {tickets}")
        if held != active:
            problems.append(f"held {held} but {active} seats in active holds")
        if sold + held > quantity:
            problems.append(f"oversold: {sold} sold + {held} held > {quantity}")
    return problems


@contextmanager
def buyers_shopping(base: str, release_id: int, ledger: Ledger, count: int) -> Iterator[None]:
    """`count` buyers buying from `base` again and again while the block runs (the faults
    happen inside it); after it, each finishes the purchase under way, within two minutes."""
    stop = threading.Event()

    def shop(index: int) -> None:
        buyer = Buyer(base, release_id, f"acheteur{index}", ledger)
        n = 0
        while not stop.is_set():
            buyer.buy(n)
            n += 1

    threads = [threading.Thread(target=shop, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    try:
        yield
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a buyer never finished"
