"""One-line fields refuse control characters: the same rule in the API, the forms and the
services (a line break in a show title once broke the evening's e-mails).

The API answers 422 `invalid_characters` naming the field, and documents the rule as an
OpenAPI pattern; a form comes back with the message under the field; nothing is written.
Surrounding whitespace is not refused: it is stripped, as always.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import time
from datetime import timedelta

import pytest
import time_machine
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import Form, PasswordField, StringField, TextAreaField

import marketplace
import venues_portal
from marketplace.domain.catalog.models import Show
from marketplace.domain.errors import ValidationFailed
from marketplace.domain.inventory.services import place_hold
from marketplace.domain.timeutil import utcnow
from marketplace.domain.validation import (
    ONE_LINE_MESSAGE,
    ONE_LINE_PATTERN,
    ONE_LINE_REQUIRED_PATTERN,
    breaks_the_line,
    text,
)
from marketplace.web.one_line import OneLine
from tests.buying import row_counts
from tests.factories import (
    MembershipFactory,
    PerformanceFactory,
    ReleaseFactory,
    StaffFactory,
    VenueFactory,
    log_in,
)
from tests.test_bad_input_http import assert_refused, bearer, new_hold, world  # noqa: F401

FRENCH_MESSAGE = "Les retours à la ligne et autres caractères de contrôle ne sont pas acceptés ici."
BREAKS = ["Le\r\nCid", "Le\nCid", "Le\rCid", "Le\tCid", "Le\x1bCid", "Le\x85Cid", "Le\u2028Cid",
          "Le\x7fCid"]


# The rule ---------------------------------------------------------------------------------


@pytest.mark.parametrize("value", BREAKS)
def test_a_control_character_inside_breaks_the_line(value):
    assert breaks_the_line(value)
    with pytest.raises(ValidationFailed) as refused:
        text(value, "title", "The title", 200)
    assert (refused.value.code, refused.value.field) == ("invalid_characters", "title")
    assert refused.value.message == ONE_LINE_MESSAGE


@pytest.mark.parametrize("value", ["Le Cid", "  Le Cid\r\n", "\tLe\u00a0Cid ", "", "   ",
                                   "Théâtre — « Le Cid »", "\u2028Le Cid\u2029"])
def test_plain_text_and_surrounding_whitespace_stay_on_one_line(value):
    assert not breaks_the_line(value)
    assert text(value, "title", "The title", 200) == value.strip()


def test_several_lines_are_still_fine_where_they_are_meant():
    assert text("Métro 1.\r\nBus 83.", "transport_notes", "The notes", 2000,
                multiline=True) == "Métro 1.\r\nBus 83."


def test_the_pattern_takes_linear_time_on_hostile_input():
    """Written so that no input makes it backtrack (the API runs it on every body)."""
    for pattern in (ONE_LINE_PATTERN, ONE_LINE_REQUIRED_PATTERN):
        compiled = re.compile(pattern)
        for hostile in (" " * 200_000 + "\x01", "a " * 100_000 + "\n\x01",
                        " " * 100_000 + "a" + " " * 100_000 + "\x01"):
            started = time.perf_counter()
            assert compiled.match(hostile) is None
            assert time.perf_counter() - started < 1.0


def test_the_api_document_states_the_rule_for_every_one_line_field(client):
    """Schemathesis and API clients read the rule from the document's patterns."""
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    fields = {("ShowInput", "title"): "Le Cid", ("ShowInput", "age_guidance"): "dès 8 ans",
              ("ShowInput", "image_url"): "https://x.org/le cid.jpg",
              ("ReleaseCreate", "category"): "Balcon haut", ("CheckoutRequest", "name"): "Léa M",
              ("CheckinInput", "code"): "abc def"}
    for (schema, field), value in fields.items():
        pattern = re.compile(schemas[schema]["properties"][field]["pattern"])
        assert pattern.match(f" {value}\n"), (schema, field)
        assert not pattern.match(value.replace(" ", "\r\n", 1)), (schema, field)
    email = re.compile(schemas["CheckoutRequest"]["properties"]["email"]["pattern"])
    assert email.match("lea@example.org") and not email.match("l\x01ea@example.org")


