"""Every portal page and venue API route refuses whoever may not use it, and leaks nothing.

The walk reads the app's URL map, so a route added later is walked too: as an anonymous
visitor, as staff of another venue, as box office where a manager is required, and as
the agency. Each must be refused (login redirect, 401, 403 or 404) and change nothing,
and no answer may carry venue A's private data.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from marketplace.domain.accounts.services import issue_token
from marketplace.domain.models import (
    ApiToken,
    Membership,
    Order,
    Performance,
    Release,
    Show,
    Ticket,
)
from tests.buying import bought
from tests.factories import (
    MembershipFactory,
    PerformanceFactory,
    ReleaseFactory,
    StaffFactory,
    VenueFactory,
    log_in,
)
from venues_portal.access import VENUE_PAGES

SECRET_TITLE = "Le Secret de la Criée"
SECRET_BUYER = "secret.buyer@example.org"
# Portal pages that are for anyone (logging in) or for anyone logged in (their own account).
OPEN_PAGES = {"staff.login", "staff.logout", "staff.forgot_password",
              "staff.reset_password", "staff.accept_invitation",
              "venues_portal.home", "staff.account",
              "staff.logout_everywhere"}


@pytest.fixture
def world(app, db, now):
    """Venue A (a manager, a box office, a performance on sale, a paid order, a token),
    venue B (a manager, a token), and an agency person."""
    a = VenueFactory(name="La Criée")
    manager = MembershipFactory(venue=a, role="manager")
    box_office = MembershipFactory(venue=a, role="box_office")
    performance = PerformanceFactory(show__venue=a, show__title=SECRET_TITLE,
                                     starts_at=now + timedelta(hours=5))
    release = ReleaseFactory(performance=performance, sales_open_at=now - timedelta(days=1))
    a_token = issue_token(db.session, venue=a, label="A's system", now=now)
    b = VenueFactory(name="Le Silo")
    b_manager = MembershipFactory(venue=b, role="manager")
    b_token = issue_token(db.session, venue=b, label="B's system", now=now)
    agency = StaffFactory(agency_role="admin")
    agency_token = issue_token(db.session, venue=None, now=now)
    db.session.commit()
    order = bought(app, release, 2, now - timedelta(hours=1), email=SECRET_BUYER)
    token_row = db.session.scalar(select(ApiToken).where(ApiToken.venue_id == a.id))
    return {
        "a": a, "b": b, "manager": manager, "box_office": box_office, "b_manager": b_manager,
        "agency": agency, "a_token": a_token, "b_token": b_token,
        "agency_token": agency_token,
        "params": {"venue_slug": a.slug, "performance_id": performance.id,
                   "release_id": release.id, "show_id": performance.show_id,
                   "membership_id": box_office.id, "token_id": token_row.id,
                   "order_id": order.id},
        "order": order, "ticket": order.tickets[0].code,
    }


def snapshot(db) -> dict:
    """What a refused request must not change (rows in a fixed order: PostgreSQL moves an
    updated row, such as a token noting its last use)."""
    db.session.expire_all()

    def rows(*columns):
        return db.session.execute(select(*columns).order_by(*columns)).all()

    return {
        "performances": rows(Performance.id, Performance.starts_at, Performance.status),
        "shows": rows(Show.id, Show.title),
        "releases": rows(Release.id, Release.quantity, Release.status),
        "orders": rows(Order.id, Order.status),
        "tickets": rows(Ticket.code, Ticket.checked_in_at),
        "memberships": rows(Membership.id, Membership.role),
        "tokens": rows(ApiToken.id, ApiToken.revoked_at),
    }


def venue_rules(app, prefix: str):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(prefix):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield rule, method


def url_for_rule(rule, params: dict) -> str:
    values = {name: params.get(name, 1 if "Integer" in type(rule._converters[name]).__name__
                                 else "x")
              for name in rule.arguments}
    return rule.build(values)[1]


def assert_nothing_leaked(response, world) -> None:
    text = response.get_data(as_text=True)
    asked = response.request.path  # an id the caller typed may be echoed back, nothing more
    for secret in (SECRET_TITLE, SECRET_BUYER, world["order"].id, world["ticket"]):
        assert secret not in text or secret in asked, f"{secret!r} leaked by {asked}"


FORM = {"code": "x", "quantity": "3", "role": "manager", "email": "new@example.org",
        "label": "x", "title": "x", "name": "x", "postcode": "13001", "city": "x",
        "lat": "43", "lng": "5", "dates-0": "2027-01-01T20:00", "starts_at": "2027-01-01T20:00"}


def walk_portal(app, client, world, db, expect) -> list[str]:
    """Request every venue page of A; return the endpoints walked."""
    before = snapshot(db)
    walked = []
    for rule, method in venue_rules(app, "/portal/venues/"):
        url = url_for_rule(rule, world["params"])
        response = client.open(url, method=method, data=FORM if method == "POST" else None)
        expected = expect(rule.endpoint)
        if expected is None:
            continue
        assert response.status_code == expected, (method, url, response.status_code)
        assert_nothing_leaked(response, world)
        walked.append(rule.endpoint)
    assert snapshot(db) == before
    return walked


def test_every_venue_page_is_known_to_the_access_rules(app):
    endpoints = {rule.endpoint for rule, _ in venue_rules(app, "/portal/")}
    assert endpoints - OPEN_PAGES <= set(VENUE_PAGES), endpoints - OPEN_PAGES - set(VENUE_PAGES)
    assert {"manage", "sales", "checkin"} == set(VENUE_PAGES.values())


def test_anonymous_visitors_are_sent_to_the_login_page(app, db, client, world):
    before = snapshot(db)
    for rule, method in venue_rules(app, "/portal/"):
        if rule.endpoint in OPEN_PAGES - {"venues_portal.home", "staff.account"}:
            continue
        url = url_for_rule(rule, world["params"])
        response = client.open(url, method=method, data=FORM if method == "POST" else None)
        assert response.status_code == 302, (method, url)
        assert response.headers["Location"].startswith("/portal/login?next="), url
        assert_nothing_leaked(response, world)
    assert snapshot(db) == before


def test_staff_of_another_venue_find_nothing_there(app, db, client, now, world):
    with time_machine.travel(now, tick=False):
        log_in(client, world["b_manager"].user)
        walked = walk_portal(app, client, world, db, lambda endpoint: 404)
    assert set(walked) == set(VENUE_PAGES)


def test_the_agency_finds_nothing_in_a_venues_portal(app, db, client, now, world):
    with time_machine.travel(now, tick=False):
        log_in(client, world["agency"])
        walked = walk_portal(app, client, world, db, lambda endpoint: 404)
        chooser = client.get("/portal/").get_data(as_text=True)
    assert set(walked) == set(VENUE_PAGES)
    assert "La Criée" not in chooser


def test_the_box_office_is_kept_out_of_what_needs_a_manager(app, db, client, now, world):
    with time_machine.travel(now, tick=False):
        log_in(client, world["box_office"].user)
        walked = walk_portal(app, client, world, db,
                             lambda endpoint: 403 if VENUE_PAGES[endpoint] == "manage" else None)
        # What the box office may do, it can.
        slug = world["a"].slug
        for path in ("", "sales", "sales.csv", "checkin"):
            assert client.get(f"/portal/venues/{slug}/{path}").status_code == 200
    assert set(walked) == {e for e, c in VENUE_PAGES.items() if c == "manage"}


# The venue API --------------------------------------------------------------------------


API_BODIES = {
    "venue_api.post_performance": {"show": {"title": "x", "discipline": "theatre"},
                                   "starts_at": "2027-01-01T20:00:00+01:00"},
    "venue_api.post_release": {"performance_id": None, "category": "x",
                               "face_price_cents": 1000, "quantity": 5,
                               "start_discount_percent": 30, "max_discount_percent": 50},
    "venue_api.patch_release": {"quantity": 3},
    "venue_api.post_checkin": {"code": None},
}


def api_call(client, world, rule, method, token):
    body = dict(API_BODIES.get(rule.endpoint, {}))
    if "performance_id" in body:
        body["performance_id"] = world["params"]["performance_id"]
    if "code" in body:
        body["code"] = world["ticket"]
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.open(url_for_rule(rule, world["params"]), method=method, headers=headers,
                       json=body if method != "GET" else None)


@pytest.mark.parametrize("who", [None, "agency_token", "revoked", "garbage"])
def test_the_venue_api_needs_a_venue_token(app, db, client, now, world, who):
    token = {"agency_token": world["agency_token"], "garbage": "kq_not_a_token",
             "revoked": world["a_token"], None: None}[who]
    if who == "revoked":
        db.session.scalar(select(ApiToken).where(ApiToken.venue_id == world["a"].id)) \
            .revoked_at = now
        db.session.commit()
    before = snapshot(db)
    walked = 0
    with time_machine.travel(now, tick=False):
        for rule, method in venue_rules(app, "/api/v1/venue/"):
            response = api_call(client, world, rule, method, token)
            assert response.status_code == 401, (method, rule.rule, response.get_json())
            assert response.get_json()["error"] == "unauthorized"
            assert_nothing_leaked(response, world)
            walked += 1
    assert walked >= 8
    assert snapshot(db) == before


def test_another_venues_token_never_reaches_a_data(app, db, client, now, world):
    before = snapshot(db)
    with time_machine.travel(now, tick=False):
        for rule, method in venue_rules(app, "/api/v1/venue/"):
            response = api_call(client, world, rule, method, world["b_token"])
            assert_nothing_leaked(response, world)
            if rule.endpoint == "venue_api.post_performance":
                assert response.status_code == 201  # B schedules its own performance
                continue
            if rule.arguments or rule.endpoint == "venue_api.post_release":
                assert response.status_code == 404, (method, rule.rule)
            elif rule.endpoint == "venue_api.post_checkin":
                assert response.status_code == 403
                assert response.get_json()["error"] == "other_venue"
            elif rule.endpoint == "venue_api.post_webhook_test":  # B's own, and it has none
                assert response.status_code == 409
                assert response.get_json()["error"] == "no_webhook_url"
            else:  # B's own lists (sales, contacts, …) and B itself
                assert response.status_code == 200, (method, rule.rule)
    after = snapshot(db)
    assert after.pop("performances")[:len(before["performances"])] == \
        before.pop("performances")
    after.pop("shows"), before.pop("shows")
    assert after == before
