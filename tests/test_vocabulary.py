"""The shared vocabulary: every domain error's message and every discipline name is listed
once, translated into French once, and read the same in every area."""

from __future__ import annotations

import ast
import inspect
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

import marketplace.domain.validation
from marketplace.domain.catalog.disciplines import DISCIPLINE_NAMES, DISCIPLINES
from marketplace.domain.errors import Conflict, DomainError, RateLimited, ValidationFailed
from marketplace.domain.vocabulary import Word
from marketplace.domain.vocabulary.error_messages import ERROR_MESSAGES, WORDS_IN_MESSAGES

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("marketplace", "venues_portal")
CATALOGUE = ROOT / "marketplace" / "domain" / "vocabulary" / "translations" / "fr" / "LC_MESSAGES"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdr]")


# Finding every message a domain error can carry ------------------------------------------


@dataclass(frozen=True)
class Found:
    where: str  # path:line
    text: str | None  # the English template; None when it cannot be read from the source
    problem: str = ""


def _modules() -> dict[Path, ast.Module]:
    return {path: ast.parse(path.read_text(), str(path))
            for package in SOURCES for path in sorted((ROOT / package).rglob("*.py"))}


def _error_classes(trees: dict[Path, ast.Module]) -> tuple[set[str], set[str]]:
    """Names of DomainError and its subclasses (by name, across modules), and those of them
    whose constructor takes something else than the message first (BuyerLimitReached(cap))."""
    bases, own_init = {}, {}
    for tree in trees.values():
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                bases[node.name] = {getattr(b, "id", getattr(b, "attr", "")) for b in node.bases}
                for item in node.body:
                    if isinstance(item, ast.FunctionDef) and item.name == "__init__":
                        params = [a.arg for a in item.args.args[1:]]
                        own_init[node.name] = params[:1] == ["message"]
    errors, custom = {"DomainError"}, set()
    grew = True
    while grew:
        grew = False
        for name, parents in bases.items():
            if name not in errors and parents & errors:
                errors.add(name)
                grew = True
    for name in errors:  # the nearest __init__ up the hierarchy decides
        seen, current = set(), name
        while current not in own_init and current in bases and current not in seen:
            seen.add(current)
            current = next((p for p in bases[current] if p in errors), "")
        if own_init.get(current) is False:
            custom.add(name)
    return errors, custom


