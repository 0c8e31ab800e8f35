"""Only marketplace/domain/inventory/ moves seats: tests/seat_guard.py catches the rest.

The guard runs around every test of the suite (tests/conftest.py); these tests show that
it reads every kind of SQL that moves seats, that it tells the issuing module by its file
whatever the function is called, and that it really fires on a statement run from a
module of the application outside inventory.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import case, delete, func, insert, select, text, update
from sqlalchemy.dialects import postgresql, sqlite

from marketplace.domain.models import Hold, Release
from tests.buying import bought
from tests.factories import HoldFactory, ReleaseFactory
from tests.seat_guard import PROJECT_PACKAGES, SeatWrite, seat_writes, violation

MARKETPLACE = PROJECT_PACKAGES[0]
DOMAIN = MARKETPLACE / "domain"
PORTAL = PROJECT_PACKAGES[1]
SQLALCHEMY_FLUSH = "/venv/lib/python3.11/site-packages/sqlalchemy/orm/persistence.py"


def compiled(statement, dialect) -> str:
    return str(statement.compile(dialect=dialect))


# Reading the SQL ------------------------------------------------------------------------


@pytest.mark.parametrize("dialect", [postgresql.dialect(), sqlite.dialect()],
                         ids=["postgresql", "sqlite"])
def test_the_guard_reads_the_statements_the_orm_compiles(dialect):
    held = update(Release).where(Release.id == 1).values(held=Release.held + 2)
    sold = update(Release).values(sold=Release.sold + 1, held=Release.held - 1)
    ended = update(Hold).values(status=case((Hold.expires_at <= func.now(), "expired"),
                                            else_="released"), ended_at=None)
    assert seat_writes(compiled(held, dialect)) == [
        SeatWrite("update", "releases", frozenset({"held"}))]
    assert seat_writes(compiled(sold, dialect))[0].columns == {"sold", "held"}
    assert seat_writes(compiled(ended, dialect))[0].columns == {"status"}
    assert seat_writes(compiled(insert(Hold).values(id="x", quantity=1), dialect))
    assert seat_writes(compiled(delete(Release), dialect))
    # Other columns of the same tables are not seats.
    assert seat_writes(compiled(update(Release).values(category="Balcon"), dialect)) == []
    assert seat_writes(compiled(update(Hold).values(ended_at=None), dialect)) == []
    assert seat_writes(compiled(select(Release.sold).where(Release.held == 0), dialect)) == []


@pytest.mark.parametrize("sql, columns", [
    ("update releases set sold = sold + 1 where id = 3", {"sold"}),
    ('UPDATE "public"."releases" SET "held"=0', {"held"}),
    ("UpDaTe ONLY releases AS r SET updated_at = now(), quantity = 2", {"quantity"}),
    ("WITH lapsed AS (SELECT 1) UPDATE holds h SET status = 'expired' FROM lapsed",
     {"status"}),
    ("UPDATE releases SET held = (SELECT count(*) FROM holds WHERE x = 1), note = 'a'",
     {"held"}),
    ("INSERT INTO releases (quantity) VALUES (3) ON CONFLICT (id) DO UPDATE SET sold = 1",
     {"*", "sold"}),
    ("insert or replace into holds values ('x', 1)", {"*"}),
    ("DELETE FROM holds WHERE status = 'active'", {"*"}),
])
def test_the_guard_reads_raw_sql_in_any_spelling(sql, columns):
    assert set().union(*(w.columns for w in seat_writes(sql))) == columns


@pytest.mark.parametrize("sql", [
    "UPDATE releases SET updated_at = now() WHERE sold = quantity",  # sold only compared
    "UPDATE releases SET category = 'held = 1, sold = 2' WHERE id = 1",  # inside a string
    "UPDATE release_notes SET sold = 1",
    "UPDATE venue_holds SET status = 'x'",
    "SELECT sold, held FROM releases FOR UPDATE",
    "UPDATE orders SET status = 'paid' WHERE hold_id IN (SELECT id FROM holds)",
])
def test_the_guard_leaves_other_statements_alone(sql):
    assert seat_writes(sql) == []


# Telling who issued it ------------------------------------------------------------------


HELD = [SeatWrite("update", "releases", frozenset({"held"}))]
INSERTED = [SeatWrite("insert", "releases", frozenset({"*"}))]


def stack(*files: Path | str) -> list[str]:
    """A stack of frames' files, innermost first, under the test runner's own frames."""
    return [str(f) for f in files] + [__file__, "/venv/lib/python3.11/site-packages/_pytest/x.py"]


def test_a_statement_is_charged_to_the_innermost_module_of_the_application():
    engine = "/venv/lib/python3.11/site-packages/sqlalchemy/engine/base.py"
    orders = DOMAIN / "purchases" / "confirmation.py"
    inventory = DOMAIN / "inventory" / "seats.py"
    assert "marketplace/domain/purchases/confirmation.py issued UPDATE releases (held)" in \
        violation(HELD, stack(engine, orders))
    # The same module calling inventory, which issues the statement: allowed.
    assert violation(HELD, stack(engine, inventory, orders)) is None
    # Inventory calling back into another module that issues it: not allowed.
    assert violation(HELD, stack(engine, orders, inventory)) is not None
    assert violation(HELD, stack(engine, PORTAL / "api.py")) is not None
    # No module of the application on the stack: a test setting up its data.
    assert violation(HELD, stack(engine)) is None


def test_the_module_is_told_by_its_path_not_by_a_name():
    # A file named like inventory elsewhere, or reached through "..", is what it is.
    assert violation(HELD, stack(DOMAIN / "orders" / "inventory" / "seats.py")) is not None
    assert violation(HELD, stack(DOMAIN / "inventory" / ".." / "orders" / "x.py")) \
        is not None
    assert violation(HELD, stack(DOMAIN / "inventory_tools.py")) is not None


def test_an_orm_flush_of_seat_columns_is_refused_whoever_commits():
    commit_in_inventory = DOMAIN / "inventory" / "locking.py"
    assert "ORM flush" in violation(HELD, stack(SQLALCHEMY_FLUSH, commit_in_inventory,
                                                DOMAIN / "orders" / "refunds.py"))
    assert violation(HELD, stack(SQLALCHEMY_FLUSH, __file__)) is None  # test set-up


def test_the_demo_seed_may_insert_its_past_but_not_update_it():
    seed = MARKETPLACE / "demo" / "seed.py"
    assert violation(INSERTED, stack(seed)) is None
    assert violation(HELD, stack(seed)) is not None


# The guard at work ----------------------------------------------------------------------

PROBE = '''
from sqlalchemy import text, update
from marketplace.domain.db import transaction
from marketplace.domain.models import Release


def with_core(session, release_id):
    with transaction(session):
        session.execute(update(Release).where(Release.id == release_id)
                        .values(held=Release.held + 1))


def with_raw_sql(session, release_id):
    with transaction(session):
        session.execute(text("UPDATE releases SET sold = sold + 1 WHERE id = :id"),
                        {"id": release_id})


def with_the_orm(session, release_id):
    with transaction(session):  # inventory's own helper commits, hence flushes
        session.get(Release, release_id).quantity += 1
'''


def probe_module(filename: Path) -> dict:
    """The probe's functions, compiled as if they were the file `filename` of the app."""
    namespace: dict = {}
    exec(compile(PROBE, str(filename), "exec"), namespace)
    return namespace


