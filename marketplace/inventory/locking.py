"""The transaction helpers: `transaction` for any service, `seat_transaction` for the
ones that move seats (the lock order and the lock timeout are in marketplace.inventory)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from marketplace.errors import Busy

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


@contextmanager
def transaction(session: Session) -> Iterator[Session]:
    """Commit what the block did when it ends normally; roll everything back otherwise."""
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise


@contextmanager
def seat_transaction(session: Session) -> Iterator[Session]:
    """A transaction that moves seats: on PostgreSQL its lock waits are bounded, and a
    wait that runs out rolls it back and raises Busy (503 with Retry-After)."""
    try:
        with transaction(session):
            connection = session.connection()
            if connection.dialect.name == "postgresql":
                # SQLite needs nothing: one writer at a time, and its busy_timeout.
                connection.execute(_BOUND_LOCK_WAITS, {"timeout": f"{LOCK_TIMEOUT_MS}ms"})
            yield session
    except DBAPIError as error:
        if lock_wait_ran_out(error):
            raise Busy(retry_after=BUSY_RETRY_AFTER_SECONDS) from error
        raise


def lock_wait_ran_out(error: DBAPIError) -> bool:
    """Whether the database refused a statement because a row lock was not granted in time."""
    original = error.orig
    return (getattr(original, "sqlstate", None) or getattr(original, "pgcode", None)) \
        == _LOCK_NOT_AVAILABLE
