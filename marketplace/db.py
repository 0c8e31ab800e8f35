"""The declarative base, the metadata naming convention and column types shared by models."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from sqlalchemy import DateTime, MetaData, TypeDecorator
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import DeclarativeBase

log = logging.getLogger(__name__)

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



def insert_once(session, model, values: dict, key: str | tuple[str, ...]) -> bool:
    """INSERT a row unless one with the same unique `key` exists; True when this call inserted.

    Used wherever something must happen exactly once (e-mails, webhooks, payment
    events): the database's unique index decides, even between concurrent workers.
    """
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    keys = [key] if isinstance(key, str) else list(key)
    statement = insert(model).values(**values).on_conflict_do_nothing(index_elements=keys)
    return session.execute(statement.returning(getattr(model, keys[0]))).first() is not None


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
