"""The database layer's shared pieces (declarative base, naming convention, UTC column
type, insert_once) and Kiosque's one transaction policy, with its `transaction()`.

Transaction policy
==================

Who commits: the session parameter says it
-------------------------------------------
- `session: Session` — the function only reads, or it is a **service that owns its
  transaction**: it commits its writes through `with transaction(session):` (seat moves:
  `seat_transaction`, marketplace.domain.inventory.locking) and returns with everything
  committed, or raises with everything rolled back. Never a bare `session.commit()`.
- `within: Session` — a **helper that writes inside its caller's transaction**: it adds,
  updates, inserts and may flush, but never commits nor rolls back; the caller's
  `with transaction(...)` decides. So far `insert_once`, `queue_email`, `record_unwritten`,
  `queue_webhook`, `issue_token`; older helpers that say "in the caller's transaction" in
  their docstring take the word when next edited.
A service is never called inside another's `transaction()` block: its commit would commit
the outer one's half-done work, so `transaction()` refuses it (NestedTransaction).
tests/test_transaction_policy.py checks all of this.

Where a commit may be written
-----------------------------
Only in services, through `transaction()`. Never in a view, a request hook
(before/after_request, teardown) or a decorator: these call a service that owns its
transaction (the API token's use stamp: `record_token_use`, its own short transaction
before the call; the staff's language: `remember_staff_language`, from a before_request
hook, so nothing of the page's own work can be pending in it). A bare `.commit()` is
allowed only where work must be committed step by step, listed in COMMIT_ALLOWED below
(tests/test_transaction_policy.py refuses any other):
- the mailer's and the webhook sender's claim protocol (claim, commit, send, commit the
  outcome: a crashed sender must not hold a claim nor lose what it delivered);
- the scheduler's jobs, runner and locks (one commit per item of a batch, so one bad item
  does not undo the others; advisory locks on their own connection), and the batches
  they call: watch alerts, followers' digests (push.notify claims with `transaction()`),
  the show-day e-mails and the staff digests;
- the CLI commands (each one a request of its own: parse, call, commit once).

Side effects only after commit
------------------------------
E-mails and venue webhooks are recorded in the transaction (`queue_email`,
`queue_webhook`, each with a unique key) and their keys noted in `session.info`; they are
sent after the commit by marketplace.web.after_commit (and, whatever was not sent, by the
scheduler's retry jobs); a rollback forgets them. Nothing leaves Kiosque from inside a
transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import DateTime, MetaData, TypeDecorator
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import DeclarativeBase, Session

log = logging.getLogger(__name__)

# The modules that may call .commit() themselves (see "Where a commit may be written").
COMMIT_ALLOWED = (
    "marketplace/domain/db.py",
    "marketplace/cli.py",
    "marketplace/domain/mail/mailer.py",
    "marketplace/domain/contacts/webhooks.py",
    "marketplace/domain/digests/staff.py",
    "marketplace/scheduler/jobs.py",
    "marketplace/scheduler/locks.py",
    "marketplace/domain/orders/show_day_emails.py",
    "marketplace/scheduler/runner.py",
    "marketplace/domain/watches/alerts.py",
    "marketplace/domain/follows/digest.py",
)


# Set in session.info while a transaction() block runs.
_OPEN = "kiosque_transaction_open"


class NestedTransaction(RuntimeError):
    """A service owning its transaction was called inside another's: its commit would
    commit the outer one's half-done work. Call a `within` helper there instead."""


@contextmanager
def transaction(session: Session) -> Iterator[Session]:
    """Commit what the block did when it ends normally; roll everything back otherwise.

    The one way a service commits (see the policy above); never inside another one."""
    if session.info.get(_OPEN):
        raise NestedTransaction("transaction() inside another transaction() block")
    session.info[_OPEN] = True
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.info.pop(_OPEN, None)

# Named constraints let Alembic's SQLite batch mode find and alter them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on every database (SQLite keeps naive UTC text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def insert_once(within: Session, model, values: dict, key: str | tuple[str, ...]) -> bool:
    """INSERT a row unless one with the same unique `key` exists; True when this call inserted.

    Used wherever something must happen exactly once (e-mails, webhooks, payment
    events): the database's unique index decides, even between concurrent workers.
    """
    if within.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    keys = [key] if isinstance(key, str) else list(key)
    statement = insert(model).values(**values).on_conflict_do_nothing(index_elements=keys)
    return within.execute(statement.returning(getattr(model, keys[0]))).first() is not None


def end_sessions_even_on_dead_connections(app, db) -> None:
    """End each request's session even when its connection died after the answer was ready.

    The closing ROLLBACK on a connection the server has dropped raises, and Flask-SQLAlchemy's
    own teardown would turn a request that succeeded (a checkout already committed) into a
    500, and leave the broken session registered. The first close invalidates the dead
    connection (the pool replaces it); the second one then ends the session cleanly.
    Registered after Flask-SQLAlchemy, so it runs first; the latter finds nothing left to do.
    """
    @app.teardown_appcontext
    def _end_session(_error: BaseException | None) -> None:
        try:
            db.session.remove()
        except DBAPIError as error:
            log.warning("database connection lost after the request: %s", error)
            db.session.remove()
