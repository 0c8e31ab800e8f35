"""The wall around the seat counters: only marketplace/domain/inventory/ writes them (STYLE.md 10).

Installed for the whole suite by tests/conftest.py: a `before_cursor_execute` listener on
every engine reads the SQL about to run (whatever built it: Core, ORM, raw text) and,
when it writes a seat column, finds in the Python stack the module of the application
that issued it. Any such statement issued from a file of `marketplace/` or
`venues_portal/` outside `marketplace/domain/inventory/` is a violation. The module is told by
the frame's file path, resolved against the package directory, so renaming a function
or wrapping the statement in a helper elsewhere does not hide it.

Seat columns: `releases.sold`, `releases.held`, `releases.quantity` (the three terms of
rule 1), `releases.status` (whether seats may be taken) and `holds.status`; creating or
deleting a hold or a release counts too.

An ORM flush that writes one of them is a violation whatever module triggered it (the
flush may run from anyone's commit): inventory moves seats with explicit guarded
statements only. Statements with no application frame at all (test set-up through
factories or raw SQL) are the test's own business and allowed.

The demo seed (`marketplace/demo/`) may INSERT releases and holds: it writes a past in
bulk (releases with their sold seats beside the converted holds that sold them) before
anyone can buy, and routing thousands of invented sales through the buying path would
make seeding the benchmark region take minutes. It may not UPDATE them.
"""

from __future__ import annotations

import re
import sys
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import FrameType

import marketplace
import venues_portal

PROJECT_PACKAGES = (Path(marketplace.__file__).resolve().parent,
                    Path(venues_portal.__file__).resolve().parent)
INVENTORY = PROJECT_PACKAGES[0] / "domain" / "inventory"
DEMO_SEED = PROJECT_PACKAGES[0] / "demo"

SEAT_COLUMNS = {"releases": {"sold", "held", "quantity", "status"}, "holds": {"status"}}
_NAME = r'(?:"?\w+"?\.)?"?(releases|holds)"?'  # optionally schema-qualified, quoted or not
_WRITES = re.compile(
    rf"\b(update)\s+(?:only\s+)?{_NAME}(?:\s+(?:as\s+)?\w+)?\s+set\b"
    rf"|\b(insert)\s+(?:or\s+\w+\s+)?into\s+{_NAME}"
    rf"|\b(replace)\s+into\s+{_NAME}"
    rf"|\b(delete)\s+from\s+(?:only\s+)?{_NAME}",
    re.IGNORECASE,
)
_CLAUSE_END = re.compile(r"(where|from|returning)\b", re.IGNORECASE)
_MENTIONS = re.compile(r"releases|holds", re.IGNORECASE)
_TARGET = re.compile(r'^\s*(?:"?\w+"?\.)?"?(\w+)"?\s*=(?!=)')
_ON_CONFLICT_SET = re.compile(r"\bdo\s+update\s+set\b", re.IGNORECASE)
_FLUSH_FILES = ("sqlalchemy/orm/persistence.py", "sqlalchemy/orm/unitofwork.py")


@dataclass(frozen=True)
class SeatWrite:
    verb: str  # update | insert | delete
    table: str
    columns: frozenset[str]  # the seat columns written ("*" when a whole row is)

    def __str__(self) -> str:
        columns = ", ".join(sorted(self.columns))
        return f"{self.verb.upper()} {self.table} ({columns})"


def seat_writes(sql: str) -> list[SeatWrite]:
    """Every write of a seat column in one SQL text (any dialect, any case, CTEs included)."""
    found = []
    for match in _WRITES.finditer(sql):
        verb = next(g for g in (match.group(1), match.group(3), match.group(5),
                                match.group(7)) if g).lower()
        table = next(g for g in (match.group(2), match.group(4), match.group(6),
                                 match.group(8)) if g).lower()
        if verb == "update":
            columns = set(assigned_columns(sql[match.end():])) & SEAT_COLUMNS[table]
        else:  # a new or vanished row: all its seat columns at once
            columns = {"*"}
        tail = sql[match.end():]
        upsert = _ON_CONFLICT_SET.search(tail)
        if verb != "delete" and upsert:  # INSERT … ON CONFLICT DO UPDATE SET sold = …
            columns |= set(assigned_columns(tail[upsert.end():])) & SEAT_COLUMNS[table]
        if columns:
            found.append(SeatWrite("insert" if verb == "replace" else verb, table,
                                   frozenset(columns)))
    return found


