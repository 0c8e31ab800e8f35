"""Inventory owns the seats: releases, holds, and rule 1 (sold + active holds <= quantity).

Ownership
---------
Every statement that changes `releases.sold`, `releases.held`, `releases.quantity`, a
release's selling status or a hold's status lives in `seats.py` (the moves, run inside
the caller's transaction) or `services.py` (the services that own their transaction:
publish, change the quantity, withdraw, place and release a hold, sweep, close). Order
services (payment confirmation, refunds, cancellation) call `seats.py`; nobody else
writes these columns, and tests/seat_guard.py fails any test in which another module
does. Reads are in `queries.py`.

Counters
--------
`held` is always the sum of the release's active holds, lapsed ones included until they
are reclaimed (reads count those as given back: `queries.seats_left`). Each move is one
guarded UPDATE: the condition that makes it legal is in its WHERE clause, so the row it
matches (or not) is decided by the database under the row lock, never by an earlier
read. The CHECK constraint `sold + held <= quantity` stands behind them all.

    take seats      held += n             WHERE status = 'open' AND in the sales window
                                            AND quantity - sold - held + reclaimed >= n
    reclaim lapsed  hold active → expired (FOR UPDATE SKIP LOCKED), then held -= their
                    seats inside the same guarded UPDATE as the move that needed them
    sell held       hold active → converted, then held -= n, sold += n
    sell unheld     sold += n             WHERE open, performance ahead, seats free
    give back       hold active → released/expired, then held -= n
    refund          sold -= n
    set quantity    quantity = q          WHERE sold + held - reclaimed <= q
    withdraw        status open → withdrawn (its holds stay payable until they lapse)
    close           status open → closed   WHERE the sales window has ended
    stop sales      holds active → released, held -= theirs, status → closed

Every move that gives seats back (give back, reclaim, refund, a raised quantity) then
serves the release's waiting line in the same transaction, under the release row lock it
has just taken: `line.py` (who is served, the claim window, the guarded statements).

A hold's status change is itself guarded (`WHERE status = 'active' … RETURNING`): of two
transactions ending the same hold, one gets its row back and moves the counters, the
other gets nothing and moves nothing.

Lock order
----------
Within a transaction, rows are locked in this order, and never the other way round:

1. order rows (an order service claims its order with a guarded UPDATE first);
2. hold rows: one by id; or a batch claimed with `FOR UPDATE SKIP LOCKED` (reclaiming
   lapsed holds, the sweep), which never waits for holds another transaction is handling
   (that one moves their counters);
3. release rows: one per transaction on the buying path; several by ascending id (the
   sweep, stopping a performance's sales);
4. then rows that no seat move waits for: the performance being cancelled, the buyer's
   contact at the venue, tickets, e-mails.

A transaction waiting for a row of rank k holds no row of a higher rank, and rows of one
rank are taken one at a time, by ascending id, or skipping locked ones, so no cycle of
waits, hence no deadlock, can form among the buying path, payments, refunds and the
sweep. Stopping a performance's sales ends all its pending orders and active holds in one
statement each (it must wait for those in use); only two cancellations of the same
performance at once could cross there, and PostgreSQL's deadlock detector would end one.

Inserting a hold takes a FOR KEY SHARE lock on its release (the foreign key), which does
not conflict with the FOR NO KEY UPDATE lock of a counter UPDATE: the hold row is written
before the release row is locked, which then stays locked only for one UPDATE and the
commit.

Lock timeout
------------
On PostgreSQL every seat move first sets a local `lock_timeout` on its transaction
(`locking.bound_lock_waits`, `locking.LOCK_TIMEOUT_MS`; once per transaction, and only
when it is about to lock: a buyer turned away on reading pays nothing). A transaction
stuck behind a row held too long by another one gives up; `locking.seat_transaction`,
which every seat-moving service uses, rolls it back and raises `Busy`, which the web
layer answers with 503 `busy` and a Retry-After header instead of holding a worker for
as long as the lock lasts. SQLite has one writer at a time and its own busy_timeout
(marketplace.db_events).

SQLite
------
The first statement of every writing transaction is a write, never a read: pysqlite
opens its (deferred) transaction at the first DML, and a transaction that read first and
then tries to write fails with "database is locked" at once when a concurrent writer
committed in between, instead of waiting for busy_timeout; one whose first statement
writes waits its turn. Reads made before the first write (the offer exists and is on
sale) therefore run outside SQLite's transaction: they may refuse a buyer (unknown offer,
sales closed, sold out) but never grant a seat; only the guarded UPDATE does.
"""
