"""Whatever a client sends over HTTP gets a clear 4xx and changes nothing (DESIGN.md rule 7).

Oversized and malformed bodies, wrong content types, invalid UTF-8, NUL characters
(PostgreSQL refuses them in text, SQLite stores them), numbers and dates nobody could
mean, very long strings: each is refused with the JSON error shape under /api/ (or a
4xx page), and every table holds exactly the rows it held before.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from marketplace.domain.accounts.services import issue_token
from marketplace.domain.timeutil import utcnow
from tests.buying import bought, row_counts
from tests.factories import MembershipFactory, PerformanceFactory, ReleaseFactory, log_in

HUGE = 10**20
NUL = "\x00"


@pytest.fixture
def world(app, db):
    """A venue with an open release, a paid order, a manager, and a token of each scope."""
    now = utcnow()
    performance = PerformanceFactory(starts_at=now + timedelta(days=1))
    release = ReleaseFactory(performance=performance, quantity=50,
                             sales_open_at=now - timedelta(hours=1),
                             max_discount_at=now + timedelta(hours=20),
                             sales_close_at=performance.starts_at)
    manager = MembershipFactory(venue=performance.venue).user
    db.session.commit()
    order = bought(app, release, 1, now)
    tokens = {"venue_token": issue_token(db.session, venue=performance.venue, now=now),
              "agency_token": issue_token(db.session, venue=None, now=now)}
    db.session.commit()
    return {"release": release, "performance": performance, "venue": performance.venue,
            "manager": manager, "order": order, **tokens}


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def assert_refused(response, status: int, error: str | None = None) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    body = response.get_json()
    assert set(body) >= {"error", "message"} and body["message"], body
    if error:
        assert body["error"] == error, body
    return body


def new_hold(client, world) -> str:
    response = client.post("/api/v1/holds", json={"offer_id": world["release"].id,
                                                  "quantity": 1})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["hold_id"]


# Bodies ---------------------------------------------------------------------------------


def test_a_body_above_the_size_limit_is_413_in_the_json_shape(app, client, world):
    before = row_counts()
    too_big = json.dumps({"offer_id": world["release"].id, "quantity": 1,
                          "padding": "x" * app.config["MAX_CONTENT_LENGTH"]})
    response = client.post("/api/v1/holds", data=too_big, content_type="application/json")
    assert_refused(response, 413, "payload_too_large")
    assert row_counts() == before


def test_a_form_above_the_size_limit_gets_a_page_in_french(app, client, world):
    before = row_counts()
    response = client.post("/portal/login", data={
        "email": "x" * app.config["MAX_CONTENT_LENGTH"], "password": "secret"})
    page = response.get_data(as_text=True)
    assert response.status_code == 413 and "C’est trop volumineux" in page
    assert row_counts() == before


@pytest.mark.parametrize("body", [b"{", b'{"offer_id": 1,}', b"\xff\xfe{}", b"null garbage",
                                  b'{"offer_id": 1, "quantity": "\xe9"}'])
def test_malformed_or_invalid_utf8_json_is_400_invalid_json(client, world, body):
    before = row_counts()
    response = client.post("/api/v1/holds", data=body, content_type="application/json")
    assert_refused(response, 400, "invalid_json")
    assert row_counts() == before


@pytest.mark.parametrize("body", [[1, 2], "a string", 42, None])
def test_json_that_is_not_an_object_is_422(client, world, body):
    before = row_counts()
    response = client.post("/api/v1/holds", data=json.dumps(body),
                           content_type="application/json")
    assert_refused(response, 422)
    assert row_counts() == before


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", "text/plain",
                                          "multipart/form-data; boundary=x"])
def test_a_json_endpoint_refuses_other_content_types_with_415(client, world, content_type):
    before = row_counts()
    body = f'{{"offer_id": {world["release"].id}, "quantity": 1}}'
    response = client.post("/api/v1/holds", data=body, content_type=content_type)
    assert_refused(response, 415, "unsupported_media_type")
    response = client.patch(f"/api/v1/venue/releases/{world['release'].id}", data="quantity=3",
                            content_type=content_type, headers=bearer(world["venue_token"]))
    assert_refused(response, 415, "unsupported_media_type")
    assert row_counts() == before


def test_a_405_says_which_methods_are_allowed(client):
    response = client.put("/api/v1/holds")
    assert_refused(response, 405, "method_not_allowed")
    assert "POST" in response.headers["Allow"]


# Numbers --------------------------------------------------------------------------------


@pytest.mark.parametrize("quantity", [-1, 0, 51, HUGE, -HUGE, 1.5, "2", True, None])
def test_a_hold_of_an_impossible_quantity_is_422(client, world, quantity):
    before = row_counts()
    response = client.post("/api/v1/holds", json={"offer_id": world["release"].id,
                                                  "quantity": quantity})
    assert assert_refused(response, 422)["field"] == "quantity"
    assert row_counts() == before


@pytest.mark.parametrize("offer_id", [0, -1, HUGE, 2**31, 2**63])
def test_a_hold_of_an_id_no_row_can_have_is_a_4xx(client, world, offer_id):
    before = row_counts()
    response = client.post("/api/v1/holds", json={"offer_id": offer_id, "quantity": 1})
    assert response.status_code in (404, 422)
    assert_refused(response, response.status_code)
    assert row_counts() == before


@pytest.mark.parametrize("quantity", [-1, 0, 100_001, HUGE])
def test_a_release_cannot_be_resized_to_an_impossible_quantity(client, world, quantity):
    before = row_counts()
    response = client.patch(f"/api/v1/venue/releases/{world['release'].id}",
                            json={"quantity": quantity}, headers=bearer(world["venue_token"]))
    assert assert_refused(response, 422)["field"] == "quantity"
    assert row_counts() == before


@pytest.mark.parametrize("url", [
    f"/api/v1/offers?page={10**30}", "/api/v1/offers?per_page=-1", "/api/v1/offers?page=0",
    f"/api/v1/offers?per_page={10**30}", f"/api/v1/venue/sales?page={10**30}",
    "/api/v1/venue/sales?per_page=-1", f"/api/v1/venue/contacts?page={10**30}",
    f"/api/v1/offers/{HUGE}", f"/api/v1/venue/releases/{HUGE}", f"/api/v1/carousel?size={HUGE}",
    f"/api/v1/offers?lat={HUGE}&lng=5", "/api/v1/offers?lat=nan&lng=5",
    "/api/v1/offers?lat=43&lng=inf", "/api/v1/offers?lat=43&lng=5&radius_km=0",
])
def test_enormous_or_negative_numbers_in_api_queries_are_a_4xx(client, world, url):
    before = row_counts()
    response = client.get(url, headers=bearer(world["venue_token"]))
    assert response.status_code in (404, 422)
    assert_refused(response, response.status_code)
    assert row_counts() == before


@pytest.mark.parametrize("url", [f"/?page={10**30}", "/?page=-1", f"/?max_price={HUGE}",
                                 f"/?radius={HUGE}", "/?radius=-5", "/?radius=nan",
                                 f"/offers/{HUGE}"])
def test_enormous_numbers_in_the_storefront_never_break_it(client, world, url):
    assert client.get(url).status_code in (200, 404)


# Dates ----------------------------------------------------------------------------------


@pytest.mark.parametrize("starts_at", ["0001-01-01T00:00:00+00:00", "0001-01-01T00:00:00",
                                       "9999-12-31T23:59:59", "9999-12-31T23:59:59-12:00",
                                       "2000-01-01T00:00:00+00:00", "not a date", ""])
def test_a_performance_in_the_past_or_far_future_is_422(client, world, starts_at):
    before = row_counts()
    response = client.post("/api/v1/venue/performances", headers=bearer(world["venue_token"]),
                           json={"show": {"title": "Le Cid", "discipline": "theatre"},
                                 "starts_at": starts_at})
    assert assert_refused(response, 422)["field"] == "starts_at"
    assert row_counts() == before


@pytest.mark.parametrize("field, value", [
    ("sales_open_at", "0001-01-01T00:00:00"), ("sales_close_at", "9999-12-31T23:59:59"),
    ("max_discount_at", "0001-01-01T00:00:00+14:00"), ("sales_close_at", "1970-01-01T00:00:00Z"),
])
def test_a_release_with_dates_nobody_could_mean_is_422(client, world, field, value):
    before = row_counts()
    terms = {"performance_id": world["performance"].id, "category": "Balcon",
             "face_price_cents": 2000, "quantity": 10, "start_discount_percent": 30,
             "max_discount_percent": 60, field: value}
    response = client.post("/api/v1/venue/releases", json=terms,
                           headers=bearer(world["venue_token"]))
    assert_refused(response, 422)
    assert row_counts() == before


@pytest.mark.parametrize("query", ["from=0001-01-01&to=9999-12-31", "from=9999-12-31",
                                   "to=0001-01-01", "from=0001-01-01&to=0001-01-02",
                                   "from=2026-13-01", "group_by=everything"])
def test_agency_uptake_over_an_absurd_period_is_422(client, world, query):
    response = client.get(f"/api/v1/agency/uptake?{query}", headers=bearer(world["agency_token"]))
    assert response.status_code in (200, 422)
    if response.status_code == 422:
        assert_refused(response, 422)


@pytest.mark.parametrize("since", ["0001-01-01T00:00:00", "0001-01-01T00:00:00+14:00",
                                   "9999-12-31T23:59:59", "9999-12-31T23:59:59-12:00",
                                   "yesterday"])
def test_sales_and_contacts_since_any_instant_is_a_clear_answer(client, world, since):
    for url in (f"/api/v1/venue/sales?since={since}",
                f"/api/v1/venue/contacts?updated_since={since}"):
        response = client.get(url, headers=bearer(world["venue_token"]))
        assert response.status_code in (200, 422), response.get_data(as_text=True)[:300]
        if response.status_code == 422:
            assert_refused(response, 422)


# NUL characters and invalid UTF-8 -------------------------------------------------------


def test_a_nul_character_in_a_json_string_is_422_on_every_database(client, world):
    before = row_counts()
    hold_id = new_hold(client, world)
    held = row_counts()
    response = client.post(f"/api/v1/holds/{hold_id}/checkout", json={
        "email": "lea@example.org", "name": f"Léa{NUL}Martin", "postcode": "13006"})
    assert assert_refused(response, 422, "invalid_characters")["field"] == "name"
    for url, body in [
        ("/api/v1/venue/performances", {"show": {"title": f"Le{NUL}Cid",
                                                 "discipline": "theatre"},
                                        "starts_at": (utcnow() + timedelta(days=3)).isoformat()}),
        ("/api/v1/venue/checkins", {"code": f"abc{NUL}"}),
        ("/api/v1/venue/releases", {"performance_id": world["performance"].id,
                                    "category": NUL, "face_price_cents": 2000, "quantity": 10,
                                    "start_discount_percent": 30, "max_discount_percent": 60}),
    ]:
        assert_refused(client.post(url, json=body, headers=bearer(world["venue_token"])), 422,
                       "invalid_characters")
    assert row_counts() == held and held != before


@pytest.mark.parametrize("url", [
    "/api/v1/offers?discipline=%00", "/api/v1/orders/abc%00?token=x",
    "/api/v1/orders/abc?token=x%00", "/api/v1/me/data?token=%00", "/api/v1/holds/%00",
    "/api/v1/venue/sales?since=%00", "/?discipline=%00", "/?when=tonight%00",
    "/checkout/%00", "/orders/%00", "/tickets/%00.svg",
])
def test_a_nul_character_in_a_path_or_query_is_a_4xx(client, world, url):
    for method in ("GET", "DELETE") if "/holds/" in url else ("GET",):
        response = client.open(url, method=method, headers=bearer(world["venue_token"]))
        assert response.status_code == 422, (method, url, response.status_code)


def test_a_nul_character_in_a_form_field_changes_nothing(client, world):
    hold_id = new_hold(client, world)
    before = row_counts()
    response = client.post(f"/checkout/{hold_id}", data={
        "email": "lea@example.org", "name": f"Léa{NUL}", "postcode": "13006"})
    assert response.status_code == 422
    assert row_counts() == before


@pytest.mark.parametrize("query", [b"discipline=%ff%fe", b"when=%c3%28", b"page=%ff",
                                   b"sort=%80&max_price=%ff"])
def test_invalid_utf8_in_a_query_string_is_never_a_500(client, world, query):
    api = client.get("/api/v1/offers?" + query.decode("latin-1"))
    assert api.status_code in (200, 422)
    assert client.get("/?" + query.decode("latin-1")).status_code == 200


def test_invalid_utf8_in_a_form_field_re_renders_the_checkout(client, world):
    hold_id = new_hold(client, world)
    before = row_counts()
    response = client.post(f"/checkout/{hold_id}", data=(
        b"email=l%ff%fe%40example.org&name=L%c3%28a&postcode=13%ff06"),
        content_type="application/x-www-form-urlencoded")
    assert 400 <= response.status_code < 500
    assert row_counts() == before


# Very long strings ----------------------------------------------------------------------


def test_very_long_strings_are_422_not_truncated_nor_500(client, world):
    before = row_counts()
    long = "é" * 100_000
    venue = bearer(world["venue_token"])
    for url, body in [
        ("/api/v1/venue/performances", {"show": {"title": long, "discipline": "theatre"},
                                        "starts_at": (utcnow() + timedelta(days=3)).isoformat()}),
        ("/api/v1/venue/checkins", {"code": long}),
        ("/api/v1/venue/releases", {"performance_id": world["performance"].id,
                                    "category": long, "face_price_cents": 2000, "quantity": 10,
                                    "start_discount_percent": 30, "max_discount_percent": 60}),
    ]:
        assert_refused(client.post(url, json=body, headers=venue), 422)
    assert_refused(client.get(f"/api/v1/orders/x?token={'a' * 10_000}"), 422)
    assert_refused(client.get(f"/api/v1/offers?discipline={'a' * 10_000}"), 422)
    assert client.get(f"/?discipline={'a' * 10_000}&when={'b' * 10_000}").status_code == 200
    assert row_counts() == before


def test_a_portal_form_with_absurd_values_re_renders_with_a_message(client, world):
    log_in(client, world["manager"])
    before = row_counts()
    venue, performance = world["venue"], world["performance"]
    response = client.post(
        f"/portal/venues/{venue.slug}/performances/{performance.id}/releases/new",
        data={"category": "x" * 10_000, "face_price": "1e300", "quantity": str(HUGE),
              "start_discount": "-5", "max_discount": "999", "curve": "nope",
              "sales_open_at": "0001-01-01T00:00", "sales_close_at": "9999-12-31T23:59",
              "max_per_order": "0"})
    assert response.status_code == 422
    assert row_counts() == before


def test_a_value_the_database_refuses_is_422_and_rolled_back(app):
    """The second line behind the input guard: a DataError is the client's input, not a 500."""
    from sqlalchemy.exc import DataError

    from marketplace.web.errors import handle_database_unavailable

    refused = DataError("INSERT …", {}, Exception("integer out of range"))
    with app.test_request_context("/api/v1/holds", method="POST"):
        response, status, _headers = handle_database_unavailable(refused)
    assert status == 422
    assert response.get_json() == {"error": "invalid_value",
                                   "message": "A value is out of range or not allowed."}