# The API ----------------------------------------------------------------------------------


def _performance_body(title: str) -> dict:
    return {"show": {"title": title, "discipline": "theatre"},
            "starts_at": (utcnow() + timedelta(days=3)).isoformat()}


@pytest.mark.parametrize("value", BREAKS)
def test_a_show_title_on_two_lines_is_422_invalid_characters(client, world, value):  # noqa: F811
    before = row_counts()
    response = client.post("/api/v1/venue/performances", json=_performance_body(value),
                           headers=bearer(world["venue_token"]))
    body = assert_refused(response, 422, "invalid_characters")
    assert body["field"] == "show.title" and ONE_LINE_MESSAGE in body["message"]
    assert row_counts() == before


def test_every_one_line_field_of_the_api_refuses_a_line_break(client, world):  # noqa: F811
    venue = bearer(world["venue_token"])
    release = {"performance_id": world["performance"].id, "category": "Balcon",
               "face_price_cents": 2000, "quantity": 10, "start_discount_percent": 30,
               "max_discount_percent": 60}
    show = _performance_body("Le Cid")
    cases = [
        ("/api/v1/venue/performances", {**show, "show": {**show["show"],
                                                         "age_guidance": "dès\n8 ans"}},
         "show.age_guidance"),
        ("/api/v1/venue/performances", {**show, "show": {**show["show"],
                                                         "image_url": "https://x.org/a\r\nb"}},
         "show.image_url"),
        ("/api/v1/venue/releases", {**release, "category": "Balcon\r\nBcc: x"}, "category"),
        ("/api/v1/venue/checkins", {"code": "abc\ndef"}, "code"),
    ]
    before = row_counts()
    for url, body, field in cases:
        refused = assert_refused(client.post(url, json=body, headers=venue), 422,
                                 "invalid_characters")
        assert refused["field"] == field
    hold_id = new_hold(client, world)
    held = row_counts()
    for field, value in [("name", "Léa\r\nMartin"), ("email", "lea\x01@example.org"),
                         ("postcode", "130\n06")]:
        response = client.post(f"/api/v1/holds/{hold_id}/checkout", json={
            "email": "lea@example.org", "name": "Léa Martin", "postcode": "13006",
            field: value})
        assert assert_refused(response, 422, "invalid_characters")["field"] == field
    assert row_counts() == held and held != before


def test_a_trailing_line_break_is_only_whitespace(client, world, db):  # noqa: F811
    response = client.post("/api/v1/venue/performances", json=_performance_body("Le Cid\r\n"),
                           headers=bearer(world["venue_token"]))
    assert response.status_code == 201, response.get_json()
    assert db.session.scalar(select(Show.title).where(Show.venue_id == world["venue"].id,
                                                      Show.title.startswith("Le Cid"))) \
        == "Le Cid"


def test_the_services_refuse_it_too_whoever_calls_them(db):
    from marketplace.domain.catalog.services import add_venue

    with pytest.raises(ValidationFailed) as refused:
        add_venue(db.session, name="La\nCriée", city="Marseille", postcode="13007",
                  lat=43.29, lng=5.36)
    assert (refused.value.code, refused.value.field) == ("invalid_characters", "name")


# The forms --------------------------------------------------------------------------------


@pytest.fixture
def frozen(now):
    with time_machine.travel(now, tick=False):
        yield now


@pytest.fixture
def manager(db, client, frozen):
    membership = MembershipFactory(role="manager", venue=VenueFactory(name="La Criée"))
    db.session.commit()
    log_in(client, membership.user)
    return membership


def _refused_with_the_message(response) -> None:
    assert response.status_code == 422, response.status_code
    assert FRENCH_MESSAGE in response.get_data(as_text=True)


def test_a_portal_show_title_on_two_lines_comes_back_with_the_message(db, client, manager):
    before = row_counts()
    _refused_with_the_message(client.post(
        f"/portal/venues/{manager.venue.slug}/performances/new",
        data={"show_id": "", "title": "Le\r\nCid", "discipline": "theatre",
              "dates-0": "2026-11-21T20:30"}))
    assert row_counts() == before


