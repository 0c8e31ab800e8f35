"""The foundation: health, error format, API tokens."""

from __future__ import annotations

from marketplace.domain.accounts.services import issue_token
from tests.factories import VenueFactory


def test_healthz_reports_database_and_redis(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["redis"] in {"ok", "absent"}


def test_unknown_api_route_answers_json_error(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.get_json()["error"] == "not_found"
    assert response.get_json()["message"]


def test_unknown_page_answers_a_friendly_html_page(client):
    response = client.get("/nothing-here")
    assert response.status_code == 404
    assert response.mimetype == "text/html"


def test_venue_token_answers_its_own_venue(db, client, now):
    venue = VenueFactory(slug="la-criee", name="La Criée")
    token = issue_token(db.session, venue=venue, now=now)
    db.session.commit()
    response = client.get("/api/v1/venue/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.get_json()["slug"] == "la-criee"
    assert response.get_json()["name"] == "La Criée"


def test_venue_api_refuses_missing_and_wrong_tokens(db, client, now):
    venue = VenueFactory()
    token = issue_token(db.session, venue=venue, now=now)
    agency_token = issue_token(db.session, venue=None, now=now)
    db.session.commit()
    assert client.get("/api/v1/venue/me").status_code == 401
    for bad in (token + "x", "Basic " + token, agency_token):
        header = bad if bad.startswith("Basic") else f"Bearer {bad}"
        response = client.get("/api/v1/venue/me", headers={"Authorization": header})
        assert response.status_code == 401
        assert response.get_json()["error"] == "unauthorized"


def test_suspended_venue_token_is_refused(db, client, now):
    venue = VenueFactory(status="suspended")
    token = issue_token(db.session, venue=venue, now=now)
    db.session.commit()
    response = client.get("/api/v1/venue/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


def test_tokens_are_stored_only_as_hashes(db, now):
    from marketplace.domain.models import ApiToken

    token = issue_token(db.session, venue=VenueFactory(), now=now)
    db.session.commit()
    stored = db.session.query(ApiToken).one()
    assert token not in (stored.token_hash, stored.prefix)
