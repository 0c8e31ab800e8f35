"""The one transaction helper of the inventory, and the lock order every writer follows.

Inventory is changed only by guarded conditional UPDATEs (DESIGN.md rule 1). Within a
transaction, rows are always locked in the same order, so that two writers can never
wait for each other in a cycle:

1. hold rows first (claimed with ``FOR UPDATE SKIP LOCKED`` when several are taken at
   once, so that a writer never waits for hold rows another one is already handling);
2. then release rows, one per transaction on the buying path, by ascending id in the sweep.

On SQLite the first statement of every writing transaction is a write, never a read:
pysqlite opens its (deferred) transaction at the first DML, and a transaction that
read first and then tries to write fails with "database is locked" at once when a
concurrent writer committed in between, instead of waiting for ``busy_timeout``; a
transaction whose first statement writes waits its turn. Reads made before the first
write (checking that an offer exists and is on sale) therefore run outside SQLite's
transaction. They may refuse a buyer (unknown offer, sales closed, sold out) but never
grant a seat: only the guarded UPDATE does, inside the transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session


@contextmanager
def transaction(session: Session) -> Iterator[Session]:
    """Commit what the block did when it ends normally; roll everything back otherwise."""
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
