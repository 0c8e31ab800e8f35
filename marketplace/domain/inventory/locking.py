"""`seat_transaction` for the services that move seats (marketplace.domain.db's `transaction`
plus the lock timeout of seat moves, see marketplace.domain.inventory)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from marketplace.domain.db import transaction
from marketplace.domain.errors import Busy

# How long a seat transaction waits for a row lock on PostgreSQL before answering "busy".
# A seat row is locked for one UPDATE and a commit (about a millisecond, even in a rush):
# a wait this long means a transaction is stuck holding it, not a queue of buyers.
LOCK_TIMEOUT_MS = 2000
# What a refused client is told to wait before trying again (Retry-After, in seconds).
BUSY_RETRY_AFTER_SECONDS = 2
# SQLSTATE lock_not_available: lock_timeout ran out (or a NOWAIT lock was refused).
_LOCK_NOT_AVAILABLE = "55P03"
# set_config(…, true) is SET LOCAL that takes a parameter: it lasts until the commit.
_BOUND_LOCK_WAITS = text("SELECT set_config('lock_timeout', :timeout, true)")
_BOUND_IN = "kiosque_lock_timeout_set_in"  # the transaction that set it (connection.info)


@contextmanager
def seat_transaction(session: Session) -> Iterator[Session]:
    """A transaction that moves seats: a lock wait that runs out (see bound_lock_waits)
    rolls it back and raises Busy (503 with Retry-After)."""
    try:
        with transaction(session):
            yield session
    except DBAPIError as error:
        if lock_wait_ran_out(error):
            raise Busy(retry_after=BUSY_RETRY_AFTER_SECONDS) from error
        raise


def bound_lock_waits(session: Session) -> None:
    """On PostgreSQL, make the current transaction give up on any row lock it waits for
    longer than LOCK_TIMEOUT_MS, until it ends. Once per transaction; nothing on SQLite.

    Every seat move calls it before it locks anything, rather than seat_transaction at
    its start: a buyer turned away on reading (sold out, closed) pays no extra round trip.
    """
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        return  # one writer at a time, and its busy_timeout
    current = connection.get_transaction()
    if connection.info.get(_BOUND_IN) is current:
        return
    connection.execute(_BOUND_LOCK_WAITS, {"timeout": f"{LOCK_TIMEOUT_MS}ms"})
    connection.info[_BOUND_IN] = current


def lock_wait_ran_out(error: DBAPIError) -> bool:
    """Whether the database refused a statement because a row lock was not granted in time."""
    original = error.orig
    return (getattr(original, "sqlstate", None) or getattr(original, "pgcode", None)) \
        == _LOCK_NOT_AVAILABLE
