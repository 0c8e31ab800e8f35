"""The accessibility statement's facts: the pages the automated audit covers, what it left
standing, and the conformance status that follows (RGAA 4.1).

tests/browser/test_accessibility.py runs axe-core over each page of AUDITED_PAGES and fails
when its findings differ from SHORTCOMINGS (a new one, or one fixed but still listed), so
the statement says what the last run found, no more and no less."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

AXE_CORE_VERSION = "4.14.1"
# The day the statement was last checked against the run (RGAA: « établie le … »).
STATEMENT_DATE = date(2026, 12, 8)


@dataclass(frozen=True)
class AuditedPage:
    key: str
    address: str
    label: LazyString


@dataclass(frozen=True)
class Shortcoming:
    """An axe rule a page still breaks (moderate or minor: anything worse fails the tests)."""

    rule: str
    pages: tuple[str, ...]
    impact: str
    description: LazyString


AUDITED_PAGES: tuple[AuditedPage, ...] = (
    AuditedPage("home_empty", "/", _l("Home page, when nothing is on sale")),
    AuditedPage("home", "/", _l("Home page: the carousel and the list of offers")),
    AuditedPage("list_filtered", "/?when=…&sort=…", _l("List of offers, filtered and sorted")),
    AuditedPage("list_no_result", "/?discipline=…", _l("List of offers, when no offer matches")),
    AuditedPage("map", "/?view=map", _l("Map of offers")),
    AuditedPage("offer", "/offers/…", _l("An offer: price clock, booking and price alert forms")),
    AuditedPage("checkout", "/checkout/…", _l("Checkout form")),
    AuditedPage("pay_demo", "/pay/demo/…", _l("Payment page (demonstration)")),
    AuditedPage("order", "/orders/…", _l("Order and tickets")),
    AuditedPage("alert_sent", "/alertes/envoyee", _l("Price alert: check your mailbox")),
    AuditedPage("alert_ended", "/alertes/…/confirmer", _l("Price alert: a link that has ended")),
    AuditedPage("privacy", "/confidentialite", _l("What happens to your data")),
    AuditedPage("my_data_ask", "/mes-donnees", _l("My data: asking for a link")),
    AuditedPage("my_data", "/mes-donnees/…", _l("My data: everything held about you")),
    AuditedPage("how_it_works", "/comment-ca-marche",
                _l("How Kiosque works: prices, choices, data")),
    AuditedPage("accessibility", "/accessibilite", _l("This accessibility statement")),
    AuditedPage("terms", "/cgv", _l("Terms of sale")),
    AuditedPage("legal_notice", "/mentions-legales", _l("Legal notice")),
    AuditedPage("staff_login", "/portal/login", _l("Staff login")),
    AuditedPage("staff_forgotten", "/portal/password/forgotten", _l("Forgotten password")),
    AuditedPage("staff_invitation", "/portal/invitation/…", _l("Staff invitation")),
    AuditedPage("portal_dashboard", "/portal/venues/…/", _l("Venue portal: dashboard")),
    AuditedPage("portal_performances", "/portal/venues/…/performances",
                _l("Venue portal: programme")),
    AuditedPage("portal_performance", "/portal/venues/…/performances/…",
                _l("Venue portal: a performance")),
    AuditedPage("portal_release_new", "/portal/venues/…/performances/…/releases/new",
                _l("Venue portal: putting seats on sale")),
    AuditedPage("portal_release", "/portal/venues/…/releases/…",
                _l("Venue portal: seats on sale")),
    AuditedPage("portal_sales", "/portal/venues/…/sales", _l("Venue portal: sales")),
    AuditedPage("portal_checkin", "/portal/venues/…/checkin", _l("Venue portal: check-in")),
    AuditedPage("portal_contacts", "/portal/venues/…/contacts", _l("Venue portal: contacts")),
    AuditedPage("portal_contact", "/portal/venues/…/contacts/…",
                _l("Venue portal: one contact")),
    AuditedPage("portal_profile", "/portal/venues/…/profile", _l("Venue portal: profile")),
    AuditedPage("portal_team", "/portal/venues/…/team", _l("Venue portal: team")),
    AuditedPage("portal_tokens", "/portal/venues/…/tokens", _l("Venue portal: API tokens")),
    AuditedPage("portal_webhooks", "/portal/venues/…/webhooks", _l("Venue portal: webhooks")),
    AuditedPage("staff_account", "/portal/account", _l("Staff account")),
    AuditedPage("agency_dashboard", "/agency/", _l("Agency: uptake dashboard")),
    AuditedPage("agency_venues", "/agency/venues", _l("Agency: venues")),
    AuditedPage("agency_venue_new", "/agency/venues/new", _l("Agency: adding a venue")),
    AuditedPage("agency_team", "/agency/team", _l("Agency: team")),
    AuditedPage("agency_timetables", "/agency/timetables",
                _l("Agency: public transport timetables")),
)

SHORTCOMINGS: tuple[Shortcoming, ...] = ()


def audited_keys() -> list[str]:
    return [page.key for page in AUDITED_PAGES]


def pages_of(shortcoming: Shortcoming) -> list[AuditedPage]:
    wanted = set(shortcoming.pages)
    return [page for page in AUDITED_PAGES if page.key in wanted]


@dataclass(frozen=True)
class RgaaAudit:
    """A full audit of the RGAA's criteria (by hand, by an auditor), once one is made."""

    made_on: date
    auditor: str
    rate_percent: int  # share of the applicable criteria met


# None until a full RGAA audit is made: axe checks only what a machine can check, a part of
# the criteria, so it cannot establish conformance by itself.
RGAA_AUDIT: RgaaAudit | None = None
FULL, PARTIAL, NONE = "full", "partial", "none"


def conformance(shortcomings: tuple[Shortcoming, ...],
                rgaa_audit: RgaaAudit | None = RGAA_AUDIT) -> str:
    """RGAA 4.1's status: totally conforming only with a full audit meeting every criterion
    and nothing left by the automated run; partially from half of the criteria; otherwise
    not conforming, which is also the status of a site without a full audit."""
    if rgaa_audit is None or rgaa_audit.rate_percent < 50:
        return NONE
    if rgaa_audit.rate_percent == 100 and not shortcomings:
        return FULL
    return PARTIAL


def status_label(status: str) -> LazyString:
    return {FULL: _l("fully compliant"), PARTIAL: _l("partially compliant"),
            NONE: _l("not compliant")}[status]
