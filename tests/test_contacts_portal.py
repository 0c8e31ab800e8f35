"""The contact base in the portal: search, segments, a contact's history, the two exports."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from sqlalchemy import select

from marketplace.domain.contacts.models import Contact
from marketplace.domain.contacts.queries import ContactFilter, find_contacts, parse_filter
from marketplace.domain.contacts.services import record_paid_order, refresh_stages
from marketplace.domain.inventory.models import Hold
from marketplace.domain.orders.models import Order
from marketplace.domain.rights.services import erase
from marketplace.domain.workbook import XLSX_MIMETYPE
from tests.factories import (
    MembershipFactory,
    PerformanceFactory,
    ReleaseFactory,
    VenueFactory,
    log_in,
)
from tests.xlsx_cells import read_sheet

CONSENT = "J'accepte de recevoir la programmation de La Criée."
PORTAL_CATALOGUE = Path(__file__).resolve().parent.parent / "venues_portal" / "translations" \
    / "fr" / "LC_MESSAGES"


def sale(db, release, when, *, email, name="Léa Martin", postcode="13007", consent=False,
         discount=30, quantity=1, birth_year=None) -> Order:
    """A paid order of `release` landed in its venue's contacts, as the payment does it."""
    face = release.face_price_cents
    unit = face * (100 - discount) // 100
    hold = Hold(release_id=release.id, quantity=quantity, unit_price_cents=unit,
                status="converted", expires_at=when, created_at=when)
    db.session.add(hold)
    db.session.flush()
    order = Order(
        hold_id=hold.id, release_id=release.id, venue_id=release.venue_id, status="paid",
        quantity=quantity, unit_price_cents=unit, total_cents=quantity * unit,
        face_price_cents=face, discount_percent=discount, buyer_email=email, buyer_name=name,
        buyer_postcode=postcode, buyer_birth_year=birth_year, marketing_consent=consent,
        consent_text=CONSENT if consent else None, token_hash="0" * 64,
        payment_provider="demo", created_at=when, paid_at=when)
    db.session.add(order)
    db.session.flush()
    record_paid_order(db.session, order, when)
    return order


@pytest.fixture
def frozen(now):
    with time_machine.travel(now, tick=False):
        yield now


@pytest.fixture
def base(db, frozen):
    """La Criée's base: a regular, a first-timer who opted in, a lapsed dancer, a deal hunter."""
    now = frozen
    venue = VenueFactory(name="La Criée", slug="la-criee")
    theatre = ReleaseFactory(performance=PerformanceFactory(show__venue=venue,
                                                            show__title="Le Misanthrope"))
    dance = ReleaseFactory(performance=PerformanceFactory(show__venue=venue,
                                                          show__discipline="dance",
                                                          show__title="Boléro"))
    for days in (90, 40, 5):
        sale(db, theatre, now - timedelta(days=days), email="helene.dupre@example.org",
             name="Hélène Dupré", postcode="13006", discount=30)
    sale(db, theatre, now - timedelta(days=2), email="Lea.Martin@Example.org",
         name="Léa Martin", postcode="13007", consent=True, birth_year=1998)
    sale(db, dance, now - timedelta(days=500), email="paul@example.org", name="Paul Arnaud",
         postcode="83000")
    sale(db, theatre, now - timedelta(days=1), email="deal@example.org", name="Zoé Bon",
         postcode="13001", discount=60, consent=True)
    refresh_stages(db.session, now)  # the daily job: Paul's only purchase is 500 days old
    manager = MembershipFactory(venue=venue, role="manager")
    db.session.commit()
    return {"venue": venue, "manager": manager, "theatre": theatre, "dance": dance}


@pytest.fixture
def manager(client, base):
    log_in(client, base["manager"].user)
    return base["manager"]


def url(base, path: str = "") -> str:
    return f"/portal/venues/{base['venue'].slug}/contacts{path}"


def emails(db, base, **segment) -> list[str]:
    found = find_contacts(db.session, base["venue"], ContactFilter(**segment))
    return sorted(row.email for row in found.rows)


# The portal's file speaks French to a French-speaking manager: its titles, by column key.
FRENCH_TITLES = {
    "email": "E-mail", "name": "Nom", "postcode": "Code postal",
    "birth_year": "Année de naissance", "stage": "Relation", "purchases": "Achats",
    "amount": "Montant dépensé (€)", "first_purchase": "Premier achat",
    "last_purchase": "Dernier achat", "disciplines": "Disciplines",
    "marketing_consent": "Accepte vos actualités", "consent_at": "Accepté le",
    "consent_text": "Texte accepté",
}


