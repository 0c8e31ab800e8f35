"""Staff e-mails are composed like every other e-mail: marketplace.domain.mail renders them,
MailLinks links them, and the scheduler only schedules."""

from __future__ import annotations

import ast
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask import url_for

from marketplace.domain.accounts.emails import agency_email_composer, portal_email_composer
from marketplace.domain.mail.links import MailLinks

ROOT = Path(__file__).resolve().parent.parent
LINKS = MailLinks(base_url="https://billetterie.example", secret_key="k")

TOKEN_ENDPOINTS = {
    "password_reset": "staff.reset_password",
    "invitation": "staff.accept_invitation",
    "venue_invitation": "staff.accept_invitation",
    "colleague_invitation": "staff.accept_agency_invitation",
}


@pytest.mark.parametrize("kind", sorted(TOKEN_ENDPOINTS))
def test_a_staff_emails_link_is_the_page_that_takes_its_token(app, kind):
    with app.test_request_context():
        expected = url_for(TOKEN_ENDPOINTS[kind], token="Ab-9_z")
    assert LINKS.staff_token_url(kind, "Ab-9_z") == f"https://billetterie.example{expected}"


def test_the_portal_agency_and_forgotten_password_links_are_the_apps_pages(app):
    with app.test_request_context():
        pages = (url_for("venues_portal.home"), url_for("agency.dashboard"),
                 url_for("staff.forgot_password"))
    assert (LINKS.portal_url(), LINKS.agency_url(), LINKS.forgotten_url()) == tuple(
        f"https://billetterie.example{path}" for path in pages)


def _person(locale: str | None = None, name: str = "Nadia Haddad") -> SimpleNamespace:
    return SimpleNamespace(name=name, email="nadia@example.org", locale=locale)


def test_an_invitation_is_written_in_the_language_it_was_asked_in():
    venue = SimpleNamespace(name="Le Liberté")
    context = {"user": _person(), "venue": venue, "inviter": _person(name="Léa"),
               "role": "box_office", "token": "tok", "valid_days": 7}
    french = portal_email_composer(LINKS, "fr")("invitation", **context)
    english = portal_email_composer(LINKS, "en")("invitation", **context)
    assert french.subject == "Vous êtes invité·e à vendre sur Kiosque pour Le Liberté"
    assert english.subject == "You are invited to sell on Kiosque for Le Liberté"
    assert "en tant que Billetterie" in french.text and "as Box office" in english.text
    assert "https://billetterie.example/portal/invitation/tok" in french.text
    assert '<html lang="fr">' in french.html and '<html lang="en">' in english.html


def test_a_login_alert_is_written_in_the_owners_language_not_the_pages(now):
    owner = _person(locale="en")
    email = portal_email_composer(LINKS, "fr")("login_alert", user=owner, failures=5, at=now)
    assert email.subject == "Someone tried to log in to your Kiosque account"
    assert '<html lang="en">' in email.html


def test_an_agency_email_without_a_token_has_no_link():
    email = agency_email_composer(LINKS, "en")(
        "venue_added", user=_person(), venue=SimpleNamespace(name="Toursky"),
        inviter=_person(name="Paul"))
    assert email.subject == "You now manage Toursky on Kiosque"
    assert "/invitation/" not in email.text and "https://billetterie.example/portal/" in email.text


def _imported_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
    return names


def test_the_scheduler_only_schedules_it_composes_no_email():
    composing = {"marketplace.domain.mail.rendering", "marketplace.domain.mail.mailer.queue_email",
                 "jinja2", "flask.render_template"}
    for path in (ROOT / "marketplace" / "scheduler").glob("*.py"):
        imported = _imported_names(path)
        assert not {name for name in imported
                    if any(name == c or name.startswith(c + ".") for c in composing)}, path


def test_only_the_mail_package_renders_email_templates():
    renderers = []
    for path in [*(ROOT / "marketplace").rglob("*.py"), *(ROOT / "venues_portal").rglob("*.py")]:
        source = path.read_text()
        if "emails/" in source and ("render_template" in source or "get_template" in source):
            renderers.append(path.relative_to(ROOT).as_posix())
    assert renderers == ["marketplace/domain/mail/rendering.py"]
