"""axe-core over every page of the product, in a real browser: no serious or critical
violation anywhere, and the accessibility statement lists exactly the pages visited and
the lesser findings left (marketplace/blueprints/legal/statement.py)."""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from marketplace.blueprints.legal.statement import AXE_CORE_VERSION, SHORTCOMINGS, audited_keys
from marketplace.domain.accounts.signed_links import make_link_token
from marketplace.domain.contacts.models import Contact
from marketplace.domain.rights.services import issue_data_link
from marketplace.domain.timeutil import utcnow
from tests.browser.axe import AXE_VERSION, BLOCKING, audit
from tests.browser.conftest import PHONE
from tests.factories import (
    STAFF_PASSWORD,
    MembershipFactory,
    PerformanceFactory,
    ReleaseFactory,
    ShowFactory,
    StaffFactory,
    UserFactory,
    VenueFactory,
)

pytestmark = pytest.mark.browser

SHOTS = Path(os.environ.get("KIOSQUE_SCREENSHOTS", "/tmp/kiosque-screenshots"))
LAPTOP = {"width": 1280, "height": 800}
LEGAL_PAGES = ("/accessibilite", "/cgv", "/mentions-legales")


class Audit:
    """One browser page walking the product; each stop is audited under its statement key."""

    def __init__(self, page, base: str) -> None:
        self.page, self.base = page, base
        self.visited: list[str] = []
        self.findings: list = []

    def at(self, key: str, path: str | None = None, status: int = 200) -> None:
        if path is not None:
            response = self.page.goto(self.base + path)
            # The page itself, not a login page or an error it was sent to instead.
            assert response.status == status, f"{key}: {path} answered {response.status}"
            assert urlsplit(self.page.url).path == urlsplit(path).path, (key, self.page.url)
        self.page.wait_for_load_state("load")
        footer = self.page.locator("footer.site-footer")
        for legal_page in LEGAL_PAGES:  # every page links the legal pages from its footer
            assert footer.locator(f"a[href='{legal_page}']").count() == 1, (key, legal_page)
        self.visited.append(key)
        self.findings.extend(audit(self.page, key))


def _offline(context):
    """Tests never reach the network: a page asking for anything but the app (the portal's
    map tiles) is refused at once."""
    context.route(re.compile(r"^https?://(?!127\.0\.0\.1[:/])"), lambda route: route.abort())
    return context


def _region(db):
    venue = VenueFactory(name="La Criée", slug="la-criee", city="Marseille",
                         address="30 quai de Rive-Neuve", postcode="13007",
                         transport_notes="Métro 1, station Vieux-Port.",
                         access_notes="Entrée principale quai de Rive-Neuve.",
                         step_free_access=True)
    show = ShowFactory(title="Le Misanthrope", venue=venue, duration_minutes=105)
    curtain = utcnow() + timedelta(hours=3)
    release = ReleaseFactory(performance=PerformanceFactory(show=show, starts_at=curtain),
                             face_price_cents=3200, quantity=20,
                             sales_open_at=utcnow() - timedelta(hours=2),
                             max_discount_at=curtain - timedelta(minutes=30))
    manager = MembershipFactory(venue=venue, role="manager",
                                user=StaffFactory(name="Camille Martin",
                                                  email="camille@la-criee.example"))
    invited = MembershipFactory(venue=venue, role="box_office",
                                user=UserFactory(name="Léo", email="leo@la-criee.example"))
    agency = StaffFactory(agency_role="admin", name="Agnès Dupré", email="agnes@agence.example")
    db.session.commit()
    return venue, release, manager.user, invited.user, agency


