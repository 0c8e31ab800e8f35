"""GET /api/v1/venue/contacts: a venue's system pulls its contacts, as JSON or CSV."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from marketplace.domain.accounts.services import issue_token
from marketplace.domain.contacts.models import Contact
from marketplace.domain.rights.services import withdraw_consent
from tests.factories import ReleaseFactory, VenueFactory
from tests.test_contacts_portal import CONSENT, sale

FIELDS = {"id", "email", "name", "postcode", "birth_year", "source", "stage", "purchases",
          "amount_cents", "disciplines", "marketing_consent", "consent_at", "consent_text",
          "first_purchase_at", "last_purchase_at", "created_at", "updated_at"}


@pytest.fixture
def frozen(now):
    with time_machine.travel(now, tick=False):
        yield now


@pytest.fixture
def venue(db, frozen):
    return VenueFactory(name="La Criée", slug="la-criee")


@pytest.fixture
def token(db, venue, frozen):
    issued = issue_token(db.session, venue=venue, label="CRM", now=frozen)
    db.session.commit()
    return issued


def pull(client, token, **query):
    return client.get("/api/v1/venue/contacts", query_string=query,
                      headers={"Authorization": f"Bearer {token}"})


def test_a_venue_pulls_its_contacts_with_the_designed_fields(db, client, frozen, venue, token):
    release = ReleaseFactory(performance__show__venue=venue)
    sale(db, release, frozen - timedelta(hours=2), email="Lea@Example.org", consent=True,
         birth_year=1998, quantity=2)
    db.session.commit()
    response = pull(client, token)
    assert response.status_code == 200
    body = response.get_json()
    [contact] = body["contacts"]
    assert set(contact) == FIELDS
    assert contact["email"] == "lea@example.org" and contact["name"] == "Léa Martin"
    assert (contact["marketing_consent"], contact["consent_text"]) == (True, CONSENT)
    assert contact["consent_at"] == "2026-11-20T14:00:00+00:00"
    assert (contact["stage"], contact["purchases"], contact["amount_cents"]) == (
        "first_time", 1, 4200)
    assert contact["first_purchase_at"] == contact["last_purchase_at"] == \
        "2026-11-20T14:00:00+00:00"
    assert contact["disciplines"] == ["theatre"] and contact["source"] == "kiosque"
    assert body["next_page"] is None and body["as_of"] == "2026-11-20T16:00:00+00:00"


def test_updated_since_gives_only_what_changed_including_a_withdrawn_consent(
        db, client, frozen, venue, token):
    release = ReleaseFactory(performance__show__venue=venue)
    sale(db, release, frozen - timedelta(days=3), email="old@example.org", consent=True)
    sale(db, release, frozen - timedelta(days=1), email="new@example.org")
    db.session.commit()
    since = (frozen - timedelta(days=2)).isoformat()
    assert [c["email"] for c in pull(client, token, updated_since=since).get_json()[
        "contacts"]] == ["new@example.org"]
    withdraw_consent(db.session, "old@example.org", venue.slug, frozen)
    changed = pull(client, token, updated_since=frozen.isoformat()).get_json()["contacts"]
    assert [(c["email"], c["marketing_consent"]) for c in changed] == [
        ("old@example.org", False)]


def test_pages_come_by_id_and_say_which_is_next(db, client, frozen, venue, token):
    release = ReleaseFactory(performance__show__venue=venue)
    for n in range(5):
        sale(db, release, frozen - timedelta(hours=n), email=f"p{n}@example.org")
    db.session.commit()
    first = pull(client, token, per_page=2).get_json()
    third = pull(client, token, per_page=2, page=3).get_json()
    assert [c["email"] for c in first["contacts"]] == ["p0@example.org", "p1@example.org"]
    assert first["next_page"] == 2
    assert [c["email"] for c in third["contacts"]] == ["p4@example.org"]
    assert third["next_page"] is None


def test_csv_gives_every_contact_in_one_file(db, client, frozen, venue, token):
    release = ReleaseFactory(performance__show__venue=venue)
    for n in range(3):
        sale(db, release, frozen - timedelta(hours=n), email=f"p{n}@example.org",
             consent=n == 0)
    db.session.commit()
    response = pull(client, token, format="csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert set(rows[0]) == FIELDS
    assert [(r["email"], r["marketing_consent"]) for r in rows] == [
        ("p0@example.org", "true"), ("p1@example.org", "false"), ("p2@example.org", "false")]
    paged = pull(client, token, format="csv", per_page=2)
    assert paged.headers["X-Next-Page"] == "2"
    assert len(paged.get_data(as_text=True).strip().splitlines()) == 3


@pytest.mark.parametrize("query", [{"format": "xml"}, {"per_page": 0}, {"per_page": 501},
                                   {"page": "two"}, {"updated_since": "yesterday"}])
def test_bad_parameters_get_a_clear_422(client, token, query):
    response = pull(client, token, **query)
    assert response.status_code == 422
    assert response.get_json()["error"] == "validation_error"


def test_the_contacts_route_is_documented(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    operation = spec["paths"]["/api/v1/venue/contacts"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"updated_since", "format", "page",
                                                            "per_page"}
    assert "text/csv" in operation["responses"]["200"]["content"]
    assert operation["security"] == [{"bearerAuth": []}]


def test_erased_spectators_are_not_pulled(db, client, frozen, venue, token):
    from marketplace.domain.rights.services import erase

    release = ReleaseFactory(performance__show__venue=venue)
    sale(db, release, frozen, email="gone@example.org", name="Parti")
    db.session.commit()
    erase(db.session, "gone@example.org", frozen)
    assert pull(client, token).get_json()["contacts"] == []
    assert "Parti" not in pull(client, token, format="csv").get_data(as_text=True)
    assert db.session.scalars(select(Contact)).one().purchases == 1  # the accounting stays