def test_the_guard_catches_seats_moved_from_a_module_outside_inventory(db, _seat_guard):
    release = ReleaseFactory(quantity=10)
    db.session.commit()
    probe = probe_module(DOMAIN / "orders" / "seat_shortcut.py")
    for way in ("with_core", "with_raw_sql", "with_the_orm"):
        probe[way](db.session, release.id)
    caught = _seat_guard.take()
    assert len(caught) == 3, caught
    assert all("marketplace/domain/orders/seat_shortcut.py" in c for c in caught)
    assert [re.search(r"(releases \(\w+\))", c).group(1) for c in caught] == \
        ["releases (held)", "releases (sold)", "releases (quantity)"]


def test_inside_inventory_the_same_statements_pass_but_not_the_orm_flush(db, _seat_guard):
    release = ReleaseFactory(quantity=10)
    db.session.commit()
    probe = probe_module(DOMAIN / "inventory" / "seat_shortcut.py")
    probe["with_core"](db.session, release.id)
    probe["with_raw_sql"](db.session, release.id)
    assert _seat_guard.take() == []
    probe["with_the_orm"](db.session, release.id)
    caught = _seat_guard.take()
    assert len(caught) == 1 and "ORM flush" in caught[0]


def test_the_buying_path_moves_seats_through_inventory_only(app, db, _seat_guard, now):
    release = ReleaseFactory(quantity=10)
    HoldFactory(release=release, quantity=1, expires_at=now - timedelta(minutes=1))
    release.held = 1
    db.session.commit()
    bought(app, release, 2, now)
    assert db.session.execute(text("SELECT sold, held FROM releases")).one() == (2, 0)
    assert _seat_guard.take() == []


# And in the source, for paths no test walks ---------------------------------------------

_SEAT_STATEMENT = re.compile(r"\b(update|insert|delete)\(\s*(Release|Hold)\b")


def test_no_module_outside_inventory_builds_a_seat_statement():
    offenders = []
    for package in PROJECT_PACKAGES:
        for path in sorted(package.rglob("*.py")):
            if path.is_relative_to(DOMAIN / "inventory"):
                continue
            source = path.read_text(encoding="utf-8")
            offenders += [f"{path.relative_to(package.parent)}: {m.group(0)}"
                          for m in _SEAT_STATEMENT.finditer(source)]
            offenders += [f"{path.relative_to(package.parent)}: {w}"
                          for w in seat_writes(source) if w.verb == "update"]
    assert offenders == []
