"""The few SQL expressions uptake needs that SQLite and PostgreSQL spell differently.

Each compiles to one dialect's words and gives the same answer on both, so that the
figures are computed by the same queries everywhere (DESIGN.md rule 8).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, String, case, literal, text
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement


class utc_hour(FunctionElement):  # noqa: N801 (used like a SQL function)
    """The UTC hour of an instant as text, 'YYYY-MM-DD HH' (Paris days are whole UTC hours)."""

    type = String()
    inherit_cache = True


@compiles(utc_hour, "postgresql")
def _utc_hour_postgresql(element, compiler, **kw) -> str:
    instant = compiler.process(element.clauses, **kw)
    return f"to_char({instant} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24')"


@compiles(utc_hour)
def _utc_hour_sqlite(element, compiler, **kw) -> str:
    # SQLite keeps naive UTC text ('2026-11-20 16:00:00.000000').
    return f"strftime('%Y-%m-%d %H', {compiler.process(element.clauses, **kw)})"


class seconds_between(FunctionElement):  # noqa: N801 (used like a SQL function)
    """Whole seconds (floored) from the second instant to the first."""

    type = Float()
    inherit_cache = True


@compiles(seconds_between, "postgresql")
def _seconds_postgresql(element, compiler, **kw) -> str:
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    # date_part gives a double (EXTRACT a numeric, slower to compare row after row).
    return f"floor(date_part('epoch', {later} - {earlier}))"


@compiles(seconds_between)
def _seconds_sqlite(element, compiler, **kw) -> str:
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    # julianday keeps about a millisecond: round that noise away before flooring.
    return f"floor(round((julianday({later}) - julianday({earlier})) * 86400.0, 3))"


def bucket_of(value: ColumnElement, starts: list[tuple[object, str]]) -> ColumnElement:
    """The label of the bucket `value` falls in, given each bucket's start, ascending.

    Values below the second start get the first label (callers filter the range), so
    that comparing to integer or instant bounds is all SQL has to do.
    """
    if len(starts) == 1:
        return literal(starts[0][1])
    labels = [label for _, label in starts]
    return case(*[(value < start, label) for (start, _), label in
                  zip(starts[1:], labels[:-1], strict=True)], else_=labels[-1])


def instant_buckets(column, starts: list[tuple[datetime, str]]) -> ColumnElement:
    """bucket_of for a UTC instant column (bounds bound with the column's type)."""
    return bucket_of(column, [(literal(at, column.type), label) for at, label in starts])


def roomy(session) -> None:
    """Settings for this transaction's uptake queries (PostgreSQL; a no-op elsewhere).

    They read a period's paid orders whole and group them by buyer: with the default
    4 MB of work memory a season spills to disk or sorts (64 MB hashes it in memory); the
    default costs of parallel workers keep a season on one core (lower ones split it);
    and psycopg prepares a statement run five times, after which PostgreSQL may reuse a
    generic plan made without the dates, three times slower for 90 days (a plan is made
    for each period instead). All of it for this transaction only.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(
            "SELECT set_config('work_mem', '64MB', true), "
            "set_config('plan_cache_mode', 'force_custom_plan', true), "
            "set_config('parallel_setup_cost', '100', true), "
            "set_config('parallel_tuple_cost', '0.01', true)"))


class bytewise(FunctionElement):  # noqa: N801 (used like a SQL function)
    """Text compared byte by byte: grouping needs equality, not a language's order.

    PostgreSQL otherwise sorts and compares text with the database's collation
    (fr_FR.UTF-8, say), several times slower than bytes when grouping a season.
    """

    type = String()
    inherit_cache = True


@compiles(bytewise, "postgresql")
def _bytewise_postgresql(element, compiler, **kw) -> str:
    return f'({compiler.process(element.clauses, **kw)}) COLLATE "C"'


@compiles(bytewise)
def _bytewise_other(element, compiler, **kw) -> str:
    return compiler.process(element.clauses, **kw)
