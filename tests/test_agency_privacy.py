"""Privacy by construction: nothing the agency can open or download names a buyer.

Every agency page (the walk reads the URL map, so a page added later is walked too),
every CSV export and every agency API answer is scanned for the buyers' e-mail addresses,
names, birth years, full postcodes and the street address a venue noted on a contact,
and for any e-mail address at all (the team page aside: it lists the agency's own staff).
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from marketplace.blueprints.agency.access import AGENCY_PAGES
from marketplace.domain.accounts.services import issue_token
from marketplace.domain.catalog.models import Venue
from marketplace.domain.contacts.models import Contact
from marketplace.domain.orders.models import Order
from marketplace.domain.uptake.grouping import GROUPINGS
from marketplace.domain.uptake.waitlist import WAITLIST_GROUPINGS
from tests.buying import bought
from tests.factories import ReleaseFactory, StaffFactory, log_in
from tests.test_uptake_recount import PERIOD, PRIVATE_BIRTH_YEARS, generate_region

STREET = "17 rue des Tilleuls"
ANY_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
FIELD_NAMES = ("buyer_email", "buyer_name", "buyer_postcode", "birth_year", "consent_text")
NOON = f"{PERIOD.end}T12:00:00+01:00"


@pytest.fixture
def world(app, db):
    """The generated region, a few purchases through the real checkout, contacts with notes."""
    generate_region(db)
    with time_machine.travel(NOON, tick=False):
        from marketplace.domain.timeutil import utcnow

        now = utcnow()
        release = ReleaseFactory(sales_open_at=now - timedelta(hours=3),
                                 performance__starts_at=now + timedelta(hours=5))
        db.session.commit()
        for n in range(3):  # through checkout into the venue's contact base
            bought(app, release, 2, now - timedelta(minutes=30 - n),
                   email=f"ysoline.verdier{n}@courrier.example", name=f"Ysoline Verdier{n}",
                   postcode="83990", birth_year=1931)
    for contact in db.session.scalars(select(Contact)):  # a note a venue might keep
        contact.notes = f"Habite au {STREET}, Marseille"
    agency = StaffFactory(agency_role="admin", name="Agnès Dupré",
                          email="agnes.dupre@agence.example")
    token = issue_token(db.session, venue=None, now=now)
    db.session.commit()
    return {"agency": agency, "token": token}


def personal_values(db) -> dict[str, set[str]]:
    orders = db.session.scalars(select(Order)).all()
    venue_postcodes = set(db.session.scalars(select(Venue.postcode)))
    return {
        "emails": {o.buyer_email.lower() for o in orders if o.buyer_email},
        "names": {part for o in orders if o.buyer_name for part in o.buyer_name.split()
                  if len(part) > 4},
        "birth_years": {str(o.buyer_birth_year) for o in orders if o.buyer_birth_year},
        "postcodes": {o.buyer_postcode for o in orders
                      if o.buyer_postcode and o.buyer_postcode not in venue_postcodes},
    }


def assert_nothing_personal(text: str, where: str, values: dict[str, set[str]],
                            any_email: bool = True) -> None:
    lowered = text.lower()
    for email in values["emails"]:
        assert email not in lowered, (where, email)
        assert email.split("@")[0] not in lowered, (where, email)
    for name in values["names"]:
        assert name.lower() not in lowered, (where, name)
    for year in values["birth_years"]:
        assert not re.search(rf"(?<![\d.,]){year}(?![\d.,])", text), (where, year)
    for postcode in values["postcodes"]:
        assert not re.search(rf"(?<!\d){postcode}(?!\d)", text), (where, postcode)
    assert STREET.lower() not in lowered and "tilleuls" not in lowered, where
    for field in FIELD_NAMES:
        assert field not in text, (where, field)
    if any_email:
        assert not ANY_EMAIL.search(text), (where, ANY_EMAIL.search(text).group(0))


def agency_urls(app) -> list[str]:
    """Every GET page of the agency, with each period and grouping it can show."""
    span = f"from={PERIOD.start}&to={PERIOD.end}"
    queries = [""] + [f"?days={d}" for d in (7, 30, 90, 365)] + [
        f"?{span}&group_by={g}" for g in GROUPINGS] + [
        f"?from={PERIOD.previous().start}&to={PERIOD.previous().end}&group_by=week",
        f"?{span}&lang=en"]
    urls = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint not in AGENCY_PAGES or "GET" not in rule.methods:
            continue
        if rule.endpoint == "agency.export":
            urls += [f"/agency/export/{table}.csv?{span}&group_by={g}"
                     for table in ("headline", "uptake", "timeline", "timing", "territories")
                     for g in GROUPINGS]
            urls += [f"/agency/export/uptake.csv?{span}&group_by={g}&lang=en" for g in GROUPINGS]
        elif rule.endpoint == "agency.dashboard":
            urls += [f"/agency/{q}" for q in queries]
        else:
            urls.append(rule.rule)
    return urls


def test_the_world_holds_what_must_never_leak(db, world):
    values = personal_values(db)
    assert len(values["emails"]) > 60 and "ysoline.verdier0@courrier.example" in values["emails"]
    assert set(map(str, PRIVATE_BIRTH_YEARS)) <= values["birth_years"]
    notes = db.session.scalars(select(Contact.notes)).all()
    assert len(notes) == 3 and all(STREET in note for note in notes)
    assert values["postcodes"]


def test_no_agency_page_or_export_names_a_buyer(app, db, client, world):
    values = personal_values(db)
    with time_machine.travel(NOON, tick=False):
        log_in(client, world["agency"])
        urls = agency_urls(app)
        assert len(urls) > 35
        for url in urls:
            for headers in ({}, {"HX-Request": "true"}):
                response = client.get(url, headers=headers)
                assert response.status_code == 200, url
                assert_nothing_personal(response.get_data(as_text=True), url, values,
                                        any_email=url != "/agency/team")


def test_the_pages_do_show_the_aggregates_they_are_for(app, db, client, world):
    with time_machine.travel(NOON, tick=False):
        log_in(client, world["agency"])
        page = client.get(f"/agency/?from={PERIOD.start}&to={PERIOD.end}&group_by=venue")
    text = page.get_data(as_text=True)
    assert "La-Criee" in text and "Bouches-du-Rhône" in text and " km" in text


def test_no_agency_api_answer_names_a_buyer(app, db, client, world):
    values = personal_values(db)
    routes = [rule.rule for rule in app.url_map.iter_rules()
              if rule.rule.startswith("/api/v1/agency/") and "GET" in rule.methods]
    assert routes == ["/api/v1/agency/uptake", "/api/v1/agency/waitlist"]
    headers = {"Authorization": f"Bearer {world['token']}"}
    asked = {"/api/v1/agency/uptake": (GROUPINGS, ("json", "csv")),
             "/api/v1/agency/waitlist": (WAITLIST_GROUPINGS, ("json",))}
    for route in routes:
        groupings, formats = asked[route]
        for group_by in groupings:
            for fmt in formats:
                url = f"{route}?from={PERIOD.start}&to={PERIOD.end}&group_by={group_by}" \
                      f"&format={fmt}"
                response = client.get(url, headers=headers)
                assert response.status_code == 200, url
                assert_nothing_personal(response.get_data(as_text=True), url, values)
