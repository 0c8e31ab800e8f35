"""Onboarding: the agency invites a venue (its manager can then log in), suspends and reinstates
it, and manages its own team."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from marketplace.domain.accounts.models import Membership, User
from marketplace.domain.accounts.services import issue_token
from marketplace.domain.catalog.geocoding import GeoPoint
from marketplace.domain.catalog.models import Venue
from marketplace.domain.mail.models import OutboundEmail
from tests.factories import (
    STAFF_PASSWORD,
    MembershipFactory,
    ReleaseFactory,
    StaffFactory,
    VenueFactory,
    log_in,
)
from tests.smtp_server import smtp_server

NEW_VENUE = {"name": "Le Théâtre de l'Œuvre", "address": "1 rue Mission de France",
             "postcode": "13001", "city": "Marseille", "discipline": "theatre",
             "manager_name": "Mathilde Roux", "manager_email": "Mathilde@Oeuvre.example"}
NEW_PASSWORD = "une longue phrase de passe"


@pytest.fixture
def agency(db):
    person = StaffFactory(agency_role="staff", name="Agnès Dupré")
    db.session.commit()
    return person


@pytest.fixture
def admin(db):
    person = StaffFactory(agency_role="admin", name="Adèle Admin")
    db.session.commit()
    return person


def emails(db) -> list[OutboundEmail]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboundEmail).order_by(OutboundEmail.id)))


def link_in(email: OutboundEmail, prefix: str) -> str:
    return re.search(rf"http://kiosque\.test({prefix}\S+)", email.body_text).group(1)


def venue_named(db, name: str) -> Venue | None:
    db.session.expire_all()
    return db.session.scalar(select(Venue).where(Venue.name == name))


# Inviting a venue ---------------------------------------------------------------------------


def test_an_invited_venues_manager_chooses_a_password_and_logs_in_to_the_portal(db, client,
                                                                               agency):
    log_in(client, agency)
    response = client.post("/agency/venues/new", data=NEW_VENUE)
    assert response.status_code == 302 and response.headers["Location"] == "/agency/venues"
    venue = venue_named(db, NEW_VENUE["name"])
    assert venue.slug == "le-theatre-de-l-oeuvre" and venue.status == "active"
    assert (venue.lat, venue.lng) == (43.2965, 5.3698)  # the town table: no geocoder in tests
    manager = db.session.scalar(select(User).where(User.email == "mathilde@oeuvre.example"))
    assert manager.password_hash is None and manager.role_at(venue.id) == "manager"
    [email] = emails(db)
    assert email.to_address == "mathilde@oeuvre.example" and email.status == "outbox"
    assert "Le Théâtre de l'Œuvre rejoint Kiosque" in email.subject
    assert "Agnès Dupré, de l'agence régionale, a ouvert" in email.body_text
    listing = client.get("/agency/venues").get_data(as_text=True)
    assert "Invitation pas encore acceptée" in listing
    client.post("/portal/logout")

    invitation = link_in(email, "/portal/invitation/")
    page = client.get(invitation).get_data(as_text=True)
    assert "Le Théâtre de l&#39;Œuvre" in page
    accepted = client.post(invitation, data={"name": "Mathilde Roux", "password": NEW_PASSWORD,
                                             "confirm": NEW_PASSWORD})
    assert accepted.status_code == 302
    home = client.get("/portal/")
    assert home.headers["Location"] == f"/portal/venues/{venue.slug}/"
    client.post("/portal/logout")
    again = client.post("/portal/login", data={"email": "mathilde@oeuvre.example",
                                               "password": NEW_PASSWORD})
    assert again.status_code == 302
    assert client.get(f"/portal/venues/{venue.slug}/").status_code == 200
    assert client.get("/agency/").status_code == 403  # a venue manager, not the agency


def test_the_invitation_reaches_the_smtp_server_after_the_commit(app, db, client, agency):
    log_in(client, agency)
    with smtp_server() as (url, received):
        app.config["SMTP_URL"] = url
        try:
            client.post("/agency/venues/new", data=NEW_VENUE)
        finally:
            app.config["SMTP_URL"] = None
    [message] = received
    assert message["To"] == "mathilde@oeuvre.example"
    parts = [part.get_payload(decode=True).decode() for part in message.walk()
             if part.get_content_type() in ("text/plain", "text/html")]
    assert len(parts) == 2
    assert all("http://kiosque.test/portal/invitation/" in part for part in parts)
    assert emails(db)[0].status == "sent"


def test_the_address_is_located_by_the_geocoder_when_one_answers(app, db, client, agency):
    class Geocoder:
        def geocode(self, query):
            assert query == "1 rue Mission de France, 13001 Marseille"
            return GeoPoint(43.2990, 5.3730, "Théâtre de l'Œuvre, Marseille")

    log_in(client, agency)
    app.config["GEOCODER"] = Geocoder()
    try:
        client.post("/agency/venues/new", data=NEW_VENUE)
    finally:
        del app.config["GEOCODER"]
    venue = venue_named(db, NEW_VENUE["name"])
    assert (venue.lat, venue.lng) == (43.2990, 5.3730)


def test_typed_coordinates_are_kept(db, client, agency):
    log_in(client, agency)
    client.post("/agency/venues/new", data={**NEW_VENUE, "lat": "43.3", "lng": "5.37"})
    venue = venue_named(db, NEW_VENUE["name"])
    assert (venue.lat, venue.lng) == (43.3, 5.37)


def test_an_address_nobody_can_place_asks_for_coordinates_and_creates_nothing(db, client,
                                                                             agency):
    log_in(client, agency)
    response = client.post("/agency/venues/new", data={**NEW_VENUE, "postcode": "99999"})
    assert response.status_code == 422
    assert "indiquez sa latitude et sa longitude" in response.get_data(as_text=True)
    assert venue_named(db, NEW_VENUE["name"]) is None and emails(db) == []
    assert db.session.scalar(select(User).where(User.email == "mathilde@oeuvre.example")) is None


@pytest.mark.parametrize("field, value, message", [
    ("name", "", "Le lieu a besoin d"),
    ("postcode", "130", "Un code postal français a 5 chiffres."),
    ("manager_email", "pas-une-adresse", "Cette adresse e-mail ne semble pas correcte."),
    ("lat", "123", "Une latitude est comprise entre -90 et 90."),
])
def test_a_bad_venue_form_says_what_is_wrong_and_creates_nothing(db, client, agency, field,
                                                                 value, message):
    log_in(client, agency)
    response = client.post("/agency/venues/new", data={**NEW_VENUE, field: value,
                                                       "lng": "5.3"})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(Venue)) is None and emails(db) == []


def test_someone_with_an_account_is_simply_told_they_manage_the_new_venue(db, client, agency):
    existing = MembershipFactory(role="box_office").user
    db.session.commit()
    log_in(client, agency)
    client.post("/agency/venues/new", data={**NEW_VENUE, "manager_email": existing.email})
    [email] = emails(db)
    assert "Vous gérez désormais" in email.subject and "/invitation/" not in email.body_text
    venue = venue_named(db, NEW_VENUE["name"])
    db.session.refresh(existing)
    assert existing.role_at(venue.id) == "manager" and len(existing.memberships) == 2


def test_an_invitation_not_taken_can_be_sent_again(db, client, agency):
    with time_machine.travel("2026-11-20T10:00:00+01:00", tick=False):
        log_in(client, agency)
        client.post("/agency/venues/new", data=NEW_VENUE)
    venue = venue_named(db, NEW_VENUE["name"])
    with time_machine.travel("2026-11-28T10:00:00+01:00", tick=False):
        log_in(client, agency)
        client.post(f"/agency/venues/{venue.id}/invitation")
        first, second = emails(db)
        assert first.dedup_key != second.dedup_key
        invitation = link_in(second, "/portal/invitation/")
        assert client.get(link_in(first, "/portal/invitation/")).status_code == 404  # expired
        client.post("/portal/logout")
        client.post(invitation, data={"name": "M", "password": NEW_PASSWORD,
                                      "confirm": NEW_PASSWORD})
        client.post("/portal/logout")
        log_in(client, agency)
        client.post(f"/agency/venues/{venue.id}/invitation")
        page = client.get("/agency/venues").get_data(as_text=True)
        assert client.post("/agency/venues/9999/invitation").status_code == 404
    assert "Tous les responsables de ce lieu ont déjà choisi leur mot de passe." in page
    assert len(emails(db)) == 2


# Suspending and reinstating ------------------------------------------------------------------


def test_a_suspended_venue_leaves_the_storefront_and_its_tokens_stop(db, client, agency, now):
    release = ReleaseFactory(sales_open_at=now - timedelta(hours=2))
    venue = release.performance.venue
    token = issue_token(db.session, venue=venue, now=now)
    db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    with time_machine.travel(now, tick=False):
        log_in(client, agency)

        def offers() -> list[int]:
            return [o["id"] for o in client.get("/api/v1/offers?when=all").get_json()["offers"]]

        assert offers() and client.get("/api/v1/venue/me", headers=headers).status_code == 200
        suspended = client.post(f"/agency/venues/{venue.id}/suspend")
        assert suspended.status_code == 302
        assert offers() == []
        assert client.get("/api/v1/venue/me", headers=headers).status_code == 401
        listing = client.get("/agency/venues").get_data(as_text=True)
        assert "Suspendu" in listing and "Réactiver" in listing
        client.post(f"/agency/venues/{venue.id}/reinstate")
        assert offers() and client.get("/api/v1/venue/me", headers=headers).status_code == 200
    db.session.expire_all()
    assert db.session.get(Venue, venue.id).status == "active"


def test_suspending_an_unknown_venue_is_a_404(db, client, agency):
    log_in(client, agency)
    assert client.post("/agency/venues/4242/suspend").status_code == 404


def test_the_venue_list_shows_every_venue_and_no_one_in_its_team(db, client, agency):
    MembershipFactory(venue=VenueFactory(name="Le Silo"), user__email="gerant@silo.example")
    VenueFactory(name="La Criée", status="suspended")
    db.session.commit()
    log_in(client, agency)
    page = client.get("/agency/venues").get_data(as_text=True)
    assert "Le Silo" in page and "La Criée" in page
    assert "gerant@silo.example" not in page


# The agency's team -----------------------------------------------------------------------------


def test_an_invited_colleague_chooses_a_password_and_lands_on_the_dashboard(db, client, admin):
    log_in(client, admin)
    response = client.post("/agency/team", data={"email": "Bruno@Agence.example",
                                                 "name": "Bruno", "role": "staff"})
    assert response.status_code == 302
    [email] = emails(db)
    assert email.to_address == "bruno@agence.example"
    invitation = link_in(email, "/agency/invitation/")
    client.post("/portal/logout")
    assert "bruno@agence.example" in client.get(invitation).get_data(as_text=True)
    # Long enough is not enough: his own name is guessed at once.
    weak = client.post(invitation, data={"name": "Bruno Blanc", "password": "Bruno Blanc!",
                                         "confirm": "Bruno Blanc!"})
    assert weak.status_code == 200
    page = weak.get_data(as_text=True)
    assert "Ce mot de passe est trop facile à deviner" in page
    assert "N’utilisez ni votre nom ni votre adresse e-mail." in page
    accepted = client.post(invitation, data={"name": "Bruno Blanc", "password": NEW_PASSWORD,
                                             "confirm": NEW_PASSWORD})
    assert accepted.headers["Location"] == "/agency/"
    assert client.get("/agency/").status_code == 200
    assert client.get("/agency/team").status_code == 403  # staff, not admin
    assert client.get(invitation).status_code == 404  # used


def test_a_venue_manager_can_be_given_agency_access_without_a_new_password(db, client, admin):
    manager = MembershipFactory(role="manager").user
    db.session.commit()
    log_in(client, admin)
    client.post("/agency/team", data={"email": manager.email, "name": "", "role": "admin"})
    [email] = emails(db)
    assert "/invitation/" not in email.body_text
    client.post("/portal/logout")
    log_in(client, manager)
    assert client.get("/agency/team").status_code == 200


def test_the_team_refuses_duplicates_and_removing_oneself(db, client, admin):
    colleague = StaffFactory(agency_role="staff", email="celine@agence.example")
    db.session.commit()
    log_in(client, admin)
    twice = client.post("/agency/team", data={"email": colleague.email, "role": "staff"})
    assert twice.status_code == 422
    assert "fait déjà partie de l&#39;équipe de l&#39;agence" in twice.get_data(as_text=True)
    client.post(f"/agency/team/{admin.id}/remove")
    assert "retirer votre propre accès" in client.get("/agency/team").get_data(as_text=True)
    client.post(f"/agency/team/{colleague.id}/remove")
    db.session.expire_all()
    assert db.session.get(User, colleague.id).agency_role is None
    assert db.session.get(User, admin.id).agency_role == "admin"
    assert client.post(f"/agency/team/{colleague.id}/remove").status_code == 404


def test_a_forged_or_unknown_invitation_link_is_a_404(client):
    page = client.get("/agency/invitation/not-a-token")
    assert page.status_code == 404
    # The agency's words and chrome: whom to ask, and the way to its dashboard.
    text = page.get_data(as_text=True)
    assert "Demandez à l'administration de l'agence" in text.replace("&#39;", "'")
    assert "/portal/login?next=/agency/" in text
    assert "un manager du lieu" not in text


def test_venue_and_agency_invitations_are_one_page_saying_which_team_and_role(db, client,
                                                                              admin):
    """The same page welcomes both; what differs is the team joined, with its role."""
    log_in(client, admin)
    client.post("/agency/team", data={"email": "chloe@agence.example", "role": "admin"})
    client.post("/agency/venues/new", data=NEW_VENUE)
    colleague, manager = emails(db)
    client.post("/portal/logout")
    agency_page = client.get(link_in(colleague, "/agency/invitation/")).get_data(as_text=True)
    venue_page = client.get(link_in(manager, "/portal/invitation/")).get_data(as_text=True)
    for page in (agency_page, venue_page):
        assert "Bienvenue sur Kiosque" in page and "Vous êtes invité" in page
        assert 'name="confirm"' in page
    assert "Agence régionale</strong> · Administration" in agency_page
    assert "Le Théâtre de l&#39;Œuvre</strong> · Responsable" in venue_page
    assert "Agence régionale</strong>" not in venue_page


def test_memberships_are_untouched_by_agency_roles(db, client, admin):
    membership = MembershipFactory(role="box_office")
    db.session.commit()
    log_in(client, admin)
    client.post("/agency/team", data={"email": membership.user.email, "role": "staff"})
    client.post(f"/agency/team/{membership.user.id}/remove")
    db.session.expire_all()
    assert db.session.scalars(select(Membership.role)).all() == ["box_office"]


def test_the_staff_password_still_logs_in(db, client, agency):
    response = client.post("/portal/login?next=/agency/venues", data={
        "email": agency.email, "password": STAFF_PASSWORD})
    assert response.headers["Location"] == "/agency/venues"
