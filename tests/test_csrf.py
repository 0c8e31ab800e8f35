"""Every form of the site needs its CSRF token: without it, a clear 400 page and no change.

The walk reads the URL map, so a form endpoint added later is checked too. The JSON API
is exempt (bearer tokens or capability links, no cookie session to ride on), and so are
the two links opened from an e-mail, where the signed token in the address is the key.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import time_machine

from tests.factories import log_in
from tests.test_access_matrix import World, become, routes, url_of
from tests.test_access_matrix import world as world  # noqa: F401  (the shared world)
from tests.test_authorization import snapshot

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
# Opened from an e-mail (one-click unsubscribe, RFC 8058; a star rating): the link is the key.
EXEMPT = {"watches.stop", "feedback.rate", "digests.stop", "digests.resume"}
EXEMPT_TEMPLATES = {"watches/unsubscribe.html", "feedback/rate.html", "digests/stop.html",
                    "digests/stopped.html"}
FORM = {"code": "x", "quantity": "3", "role": "manager", "email": "new@example.org",
        "password": "x", "label": "x", "title": "x", "name": "x", "postcode": "13001",
        "action": "pay", "note": "5"}


@pytest.fixture
def csrf_on(app):
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


def form_endpoints(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/") or rule.endpoint in EXEMPT:
            continue
        for method in sorted(rule.methods - {"GET", "HEAD", "OPTIONS"}):
            yield rule, method


def test_the_test_configuration_turns_csrf_off_and_the_site_turns_it_on(
        app, tmp_path_factory, monkeypatch):
    from marketplace import create_app
    from marketplace.extensions import limiter
    from tests.conftest import make_test_config

    monkeypatch.setattr(limiter, "enabled", limiter.enabled)  # one limiter for every app
    monkeypatch.setattr(limiter, "initialized", limiter.initialized)
    assert app.config["WTF_CSRF_ENABLED"] is False  # tests post forms without tokens
    config = make_test_config(tmp_path_factory)
    del config["WTF_CSRF_ENABLED"]
    production = create_app(config)
    assert production.config.get("WTF_CSRF_ENABLED", True) is True


@pytest.mark.parametrize("who", ["manager", "agency"])
def test_a_form_posted_without_its_token_is_refused_and_changes_nothing(
        app, db, client, now, world: World, csrf_on, who):
    with time_machine.travel(now, tick=False):
        app.config["WTF_CSRF_ENABLED"] = False  # logging in is not what is tested here
        log_in(client, world.people[who])
        app.config["WTF_CSRF_ENABLED"] = True
        before = snapshot(db)
        walked = set()
        for rule, method in form_endpoints(app):
            response = client.open(url_of(rule, world, who), method=method, data=FORM)
            page = response.get_data(as_text=True)
            assert response.status_code == 400, (rule.endpoint, response.status_code)
            assert "Erreur 400" in page and 'lang="fr"' in page, rule.endpoint
            assert "Cette demande n’a pas pu être comprise" in page, rule.endpoint
            walked.add(rule.endpoint)
    assert snapshot(db) == before
    assert len(walked) >= 40 and "venues_portal.login" in walked


def test_every_post_form_in_the_templates_carries_the_token():
    missing = []
    for template in sorted(TEMPLATES.rglob("*.html")):
        if template.parts[-2] == "emails":
            continue
        source = template.read_text()
        for tag in re.finditer(r"<form\b[^>]*>", source, re.S):
            if not re.search(r'method="post"', tag.group(0), re.I):
                continue
            body = source[tag.end():source.find("</form>", tag.end())]
            if "csrf_token" in body or "hidden_tag()" in body:
                continue
            if str(template.relative_to(TEMPLATES)) not in EXEMPT_TEMPLATES:
                missing.append(f"{template.relative_to(TEMPLATES)}: {tag.group(0)[:80]}")
    assert not missing, "\n".join(missing)


@pytest.mark.parametrize("who", ["spectator", "manager", "agency"])
def test_every_post_form_on_the_rendered_pages_carries_the_token(
        app, db, client, now, world: World, csrf_on, who):
    forms = 0
    with time_machine.travel(now, tick=False):
        app.config["WTF_CSRF_ENABLED"] = False
        become(client, world, who, now)
        app.config["WTF_CSRF_ENABLED"] = True  # forms render their token only when it is on
        for rule, method in routes(app):
            if method != "GET" or rule.rule.startswith(("/api/", "/static/")):
                continue
            response = client.get(url_of(rule, world, who), buffered=True)
            if response.mimetype != "text/html":
                continue
            page = response.get_data(as_text=True)
            for match in re.finditer(r"<form\b[^>]*>(.*?)</form>", page, re.S | re.I):
                tag = match.group(0)[:match.group(0).find(">") + 1]
                if 'method="post"' not in tag.lower():
                    continue
                forms += 1
                if any(f"/{path}/" in tag for path in ("alertes", "avis")):
                    continue
                assert re.search(r'name="[\w-]*csrf_token"', match.group(1)), (rule.endpoint, tag)
    assert forms >= 3
