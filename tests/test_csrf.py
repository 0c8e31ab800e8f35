"""Every form of the site needs its CSRF token: without it, a clear 400 page and no change.

The walk reads the URL map, so a form endpoint added later is checked too. The JSON API
is exempt (bearer tokens or capability links, no cookie session to ride on), and so are
the two links opened from an e-mail, where the signed token in the address is the key.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine

from marketplace.domain.models import Hold
from tests.buying import count
from tests.factories import STAFF_PASSWORD, MembershipFactory, ReleaseFactory, log_in
from tests.test_access_matrix import World, become, routes, url_of
from tests.test_access_matrix import world as world  # noqa: F401  (the shared world)
from tests.test_authorization import snapshot

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
# Opened from an e-mail (one-click unsubscribe, RFC 8058; a star rating): the link is the key.
EXEMPT = {"watches.stop", "follows.stop", "feedback.rate", "digests.stop", "digests.resume",
          "waiting_list.leave"}
EXEMPT_TEMPLATES = {"watches/unsubscribe.html", "follows/stop.html", "waitlist/entry.html",
                    "feedback/rate.html",
                    "digests/stop.html", "digests/stopped.html"}
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
    assert len(walked) >= 40 and "staff.login" in walked


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
                if any(f"/{path}/" in tag for path in ("alertes", "avis", "liste-attente")):
                    continue
                assert re.search(r'name="[\w-]*csrf_token"', match.group(1)), (rule.endpoint, tag)
    assert forms >= 3


# Tokens that outlive their page ---------------------------------------------------------


def token_in(page: str) -> str:
    """The page's form token (every page also hands it to htmx, on <body>)."""
    return re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)


def test_a_form_token_lasts_a_door_shift_and_no_longer(app, tmp_path_factory):
    from marketplace.config import CSRF_TOKEN_LIFETIME_SECONDS, config_from_env

    config = config_from_env(tmp_path_factory.mktemp("instance"), {"SECRET_KEY": "x"})
    assert config["WTF_CSRF_TIME_LIMIT"] == CSRF_TOKEN_LIFETIME_SECONDS == 12 * 3600


def test_a_login_form_left_open_too_long_comes_back_with_a_message(db, client, now, csrf_on):
    membership = MembershipFactory()
    db.session.commit()
    form = {"email": membership.user.email, "password": STAFF_PASSWORD}
    with time_machine.travel(now, tick=False):
        token = token_in(client.get("/portal/login?next=/portal/account").get_data(as_text=True))
    with time_machine.travel(now + timedelta(hours=11, minutes=59), tick=False):
        fresh_enough = client.post("/portal/login?next=/portal/account",
                                   data={**form, "csrf_token": token})
        assert fresh_enough.status_code == 302
        # Logging in started a new session: pages shown before it have a spent token.
        token = token_in(client.get("/portal/account").get_data(as_text=True))
        assert client.post("/portal/logout", data={"csrf_token": token}).status_code == 302
        token = token_in(client.get("/portal/login?next=/portal/account")
                         .get_data(as_text=True))
    with time_machine.travel(now + timedelta(hours=24), tick=False):
        stale = client.post("/portal/login?next=/portal/account",
                            data={**form, "csrf_token": token})
        assert stale.status_code == 303  # back to the same form, which says why
        assert stale.headers["Location"] == "/portal/login?next=/portal/account"
        page = client.get(stale.headers["Location"]).get_data(as_text=True)
        assert "Cette page est restée ouverte trop longtemps" in page
        assert client.get("/portal/account").status_code == 302  # nobody logged in
        again = client.post("/portal/login?next=/portal/account",
                            data={**form, "csrf_token": token_in(page)})
        assert again.status_code == 302 and again.headers["Location"] == "/portal/account"


def test_an_expired_form_changes_nothing_and_says_so_in_english_too(db, client, now,
                                                                     csrf_on):
    membership = MembershipFactory(role="manager")
    db.session.commit()
    slug = membership.venue.slug
    with time_machine.travel(now, tick=False):
        app_off = client.application
        app_off.config["WTF_CSRF_ENABLED"] = False
        log_in(client, membership.user)
        app_off.config["WTF_CSRF_ENABLED"] = True
        token = token_in(client.get(f"/portal/venues/{slug}/team?lang=en")
                         .get_data(as_text=True))
    before = snapshot(db)
    with time_machine.travel(now + timedelta(hours=13), tick=False):
        stale = client.post(f"/portal/venues/{slug}/team", data={
            "email": "leo@example.org", "role": "box_office", "csrf_token": token})
        page = client.get(stale.headers["Location"]).get_data(as_text=True)
        # An htmx request (the door scanner) reloads its page instead.
        scan = client.post(f"/portal/venues/{slug}/checkin", data={"code": "x"},
                           headers={"HX-Request": "true", "X-CSRFToken": token})
    assert stale.status_code == 303
    assert "This page was open for too long, so what you sent was not saved." in page
    assert scan.status_code == 400 and scan.headers["HX-Refresh"] == "true"
    assert snapshot(db) == before


def test_a_form_sent_after_logging_out_in_another_tab_comes_back(db, client, now, csrf_on):
    membership = MembershipFactory()
    db.session.commit()
    with time_machine.travel(now, tick=False):
        client.application.config["WTF_CSRF_ENABLED"] = False
        log_in(client, membership.user)
        client.application.config["WTF_CSRF_ENABLED"] = True
        token = token_in(client.get("/portal/account").get_data(as_text=True))
        client.post("/portal/logout", data={"csrf_token": token})  # the other tab
        stale = client.post("/portal/account", data={
            "current_password": STAFF_PASSWORD, "new_password": "une phrase secrète",
            "confirm": "une phrase secrète", "csrf_token": token})
    assert stale.status_code == 303 and stale.headers["Location"] == "/portal/account"
    db.session.refresh(membership.user)
    assert membership.user.check_password(STAFF_PASSWORD)


def test_an_expired_storefront_form_gets_a_clear_page_back_to_the_offer(db, client, now,
                                                                        csrf_on):
    release = ReleaseFactory(sales_open_at=now - timedelta(hours=1),
                             performance__starts_at=now + timedelta(days=2))
    db.session.commit()
    offer_page = f"/offers/{release.id}"
    with time_machine.travel(now, tick=False):
        token = token_in(client.get(offer_page).get_data(as_text=True))
    with time_machine.travel(now + timedelta(hours=13), tick=False):
        stale = client.post(f"/offers/{release.id}/hold", data={
            "quantity": "2", "csrf_token": token},
            headers={"Referer": f"http://localhost{offer_page}"})
        api_like = client.post(f"/offers/{release.id}/hold", data={
            "quantity": "2", "csrf_token": token}, headers={"Accept": "application/json"})
    page = stale.get_data(as_text=True)
    assert stale.status_code == 400
    assert "Ce formulaire a expiré" in page and f'href="{offer_page}"' in page
    assert "Erreur 400" in page  # still a refusal, in plain words
    assert api_like.get_json()["error"] == "form_expired"
    assert count(Hold) == 0


def test_a_forged_token_is_still_a_plain_refusal(db, client, now, csrf_on):
    client.get("/portal/login")
    refused = client.post("/portal/login", data={"email": "x@example.org", "password": "x",
                                                 "csrf_token": "forged"})
    assert refused.status_code == 400
    assert "Cette demande n’a pas pu être comprise" in refused.get_data(as_text=True)