def exported(response) -> list[dict]:
    """The rows of a portal CSV, by column key (after checking its titles are French)."""
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == list(FRENCH_TITLES.values())
    return [dict(zip(FRENCH_TITLES, row, strict=True)) for row in rows[1:]]


# Search and segments ----------------------------------------------------------------------


def test_search_finds_names_without_their_accents_emails_and_postcodes(db, base):
    assert emails(db, base, q="helene") == ["helene.dupre@example.org"]
    assert emails(db, base, q="DUPRÉ hél") == ["helene.dupre@example.org"]
    assert emails(db, base, q="lea.martin@") == ["lea.martin@example.org"]
    assert emails(db, base, q="83000") == ["paul@example.org"]
    assert emails(db, base, q="nobody") == []


def test_search_treats_wildcards_as_plain_characters(db, base):
    assert emails(db, base, q="%") == []
    assert emails(db, base, q="_") == []


def test_segments_follow_the_relationship_stage(db, base):
    assert emails(db, base, stage="regular") == ["helene.dupre@example.org"]
    assert emails(db, base, stage="first_time") == ["deal@example.org", "lea.martin@example.org"]
    assert emails(db, base, stage="lapsed") == ["paul@example.org"]


def test_segments_by_consent_discipline_postcode_area_and_discount(db, base):
    assert emails(db, base, consented=True) == ["deal@example.org", "lea.martin@example.org"]
    assert emails(db, base, discipline="dance") == ["paul@example.org"]
    assert emails(db, base, postcode="13") == [
        "deal@example.org", "helene.dupre@example.org", "lea.martin@example.org"]
    assert emails(db, base, postcode="1300") == [
        "deal@example.org", "helene.dupre@example.org", "lea.martin@example.org"]
    assert emails(db, base, postcode="83") == ["paul@example.org"]
    assert emails(db, base, deep_discount=True) == ["deal@example.org"]
    assert emails(db, base, consented=True, postcode="13", stage="first_time",
                  deep_discount=True) == ["deal@example.org"]


def test_a_refunded_deep_discount_does_not_count(db, base, frozen):
    order = db.session.scalar(select(Order).where(Order.buyer_email == "deal@example.org"))
    order.status = "refunded"
    db.session.commit()
    assert emails(db, base, deep_discount=True) == []


def test_nonsense_in_the_url_is_ignored_not_an_error():
    segment = parse_filter({"stage": "vip", "discipline": "rugby", "postcode": "13%",
                            "sort": "'; drop", "consented": "maybe", "q": "  a   b  "})
    assert segment == ContactFilter(q="a b")
    assert parse_filter({"postcode": "2a", "consented": "1"}) == ContactFilter(
        postcode="2A", consented=True)


def test_the_list_is_paginated_in_sql(db, frozen):
    venue = VenueFactory()
    release = ReleaseFactory(performance=PerformanceFactory(show__venue=venue))
    for n in range(7):
        sale(db, release, frozen - timedelta(hours=n), email=f"p{n}@example.org")
    db.session.commit()
    first = find_contacts(db.session, venue, ContactFilter(), page=1, per_page=3)
    last = find_contacts(db.session, venue, ContactFilter(), page=3, per_page=3)
    beyond = find_contacts(db.session, venue, ContactFilter(), page=99, per_page=3)
    assert [r.email for r in first.rows] == ["p0@example.org", "p1@example.org",
                                             "p2@example.org"]  # most recent first
    assert (first.total, first.pages, first.next_page, first.previous_page) == (7, 3, 2, None)
    assert [r.email for r in last.rows] == ["p6@example.org"] and last.next_page is None
    assert beyond.page == 3


# The pages ---------------------------------------------------------------------------------


def test_the_contacts_page_lists_the_base_with_its_figures(client, manager, base):
    response = client.get(url(base))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Hélène Dupré" in page and "lea.martin@example.org" in page
    assert "4 contacts" in page and "2 acceptent vos actualités" in page
    assert '<nav class="portal-menu"' in page and ">Contacts</a>" in page
    assert "HX-Request" in response.headers["Vary"]