def _log_in(page, base: str, email: str) -> None:
    page.goto(base + "/portal/login")
    page.fill("#email", email)
    page.fill("#password", STAFF_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state("load")


def _storefront_and_checkout(walk: Audit, release) -> None:
    page = walk.page
    walk.at("home", "/")
    walk.at("list_filtered", "/?when=tonight&sort=price")
    walk.at("list_no_result", "/?discipline=circus")
    walk.at("map", "/?view=map")
    walk.at("offer", f"/offers/{release.id}")
    page.locator(f"form[action$='/offers/{release.id}/hold'] button").click()
    page.wait_for_url("**/checkout/**")
    walk.at("checkout")
    page.get_by_label("E-mail", exact=True).fill("lea.martin@example.org")
    page.get_by_label("Nom", exact=True).fill("Léa Martin")
    page.get_by_label("Code postal").fill("13006")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/pay/demo/**")
    walk.at("pay_demo")
    page.locator("button[value=pay]").click()
    page.wait_for_url("**/orders/**")
    page.locator(".ticket__qr").first.wait_for()
    walk.at("order")


def test_no_page_has_a_serious_axe_violation_and_the_statement_lists_what_is_left(
        app, db, live_server, chromium):
    context = _offline(chromium.new_context(viewport=PHONE, locale="fr-FR"))
    page = context.new_page()
    page.set_default_timeout(8000)
    walk = Audit(page, live_server)
    try:
        walk.at("home_empty", "/")
        venue, release, manager, invited, agency = _region(db)
        _storefront_and_checkout(walk, release)
        walk.at("alert_sent", "/alertes/envoyee")
        walk.at("alert_ended", "/alertes/plus-valable/confirmer", status=404)
        walk.at("privacy", "/confidentialite")
        walk.at("my_data_ask", "/mes-donnees")
        link = issue_data_link(db.session, "lea.martin@example.org", utcnow())
        db.session.commit()
        walk.at("my_data", f"/mes-donnees/{link.token}")
        walk.at("how_it_works", "/comment-ca-marche")
        walk.at("accessibility", "/accessibilite")
        walk.at("terms", "/cgv")
        walk.at("legal_notice", "/mentions-legales")
        walk.at("staff_login", "/portal/login")
        walk.at("staff_forgotten", "/portal/password/forgotten")
        token = make_link_token(app.config["SECRET_KEY"], "invitation", invited, utcnow())
        walk.at("staff_invitation", f"/portal/invitation/{token}")
    finally:
        context.close()

    # The staff side at a laptop's size, where it is mostly used.
    context = _offline(chromium.new_context(viewport=LAPTOP, locale="fr-FR"))
    walk.page = page = context.new_page()
    page.set_default_timeout(8000)
    try:
        _log_in(page, live_server, manager.email)
        portal = f"/portal/venues/{venue.slug}"
        performance_id = release.performance_id
        contact_id = db.session.scalar(select(Contact.id).where(Contact.venue_id == venue.id))
        for key, path in (
                ("portal_dashboard", f"{portal}/"),
                ("portal_performances", f"{portal}/performances"),
                ("portal_performance", f"{portal}/performances/{performance_id}"),
                ("portal_release_new", f"{portal}/performances/{performance_id}/releases/new"),
                ("portal_release", f"{portal}/releases/{release.id}"),
                ("portal_sales", f"{portal}/sales"),
                ("portal_checkin", f"{portal}/checkin"),
                ("portal_contacts", f"{portal}/contacts"),
                ("portal_contact", f"{portal}/contacts/{contact_id}"),
                ("portal_profile", f"{portal}/profile"),
                ("portal_team", f"{portal}/team"),
                ("portal_tokens", f"{portal}/tokens"),
                ("portal_webhooks", f"{portal}/webhooks"),
                ("staff_account", "/portal/account")):
            walk.at(key, path)
    finally:
        context.close()

    context = _offline(chromium.new_context(viewport=LAPTOP, locale="fr-FR"))
    walk.page = page = context.new_page()
    page.set_default_timeout(8000)
    try:
        _log_in(page, live_server, agency.email)
        for key, path in (("agency_dashboard", "/agency/"), ("agency_venues", "/agency/venues"),
                          ("agency_venue_new", "/agency/venues/new"),
                          ("agency_team", "/agency/team"),
                          ("agency_timetables", "/agency/timetables")):
            walk.at(key, path)
    finally:
        context.close()

    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS / "axe-findings.txt").write_text("\n".join(map(str, walk.findings)) + "\n")
    assert walk.visited == audited_keys(), "the statement's pages are the pages audited"
    blocking = [str(f) for f in walk.findings if f.impact in BLOCKING]
    assert not blocking, "\n".join(blocking)
    found = {(f.rule, f.page) for f in walk.findings}
    listed = {(s.rule, key) for s in SHORTCOMINGS for key in s.pages}
    assert found == listed, ("the statement's shortcomings are what axe finds:\n"
                             f"found, not listed: {sorted(found - listed)}\n"
                             f"listed, not found: {sorted(listed - found)}")


def test_the_statement_names_the_axe_core_version_the_tests_run():
    assert AXE_CORE_VERSION == AXE_VERSION