@pytest.mark.parametrize("field", ["name", "city", "address", "phone", "email", "website"])
def test_a_venue_profile_field_on_two_lines_comes_back_with_the_message(db, client, manager,
                                                                       field):
    venue = manager.venue
    data = {"name": venue.name, "address": venue.address, "postcode": venue.postcode,
            "city": venue.city, "lat": str(venue.lat), "lng": str(venue.lng), "phone": "",
            "email": "", "website": "", "webhook_url": ""}
    data[field] = "https://x.org/a\nb" if field == "website" else "a\nb"
    before = row_counts()
    _refused_with_the_message(client.post(f"/portal/venues/{venue.slug}/profile", data=data))
    assert row_counts() == before


def test_a_release_category_on_two_lines_comes_back_with_the_message(db, client, manager, now):
    performance = PerformanceFactory(show__venue=manager.venue, venue=manager.venue,
                                     starts_at=now + timedelta(days=1))
    db.session.commit()
    before = row_counts()
    _refused_with_the_message(client.post(
        f"/portal/venues/{manager.venue.slug}/performances/{performance.id}/releases/new",
        data={"category": "Balcon\r\nBcc: x", "face_price": "20", "quantity": "10",
              "start_discount_percent": "30", "max_discount_percent": "60", "curve": "linear",
              "max_per_order": "6"}))
    assert row_counts() == before


def test_an_agency_invitation_on_two_lines_comes_back_with_the_message(db, client):
    agent = StaffFactory(agency_role="admin")
    db.session.commit()
    log_in(client, agent)
    before = row_counts()
    _refused_with_the_message(client.post("/agency/venues/new", data={
        "name": "Le Théâtre\nde l'Œuvre", "postcode": "13001", "city": "Marseille",
        "discipline": "theatre", "manager_email": "m@oeuvre.example"}))
    _refused_with_the_message(client.post("/agency/team", data={
        "email": "c@agence.example", "name": "Céline\r\nX", "role": "staff"}))
    assert row_counts() == before


def test_the_checkout_page_and_the_public_forms_explain_it(db, client, frozen):
    release = ReleaseFactory()
    db.session.commit()
    hold = place_hold(db.session, release.id, 1, frozen, 600)
    before = row_counts()
    _refused_with_the_message(client.post(f"/checkout/{hold.id}", data={
        "email": "lea@example.org", "name": "Léa\r\nMartin", "postcode": "13006"}))
    _refused_with_the_message(client.post("/mes-donnees", data={"email": "lea\x0b@example.org"}))
    _refused_with_the_message(client.post("/alertes", data={
        "email": "nadia@example.org", "lat": "43.3", "lng": "5.4",
        "place_label": "Marseille\r\nX"}))
    assert row_counts() == before


def _form_classes() -> list[type]:
    for package in (marketplace, venues_portal):
        for module in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            if "forms" in module.name or module.name.endswith("views"):
                importlib.import_module(module.name)
    found, todo = [], [FlaskForm, Form]
    while todo:
        for subclass in todo.pop().__subclasses__():
            todo.append(subclass)
            if subclass.__module__.startswith(("marketplace.", "venues_portal.")):
                found.append(subclass)
    return found


# The checkout form's fields are read by the checkout service (marketplace.domain.orders.checkout),
# which refuses control characters itself and names the field (tested above).
CHECKED_BY_THE_SERVICE = {"CheckoutForm"}


def test_every_one_line_field_of_every_form_carries_the_check(app):
    forms = [form for form in _form_classes() if form.__name__ not in CHECKED_BY_THE_SERVICE]
    assert len(forms) > 15
    with app.test_request_context():
        for form_class in forms:
            for name, unbound in inspect.getmembers(form_class):
                field_class = getattr(unbound, "field_class", None)
                if not (field_class and issubclass(field_class, StringField)) or issubclass(
                        field_class, TextAreaField | PasswordField):
                    continue
                validators = unbound.kwargs.get("validators") or (
                    unbound.args[1] if len(unbound.args) > 1 else [])
                assert any(isinstance(v, OneLine) for v in validators), (form_class, name)