def test_htmx_gets_only_the_results_of_the_segment(client, manager, base):
    response = client.get(url(base, "?stage=regular"), headers={"HX-Request": "true"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in page and "contact-filters" not in page
    assert "Hélène Dupré" in page and "Léa Martin" not in page
    assert "1 contact dans ce segment" in page
    full = client.get(url(base, "?stage=regular")).get_data(as_text=True)
    assert "<html" in full and 'value="regular" selected' in full


def test_the_exports_of_a_segment_carry_its_filters(client, manager, base):
    page = client.get(url(base, "?postcode=13&q=a")).get_data(as_text=True)
    assert "/contacts/export/marketing.csv?q=a&amp;postcode=13" in page
    assert "/contacts/export/all.csv?q=a&amp;postcode=13" in page


def test_a_contact_page_shows_consent_and_only_this_venues_orders(db, client, manager, base,
                                                                  frozen):
    elsewhere = ReleaseFactory(performance=PerformanceFactory(show__title="Ailleurs"))
    sale(db, elsewhere, frozen, email="lea.martin@example.org", name="Léa Martin")
    db.session.commit()
    contact = db.session.scalar(select(Contact).where(Contact.venue_id == base["venue"].id,
                                                      Contact.email == "lea.martin@example.org"))
    response = client.get(url(base, f"/{contact.id}?stage=first_time"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Léa Martin" in page and "1998" in page and "Primo-acheteur" in page
    assert CONSENT.replace("'", "&#39;") in page
    assert "Le Misanthrope" in page and "Ailleurs" not in page
    assert f"/portal/venues/{base['venue'].slug}/contacts?stage=first_time" in page


def test_a_contact_page_shows_what_the_buyer_said_of_the_performance(db, client, manager,
                                                                     base, frozen):
    from marketplace.domain.feedback.services import record_feedback

    contact = db.session.scalar(select(Contact).where(Contact.email == "deal@example.org"))
    order = db.session.scalar(select(Order).where(Order.buyer_email == "deal@example.org"))
    record_feedback(db.session, order, 4, "Très belle mise en scène", frozen)
    page = client.get(url(base, f"/{contact.id}")).get_data(as_text=True)
    assert "★★★★☆" in page and "Noté 4 sur 5" in page
    assert "Très belle mise en scène" in page
    quiet = db.session.scalar(select(Contact).where(Contact.email == "paul@example.org"))
    assert "Noté" not in client.get(url(base, f"/{quiet.id}")).get_data(as_text=True)


def test_a_contact_without_consent_is_marked_not_for_marketing(db, client, manager, base):
    contact = db.session.scalar(select(Contact).where(Contact.email == "paul@example.org"))
    page = client.get(url(base, f"/{contact.id}")).get_data(as_text=True)
    assert "Pas de marketing" in page and "N’a pas accepté vos actualités." in page
    assert "Accepte vos actualités" not in page


def test_another_venues_contact_is_not_found_here(db, client, manager, base, frozen):
    sale(db, ReleaseFactory(), frozen, email="other@example.org", name="Autre Personne")
    db.session.commit()
    other = db.session.scalar(select(Contact).where(Contact.email == "other@example.org"))
    response = client.get(url(base, f"/{other.id}"))
    assert response.status_code == 404
    assert "Autre Personne" not in response.get_data(as_text=True)


def test_an_erased_spectator_is_no_longer_in_the_base(db, client, manager, base, frozen):
    contact_id = db.session.scalar(select(Contact.id).where(Contact.email == "paul@example.org"))
    erase(db.session, "paul@example.org", frozen)
    page = client.get(url(base)).get_data(as_text=True)
    assert "Paul Arnaud" not in page and "3 contacts" in page
    assert client.get(url(base, f"/{contact_id}")).status_code == 404
    rows = exported(client.get(url(base, "/export/all.csv")))
    assert len(rows) == 3 and not any(r["email"].startswith("erased-") for r in rows)


# The two exports ---------------------------------------------------------------------------


def test_the_marketing_export_holds_only_contacts_who_opted_in(client, manager, base):
    response = client.get(url(base, "/export/marketing.csv"))
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "marketing" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    rows = exported(response)
    assert sorted(r["email"] for r in rows) == ["deal@example.org", "lea.martin@example.org"]
    assert {r["marketing_consent"] for r in rows} == {"oui"}
    lea = next(r for r in rows if r["email"] == "lea.martin@example.org")
    assert lea["consent_text"] == CONSENT and lea["consent_at"].endswith("17:00")
    assert (lea["name"], lea["postcode"], lea["birth_year"]) == ("Léa Martin", "13007", "1998")


def test_the_marketing_export_of_a_segment_without_consent_is_empty(client, manager, base):
    rows = exported(client.get(url(base, "/export/marketing.csv?stage=regular")))
    assert rows == []


def test_the_customer_export_holds_everyone_and_says_who_may_get_news(client, manager, base):
    response = client.get(url(base, "/export/all.csv"))
    assert "tous-hors-marketing" in response.headers["Content-Disposition"]
    rows = exported(response)
    assert len(rows) == 4
    consent = {r["email"]: r["marketing_consent"] for r in rows}
    assert consent["paul@example.org"] == "non" and consent["deal@example.org"] == "oui"
    helene = next(r for r in rows if r["email"] == "helene.dupre@example.org")
    assert (helene["stage"], helene["purchases"], helene["amount"]) == ("Fidèle", "3", "63,00")
    assert helene["disciplines"] == "Théâtre" and helene["consent_text"] == ""
    assert exported(client.get(url(base, "/export/all.csv?discipline=dance")))[0]["email"] == \
        "paul@example.org"


def test_a_buyers_name_cannot_become_a_spreadsheet_formula(db, client, manager, base, frozen):
    sale(db, base["theatre"], frozen, email="x@example.org", name='=HYPERLINK("http://evil")')
    db.session.commit()
    rows = exported(client.get(url(base, "/export/all.csv?q=x@example")))
    assert rows[0]["name"] == "'=HYPERLINK(\"http://evil\")"


def test_the_contacts_workbook_downloads_beside_the_csv(client, manager, base):
    response = client.get(url(base, "/export/all.xlsx"))
    assert response.status_code == 200 and response.mimetype == XLSX_MIMETYPE
    assert "tous-hors-marketing" in response.headers["Content-Disposition"]
    header, *rows = read_sheet(response.data)
    assert [c.value for c in header] == list(FRENCH_TITLES.values())
    by_email = {row[0].value: dict(zip(FRENCH_TITLES, row, strict=False)) for row in rows}
    helene = by_email["helene.dupre@example.org"]
    assert (helene["postcode"].kind, helene["postcode"].value) == ("text", "13006")
    assert helene["stage"].value == "Fidèle" and helene["marketing_consent"].value == "non"
    assert helene["last_purchase"].is_date
    marketing = read_sheet(client.get(url(base, "/export/marketing.xlsx")).data)
    assert sorted(row[0].value for row in marketing[1:]) == ["deal@example.org",
                                                             "lea.martin@example.org"]
    page = client.get(url(base)).get_data(as_text=True)
    assert "/contacts/export/all.xlsx" in page and "/contacts/export/marketing.xlsx" in page


def test_the_portal_contacts_csv_keeps_a_formula_inert(db, client, manager, base, frozen):
    sale(db, base["theatre"], frozen, email="x@example.org", name="+cmd|' /C calc'!A0",
         postcode="-1+1")
    db.session.commit()
    [line] = exported(client.get(url(base, "/export/all.csv?q=x@example")))
    assert line["name"] == "'+cmd|' /C calc'!A0" and line["postcode"] == "'-1+1"


# Who may see it ----------------------------------------------------------------------------


def test_the_box_office_sees_neither_the_contacts_nor_their_menu_entry(db, client, base):
    box_office = MembershipFactory(venue=base["venue"], role="box_office")
    db.session.commit()
    log_in(client, box_office.user)
    for path in ("", "/1", "/export/marketing.csv", "/export/all.csv"):
        response = client.get(url(base, path))
        assert response.status_code == 403, path
        assert "example.org" not in response.get_data(as_text=True)
    sales = client.get(f"/portal/venues/{base['venue'].slug}/sales").get_data(as_text=True)
    assert "/contacts" not in sales


def test_the_portal_catalogue_is_complete_and_compiled():
    with open(PORTAL_CATALOGUE / "messages.po", "rb") as po_file:
        catalogue = read_po(po_file, locale="fr")
    with open(PORTAL_CATALOGUE / "messages.mo", "rb") as mo_file:
        compiled = read_mo(mo_file)
    messages = [m for m in catalogue if m.id]
    untranslated = [m.id for m in messages if not m.string or (
        isinstance(m.string, tuple) and not all(m.string))]
    assert untranslated == []
    assert [m.id for m in messages if m.fuzzy] == []

    def text(string):
        return tuple(string) if isinstance(string, list | tuple) else string

    stale = [m.id for m in messages if compiled.get(m.id, m.context) is None
             or text(compiled.get(m.id, m.context).string) != text(m.string)]
    assert stale == [], "run: .venv/bin/pybabel compile -d venues_portal/translations"
