"""The legal pages: the accessibility statement, the terms of sale and the legal notice,
French first, English on request, with the operator's identity from the configuration."""

from __future__ import annotations

from datetime import date
from html import unescape as _unescape

import pytest

from marketplace import create_app
from marketplace.blueprints.legal.statement import (
    AUDITED_PAGES,
    FULL,
    NONE,
    PARTIAL,
    SHORTCOMINGS,
    RgaaAudit,
    Shortcoming,
    conformance,
)
from marketplace.config import config_from_env
from tests.conftest import make_test_config

LEGAL_PAGES = ("/accessibilite", "/cgv", "/mentions-legales")


def unescape(html: str) -> str:
    """The text as read: entities decoded, French typography's no-break spaces as spaces."""
    return _unescape(html).replace("\u00a0", " ")


@pytest.mark.parametrize("path", LEGAL_PAGES)
def test_each_legal_page_is_french_first_and_english_on_request(client, path):
    french = client.get(path)
    english = client.get(path + "?lang=en")
    assert french.status_code == english.status_code == 200
    assert '<html lang="fr">' in french.text and '<html lang="en">' in english.text
    titles = {"/accessibilite": ("Déclaration d'accessibilité", "Accessibility statement"),
              "/cgv": ("Conditions générales de vente", "Terms of sale"),
              "/mentions-legales": ("Mentions légales", "Legal notice")}[path]
    assert f"<h1>{titles[0]}</h1>" in unescape(french.text)
    assert f"<h1>{titles[1]}</h1>" in unescape(english.text)


def test_the_footer_links_the_legal_pages_and_says_the_accessibility_status(client):
    page = unescape(client.get("/").text)
    footer = page[page.index('<footer class="site-footer">'):]
    for path in LEGAL_PAGES:
        assert f'href="{path}"' in footer
    assert "Accessibilité : non conforme" in footer


def test_the_terms_say_who_sells_that_there_is_no_withdrawal_and_when_a_ticket_is_refunded(
        client):
    terms = unescape(client.get("/cgv").text)
    assert "le vendeur de chaque billet est le lieu" in terms.lower()
    assert "L221-28 12°" in terms and "droit de rétractation ne s'applique pas" in terms
    assert "n'est remboursé que si le lieu annule la représentation" in terms
    assert "Le prix affiché est le prix payé." in terms
    assert "pendant 10 minutes" in terms  # HOLD_TTL_SECONDS, as configured


def test_the_statement_lists_every_page_audited_and_what_is_left(client):
    statement = unescape(client.get("/accessibilite?lang=en").text)
    for page in AUDITED_PAGES:
        assert str(page.label) in statement and page.address in statement
    for shortcoming in SHORTCOMINGS:
        assert shortcoming.rule in statement
    assert "Défenseur des droits" in statement and "Libre réponse 71120" in statement
    assert "mailto:contact@kiosque.example.org" in statement


def test_without_a_full_rgaa_audit_the_site_is_not_compliant_whatever_axe_finds():
    assert conformance(()) == NONE
    assert conformance((), RgaaAudit(date(2027, 1, 1), "Auditor", 40)) == NONE


def test_a_full_audit_makes_the_site_partially_or_fully_compliant():
    left = (Shortcoming("region", ("home",), "moderate", "Some content outside landmarks"),)
    audit = RgaaAudit(date(2027, 1, 1), "Auditor", 100)
    assert conformance((), audit) == FULL
    assert conformance(left, audit) == PARTIAL
    assert conformance((), RgaaAudit(date(2027, 1, 1), "Auditor", 75)) == PARTIAL


def test_the_operator_comes_from_the_environment_with_demo_defaults(tmp_path):
    demo = config_from_env(tmp_path, {"SECRET_KEY": "x"})
    assert demo["OPERATOR_IS_DEMO"] and demo["OPERATOR_NAME"] == "Kiosque (démonstration)"
    real = config_from_env(tmp_path, {"SECRET_KEY": "x", "OPERATOR_NAME": "Arsud Billetterie",
                                      "OPERATOR_REGISTRATION": "RNA W131234567",
                                      "HOST_NAME": "OVH SAS", "HOST_PHONE": "1007"})
    assert not real["OPERATOR_IS_DEMO"]
    assert (real["OPERATOR_NAME"], real["HOST_NAME"]) == ("Arsud Billetterie", "OVH SAS")


def test_the_legal_notice_names_the_configured_publisher_and_host(tmp_path_factory):
    config = make_test_config(tmp_path_factory) | {
        "OPERATOR_NAME": "Arsud Billetterie", "OPERATOR_IS_DEMO": False,
        "OPERATOR_LEGAL_FORM": "association loi 1901", "OPERATOR_REGISTRATION": "RNA W131234567",
        "OPERATOR_DIRECTOR": "Claire Dubois", "HOST_NAME": "OVH SAS",
        "HOST_ADDRESS": "2 rue Kellermann, 59100 Roubaix", "HOST_PHONE": "1007"}
    notice = create_app(config).test_client().get("/mentions-legales").text
    for value in ("Arsud Billetterie, association loi 1901", "RNA W131234567", "Claire Dubois",
                  "OVH SAS", "2 rue Kellermann, 59100 Roubaix", "1007"):
        assert value in notice
    assert "démonstration" not in notice


def test_the_demo_legal_notice_says_it_is_a_demonstration(client):
    notice = unescape(client.get("/mentions-legales").text)
    assert "Ceci est une démonstration de Kiosque" in notice
    assert "hébergé par son éditeur" in notice
