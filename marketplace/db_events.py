"""SQLite settings that make a laptop deployment behave under concurrent requests."""

from __future__ import annotations

from sqlalchemy import Engine, event


def install_sqlite_pragmas(engine: Engine) -> None:
    """Foreign keys on, WAL journal, and a busy timeout, for every SQLite connection."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()
