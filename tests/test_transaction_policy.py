"""The transaction policy of marketplace/domain/db.py, checked on the source itself: commits only
through services' `transaction()` or in the few documented places, never in a view, a
request hook or a decorator, and never in a helper that works `within` its caller's."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from marketplace.domain.db import COMMIT_ALLOWED, NestedTransaction, transaction
from tests.factories import VenueFactory

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("marketplace", "venues_portal")
# Decorators that make a function a view or a request hook (bp.get, app.after_request, …).
ROUTE_OR_HOOK = {
    "route", "get", "post", "put", "patch", "delete",
    "before_request", "after_request", "before_app_request", "after_app_request",
    "teardown_request", "teardown_appcontext", "teardown_app_request", "errorhandler",
    "app_errorhandler",
}
HOOK_REGISTRATIONS = ROUTE_OR_HOOK - {"route", "get", "post", "put", "patch", "delete"}
COMMITTING = {"transaction", "seat_transaction"}


def _sources(root: Path) -> Iterator[tuple[str, ast.Module]]:
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            yield path.relative_to(root).as_posix(), ast.parse(path.read_text(), str(path))


def _called_name(call: ast.Call) -> str | None:
    function = call.func
    if isinstance(function, ast.Attribute):
        return function.attr
    if isinstance(function, ast.Name):
        return function.id
    return None


def _commits(node: ast.AST, *, also_rollback: bool = False) -> list[int]:
    """Lines under `node` that commit: `.commit()`, or opening `transaction(…)`
    (`seat_transaction(…)`); with `also_rollback`, `.rollback()` too."""
    lines = []
    for call in ast.walk(node):
        if not isinstance(call, ast.Call):
            continue
        name = _called_name(call)
        if (isinstance(call.func, ast.Attribute) and name == "commit") or name in COMMITTING \
                or (also_rollback and isinstance(call.func, ast.Attribute)
                    and name == "rollback"):
            lines.append(call.lineno)
    return lines


def _functions(tree: ast.AST) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef]:
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node


def _decorator_name(decorator: ast.expr) -> str | None:
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    return target.attr if isinstance(target, ast.Attribute) else \
        target.id if isinstance(target, ast.Name) else None


def _is_decorator_factory(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """A decorator: it defines a wrapper with functools.wraps."""
    return any(_decorator_name(d) == "wraps" for inner in _functions(function)
               if inner is not function for d in inner.decorator_list)


def _request_layer_module(module: str) -> bool:
    parts = module.split("/")
    return (module.startswith(("marketplace/web/", "venues_portal/views/"))
            or parts[-1] == "views.py" or "views" in parts[:-1])


def policy_breaches(root: Path = ROOT) -> list[str]:
    breaches = []
    for module, tree in _sources(root):
        if module not in COMMIT_ALLOWED:
            breaches += [f"{module}:{line}: .commit() outside a service's transaction()"
                         for line in _raw_commits(tree)]
        if _request_layer_module(module):
            breaches += [f"{module}:{line}: commits in the request layer (call a service)"
                         for line in _commits(tree)]
        hooks = {arg.id for call in ast.walk(tree) if isinstance(call, ast.Call)
                 and _called_name(call) in HOOK_REGISTRATIONS
                 for arg in call.args if isinstance(arg, ast.Name)}
        for function in _functions(tree):
            if (function.name in hooks or _is_decorator_factory(function)
                    or any(_decorator_name(d) in ROUTE_OR_HOOK
                           for d in function.decorator_list)):
                breaches += [f"{module}:{line}: commits in view/hook/decorator "
                             f"{function.name}() (call a service)"
                             for line in _commits(function)]
            if any(arg.arg == "within" for arg in function.args.args
                   + function.args.kwonlyargs + function.args.posonlyargs):
                breaches += [f"{module}:{line}: {function.name}() works within its caller's "
                             "transaction: it must not end it"
                             for line in _commits(function, also_rollback=True)]
    return sorted(set(breaches))


def _raw_commits(node: ast.AST) -> list[int]:
    return [call.lineno for call in ast.walk(node) if isinstance(call, ast.Call)
            and isinstance(call.func, ast.Attribute) and call.func.attr == "commit"]


def test_commits_only_in_services_and_the_documented_places():
    assert policy_breaches() == []


def test_the_allow_list_names_modules_that_exist_and_commit():
    for module in COMMIT_ALLOWED:
        assert _raw_commits(ast.parse((ROOT / module).read_text())), module


SAMPLES = {
    "a view": """
@bp.post("/x")
def view():
    db.session.commit()
""",
    "a view that opens a transaction": """
@bp.route("/x", methods=["POST"])
def view():
    with transaction(db.session):
        pass
""",
    "a hook registered by a call": """
def stamp(response):
    db.session.commit()
    return response

def init(app):
    app.after_request(stamp)
""",
    "a decorator": """
def needs_token(view):
    @wraps(view)
    def wrapper(*args):
        with transaction(db.session):
            pass
        return view(*args)
    return wrapper
""",
    "a helper within its caller's transaction": """
def helper(within, now):
    within.add(now)
    within.rollback()
""",
    "a service's bare commit": """
def service(session):
    session.add(1)
    session.commit()
""",
}


@pytest.mark.parametrize("source", SAMPLES.values(), ids=SAMPLES.keys())
def test_each_kind_of_breach_is_caught(tmp_path, source):
    (tmp_path / "marketplace" / "things").mkdir(parents=True)
    (tmp_path / "venues_portal").mkdir()
    (tmp_path / "marketplace" / "things" / "services.py").write_text(source)
    assert policy_breaches(tmp_path)


def test_a_service_owning_its_transaction_passes(tmp_path):
    (tmp_path / "marketplace").mkdir()
    (tmp_path / "venues_portal").mkdir()
    (tmp_path / "marketplace" / "services.py").write_text("""
def service(session):
    with transaction(session):
        helper(session)

def helper(within):
    within.flush()
""")
    assert policy_breaches(tmp_path) == []


def test_a_service_called_inside_another_ones_transaction_is_refused(db):
    """Its commit would commit the outer service's half-done work: refused, all rolled back."""
    venue = VenueFactory(name="Before")
    db.session.commit()
    with pytest.raises(NestedTransaction), transaction(db.session):
        venue.name = "Half done"
        with transaction(db.session):
            pass
    db.session.refresh(venue)
    assert venue.name == "Before"
    with transaction(db.session):  # and the session is usable again
        venue.name = "After"
    db.session.refresh(venue)
    assert venue.name == "After"