def _texts(node: ast.expr, scopes: list[ast.AST], where: str) -> list[Found]:
    """The literal strings an expression can be: constants, either side of `a if c else b`,
    a name assigned literals in the enclosing function or the module."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [Found(where, node.value)]
    if isinstance(node, ast.IfExp):
        return _texts(node.body, scopes, where) + _texts(node.orelse, scopes, where)
    if isinstance(node, ast.JoinedStr):
        return [Found(where, None, "an f-string: write a template with %(name)s and params=")]
    if isinstance(node, ast.Name):
        for scope in scopes:  # innermost first
            values = [n.value for n in ast.walk(scope) if isinstance(n, ast.Assign)
                      and any(isinstance(t, ast.Name) and t.id == node.id for t in n.targets)]
            if values:
                return [f for value in values for f in _texts(value, scopes, where)]
    return [Found(where, None, f"not a literal ({ast.unparse(node)})")]


def _params_problem(call: ast.Call, template: str) -> str:
    params = next((k.value for k in call.keywords if k.arg == "params"), None)
    wanted = set(PLACEHOLDER.findall(template))
    if params is None:
        return f"placeholders {sorted(wanted)} but no params=" if wanted else ""
    if isinstance(params, ast.Dict):
        given = {k.value for k in params.keys if isinstance(k, ast.Constant)}
        if given != wanted:
            return f"params {sorted(given)} do not match the placeholders {sorted(wanted)}"
    return ""


def domain_messages() -> list[Found]:
    """Every message a DomainError can carry, read from the source: class defaults, the
    first argument of a construction, or what a custom __init__ passes to super()."""
    trees = _modules()
    errors, custom = _error_classes(trees)
    found: list[Found] = []

    def visit(node: ast.AST, scopes: list[ast.AST], path: Path, in_class: str | None):
        where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.ClassDef) and node.name in errors:
            for item in node.body:
                if isinstance(item, ast.Assign) and any(
                        getattr(t, "id", None) == "message" for t in item.targets):
                    found.extend(_texts(item.value, scopes, where))
            in_class = node.name
        if isinstance(node, ast.Call):
            func = node.func
            name = getattr(func, "id", getattr(func, "attr", None))
            is_super_init = (name == "__init__" and isinstance(func, ast.Attribute)
                             and isinstance(func.value, ast.Call)
                             and getattr(func.value.func, "id", None) == "super"
                             and in_class in custom)
            if (name in errors and name not in custom) or is_super_init:
                message = node.args[0] if node.args else next(
                    (k.value for k in node.keywords if k.arg == "message"), None)
                if message is not None and not (isinstance(message, ast.Constant)
                                                and message.value is None):
                    for item in _texts(message, scopes, where):
                        problem = item.problem or (
                            _params_problem(node, item.text) if item.text else "")
                        found.append(Found(item.where, item.text, problem))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            scopes = [node, *scopes]
        for child in ast.iter_child_nodes(node):
            visit(child, scopes, path, in_class)

    for path, tree in trees.items():
        visit(tree, [tree], path, None)
    return found


def label_of(call: ast.Call, index: int) -> ast.expr | None:
    return call.args[index] if len(call.args) > index else next(
        (k.value for k in call.keywords if k.arg == "label"), None)


def passes_label_on(function: ast.FunctionDef, takers: dict[str, int]) -> bool:
    """`function` hands its own `label` argument to one of `takers`."""
    return any(isinstance(c, ast.Call) and getattr(c.func, "id", None) in takers
               and getattr(label_of(c, takers[c.func.id]), "id", None) == "label"
               for c in ast.walk(function))


def words_in_messages() -> list[Found]:
    """The labels given to marketplace.domain.validation's checks ("The quantity"), directly or
    through a module's own helper passing its `label` on: they go inside their messages and
    are translated with them."""
    takers = {name: list(inspect.signature(f).parameters).index("label")
              for name, f in inspect.getmembers(marketplace.domain.validation, inspect.isfunction)
              if f.__module__ == marketplace.domain.validation.__name__
              and "label" in inspect.signature(f).parameters}

    found = []
    for path, tree in _modules().items():
        known = {alias.asname or alias.name: takers[alias.name] for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom)
                 and node.module == "marketplace.domain.validation"
                 for alias in node.names if alias.name in takers}

        forwarding = set()  # this module's helpers that take a label and pass it on
        for node in ast.walk(tree):
            arguments = [a.arg for a in getattr(getattr(node, "args", None), "args", [])]
            if isinstance(node, ast.FunctionDef) and "label" in arguments \
                    and passes_label_on(node, known):
                known[node.name] = arguments.index("label")
                forwarding.add(node.name)
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) in known):
                continue
            label = label_of(node, known[node.func.id])
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            if label is None:
                found.append(Found(where, None, "no label"))
            elif not (isinstance(label, ast.Name) and label.id == "label" and any(
                    isinstance(f, ast.FunctionDef) and f.name in forwarding
                    and node in ast.walk(f) for f in ast.walk(tree))):
                found.extend(_texts(label, [tree], where))
    return found


# The catalogue ------------------------------------------------------------------------------


def _catalogue():
    with open(CATALOGUE / "messages.po", "rb") as po_file:
        return read_po(po_file, locale="fr")


def _text(string):
    return tuple(string) if isinstance(string, list | tuple) else string


def test_every_domain_message_is_a_template_the_catalogue_can_hold():
    problems = [f"{f.where}: {f.problem}" for f in domain_messages() + words_in_messages()
                if f.problem]
    assert problems == []


def test_every_domain_message_and_word_is_listed_once():
    listed = [*ERROR_MESSAGES, *WORDS_IN_MESSAGES]
    assert [text for text, count in Counter(listed).items() if count > 1] == []
    raised = {f.text: f.where for f in domain_messages() if f.text}
    missing = sorted(f"{where}: {text!r}" for text, where in raised.items()
                     if text not in ERROR_MESSAGES)
    assert missing == [], "add them to marketplace/domain/vocabulary/error_messages.py"
    labels = {f.text: f.where for f in words_in_messages() if f.text}
    assert sorted(f"{w}: {t!r}" for t, w in labels.items() if t not in WORDS_IN_MESSAGES) == []
    # Nothing listed that no error carries any more: the catalogue does not rot.
    assert sorted(set(ERROR_MESSAGES) - set(raised)) == []
    assert sorted(set(WORDS_IN_MESSAGES) - set(labels)) == []


def test_the_scan_sees_what_services_raise():
    """A control: messages known to be raised from far corners are found by the scan."""
    texts = {f.text for f in domain_messages()}
    assert {"Only %(left)d seats are left.",  # a template with a value
            "The request cannot be processed.",  # DomainError's default
            "At most %(cap)d seats per person for this performance, and this order would "
            "go past it: choose fewer seats.",  # a custom __init__ passing it to super()
            "Kiosque cannot send to this address: it must lead to a server on the public "
            "Internet, not to a private or local network.",  # a module constant
            "A web address starts with https:// or http://.",  # venues_portal/operations
            } <= texts
    assert "The quantity" in {f.text for f in words_in_messages()}


def test_the_catalogue_holds_every_entry_in_french_with_the_english_as_its_id():
    catalogue = _catalogue()
    with open(CATALOGUE / "messages.mo", "rb") as mo_file:
        compiled = read_mo(mo_file)
    expected = {*ERROR_MESSAGES, *WORDS_IN_MESSAGES, *DISCIPLINE_NAMES.values()}
    ids = {m.id for m in catalogue if m.id}
    assert sorted(expected - ids) == [], "run pybabel extract/update (domain/vocabulary)"
    assert sorted(ids - expected) == []
    entries = [m for m in catalogue if m.id]
    assert [m.id for m in entries if not m.string] == []
    assert [m.id for m in entries if m.fuzzy] == []
    # The French keeps every placeholder of the English, no more, no fewer.
    assert [m.id for m in entries
            if Counter(PLACEHOLDER.findall(m.id)) != Counter(PLACEHOLDER.findall(m.string))] == []
    stale = [m.id for m in entries if compiled.get(m.id) is None
             or _text(compiled[m.id].string) != _text(m.string)]
    assert stale == [], (
        "run: .venv/bin/pybabel compile -d marketplace/domain/vocabulary/translations")


def test_no_other_catalogue_translates_the_shared_words_differently():
    """Flask-Babel merges every catalogue: a shared id translated otherwise elsewhere would
    read differently depending on the merge order."""
    ours = _catalogue()
    clashes = []
    for path in sorted(ROOT.glob("*/**/translations/fr/LC_MESSAGES/messages.po")):
        if path.parent == CATALOGUE or ".venv" in path.parts:
            continue
        with open(path, "rb") as po_file:
            theirs = read_po(po_file, locale="fr")
        clashes += [(str(path.relative_to(ROOT)), m.id) for m in ours
                    if m.id and m.id in theirs and theirs[m.id].string != m.string]
    assert clashes == []


def test_the_shared_catalogue_is_merged_into_every_page():
    from marketplace import TRANSLATION_DIRECTORIES

    assert str(CATALOGUE.parent.parent) in TRANSLATION_DIRECTORIES


# What the pages show -----------------------------------------------------------------------


def test_the_api_message_stays_english_and_the_page_translates_it(app):
    from flask_babel import force_locale

    from marketplace.web.vocabulary import error_message

    error = Conflict("Only %(left)d seats are left.", code="not_enough_seats",
                     params={"left": 3})
    assert error.message == str(error) == "Only 3 seats are left."
    assert error.template == "Only %(left)d seats are left."
    with app.test_request_context():
        with force_locale("fr"):
            assert error_message(error) == "Il ne reste que 3 places."
        with force_locale("en"):
            assert error_message(error) == "Only 3 seats are left."


def test_a_label_inside_a_message_is_translated_with_it(app):
    from flask_babel import force_locale

    from marketplace.domain.validation import integer, text
    from marketplace.web.vocabulary import error_message

    with pytest.raises(ValidationFailed) as refused:
        text("x" * 201, "name", "The name", 200)
    assert refused.value.message == "The name must be at most 200 characters."
    assert isinstance(refused.value.params["label"], Word)
    with pytest.raises(ValidationFailed) as out_of_range:
        integer(0, "quantity", "The quantity", 1, 50)
    assert out_of_range.value.message == "The quantity must be between 1 and 50."
    with app.test_request_context(), force_locale("fr"):
        assert error_message(refused.value) == "Le nom doit faire au plus 200 caractères."
        assert error_message(out_of_range.value) == "La quantité doit se situer entre 1 et 50."


def test_a_value_typed_by_someone_is_never_translated(app):
    """Only marked words are: a value echoed in a message stays as it was typed."""
    from flask_babel import force_locale

    from marketplace.web.vocabulary import error_message

    error = ValidationFailed("Unknown show field: %(name)s.", params={"name": "Theatre"})
    with app.test_request_context(), force_locale("fr"):
        assert error_message(error) == "Champ de spectacle inconnu : Theatre."


def test_default_and_custom_messages_translate(app):
    from flask_babel import force_locale

    from marketplace.domain.orders.checkout import BuyerLimitReached
    from marketplace.web.vocabulary import error_message

    with app.test_request_context(), force_locale("fr"):
        assert error_message(RateLimited(retry_after=3)).startswith("Trop de demandes")
        assert error_message(BuyerLimitReached(4, retry_after=60)).startswith(
            "Une même personne peut acheter au plus 4 places")
        assert error_message(DomainError()) == "La demande ne peut pas être traitée."


def test_discipline_names_are_one_list_translated_everywhere(app):
    from flask_babel import force_locale

    from marketplace.web.vocabulary import discipline_label, discipline_labels

    assert DISCIPLINES == ("theatre", "dance", "music", "circus", "opera", "comedy",
                           "family", "other")
    with app.test_request_context(), force_locale("fr"):
        assert list(discipline_labels()) == list(DISCIPLINES)
        assert discipline_label("theatre") == "Théâtre"
        assert discipline_label("circus") == "Cirque"
        assert discipline_label("unknown-code") == "unknown-code"
    with app.test_request_context(), force_locale("en"):
        assert discipline_label("theatre") == "Theatre"


def test_an_error_page_says_the_refusal_in_french_and_the_api_in_english(app):
    from marketplace.web.errors import handle_domain_error

    refusal = Conflict("This performance is cancelled.", code="sales_closed")
    with app.test_request_context("/portal/anything", headers={"Accept": "text/html"}):
        body, status, _ = handle_domain_error(refusal)
    assert status == 409 and "Cette représentation est annulée." in body
    with app.test_request_context("/api/v1/holds"):
        response, status, _ = handle_domain_error(refusal)
    assert status == 409
    assert response.get_json() == {"error": "sales_closed",
                                   "message": "This performance is cancelled."}


def test_the_shared_catalogue_counts_plurals_as_the_others_do():
    """Flask-Babel keeps the plural rule of the last catalogue merged: this one."""
    storefront = ROOT / "marketplace" / "translations" / "fr" / "LC_MESSAGES" / "messages.po"
    with open(storefront, "rb") as po_file:
        assert _catalogue().plural_forms == read_po(po_file, locale="fr").plural_forms