def assigned_columns(set_clause: str) -> list[str]:
    """The columns a SET clause assigns (`a = …, b = (…, …)`), up to WHERE/FROM/RETURNING."""
    columns, depth, start, index = [], 0, 0, 0
    while index < len(set_clause):
        char = set_clause[index]
        if char == "'":  # a string literal: skip it whole ('' is a quote inside)
            index = set_clause.find("'", index + 1)
            while 0 <= index < len(set_clause) - 1 and set_clause[index + 1] == "'":
                index = set_clause.find("'", index + 2)
            if index < 0:
                break
        elif char == "(":
            depth += 1
        elif char == ")":
            if depth == 0:
                break  # the end of an enclosing CTE
            depth -= 1
        elif depth == 0 and (char == ";" or _starts_clause_end(set_clause, index)):
            break
        elif depth == 0 and char == ",":
            columns.extend(_target(set_clause[start:index]))
            start = index + 1
        index += 1
    columns.extend(_target(set_clause[start:index]))
    return columns


def _starts_clause_end(text: str, index: int) -> bool:
    if index and (text[index - 1].isalnum() or text[index - 1] in '_"'):
        return False
    return _CLAUSE_END.match(text, index) is not None


def _target(assignment: str) -> list[str]:
    target = _TARGET.match(assignment)
    return [target.group(1).lower()] if target else []


@lru_cache(maxsize=4096)
def application_file(filename: str) -> Path | None:
    """The file's path if it belongs to the application's packages, else None."""
    try:
        path = Path(filename).resolve()
    except (OSError, ValueError):
        return None
    if any(path.is_relative_to(package) for package in PROJECT_PACKAGES):
        return path
    return None


def violation(writes: list[SeatWrite], filenames: list[str]) -> str | None:
    """Why these seat writes, issued from a stack of these files (innermost first), are
    not allowed; None when they are."""
    if not writes:
        return None
    modules = list(dict.fromkeys(p for p in map(application_file, filenames) if p))
    if not modules:
        return None  # the test's own set-up
    issuer = modules[0]
    where = issuer.relative_to(PROJECT_PACKAGES[0].parent)
    what = "; ".join(map(str, writes))
    if any(f.replace("\\", "/").endswith(_FLUSH_FILES) for f in filenames):
        callers = ", called from ".join(str(m.relative_to(PROJECT_PACKAGES[0].parent))
                                        for m in modules)
        return (f"an ORM flush wrote {what} (triggered from {callers}): seats move only "
                f"through marketplace.domain.inventory's guarded statements")
    if issuer.is_relative_to(INVENTORY):
        return None
    if issuer.is_relative_to(DEMO_SEED) and all(w.verb == "insert" for w in writes):
        return None
    return f"{where} issued {what}: only marketplace/domain/inventory/ moves seats"


def stack_files(frame: FrameType | None) -> list[str]:
    """The file of each frame from `frame` outwards."""
    files = []
    while frame is not None:
        files.append(frame.f_code.co_filename)
        frame = frame.f_back
    return files


class SeatGuard:
    """Collects violations from every thread; the suite's fixture reads and clears them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.violations: list[str] = []

    def before_cursor_execute(self, _conn, _cursor, statement, _parameters, _context,
                              _executemany) -> None:
        if _MENTIONS.search(statement) is None:
            return
        writes = seat_writes(statement)
        if not writes:
            return
        found = violation(writes, stack_files(sys._getframe(1)))
        if found:
            with self._lock:
                self.violations.append(f"{found}\n    SQL: {' '.join(statement.split())[:300]}")

    def take(self) -> list[str]:
        with self._lock:
            found, self.violations = self.violations, []
        return found
