"""Who may reach what: every route of the URL map, for every kind of person, in one table.

Each person is whatever credentials they would really hold: a spectator has opened
their order link (the browser remembers it) and passes the order token to the API;
staff are logged in to the portal, and the people who can issue API tokens (a venue's
manager, the agency) send theirs on /api/ calls. Ids in addresses are venue A's.

A route missing from ACCESS fails the test: whoever adds a route says who may use it.
A refused request (login redirect, 400, 401, 403, 404, 405) must change nothing.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta

import pytest
import time_machine
from flask import Flask
from sqlalchemy import select

from marketplace.domain.accounts.services import issue_token
from marketplace.domain.contacts.models import Contact, WebhookDelivery
from marketplace.domain.models import ApiToken
from marketplace.domain.orders.access import order_links
from tests.buying import checkout, hold_seats, pay
from tests.factories import (
    MembershipFactory,
    PerformanceFactory,
    ReleaseFactory,
    StaffFactory,
    VenueFactory,
    log_in,
)
from tests.test_authorization import snapshot

ROLES = ("anonymous", "spectator", "box_office", "manager", "other_manager", "agency")
LOGIN = "login"  # 302 to the portal's login page, which the agency shares
FORM = {"code": "x", "quantity": "3", "seats": "3", "role": "manager", "email": "new@example.org",
        "label": "x", "title": "x", "name": "x", "postcode": "13001", "city": "x",
        "lat": "43", "lng": "5", "starts_at": "2027-01-01T20:00", "note": "5"}
JSON_BODIES = {"holds.post_hold": {"offer_id": None, "quantity": 1},
               "checkout_api.post_checkout": {"email": "x@example.org", "name": "X",
                                              "postcode": "13001", "marketing_consent": False},
               "venue_api.post_checkin": {"code": "nope"},
               "waitlist.post_waitlist_entry": {"email": "x@example.org", "quantity": 1},
               "venue_api.patch_release": {"quantity": 0},
               "venue_api.post_performance": {}, "venue_api.post_release": {},
               "venue_api.patch_venue_me": {"webhook_url": "https://127.0.0.1:9/hook"}}

L = LOGIN
# endpoint: (anonymous, spectator, box office A, manager A, manager B, agency).
# Codes of state-changing routes are what a refusal (or a rejected empty form) answers.
ACCESS: dict[str, tuple] = {
    "agency.dashboard": (L, L, 403, 403, 403, 200),
    "agency.export": (L, L, 403, 403, 403, 200),
    "agency.invite": (L, L, 403, 403, 403, 422),
    "agency.new_venue GET": (L, L, 403, 403, 403, 200),
    "agency.new_venue POST": (L, L, 403, 403, 403, 422),
    "agency.reinstate_venue": (L, L, 403, 403, 403, 302),
    "agency.remove": (L, L, 403, 403, 403, 302),  # a colleague of the agency
    "agency.resend_invitation": (L, L, 403, 403, 403, 302),
    "agency.suspend_venue": (L, L, 403, 403, 403, 302),
    "agency.team": (L, L, 403, 403, 403, 200),
    "agency.timetables": (L, L, 403, 403, 403, 200),
    "agency.upload_timetable": (L, L, 403, 403, 403, 422),  # no file in the form
    "agency.delete_timetable": (L, L, 403, 403, 403, 302),  # already gone: said, nothing changes
    "agency.venues": (L, L, 403, 403, 403, 200),
    "agency_api.get_uptake": (401, 401, 401, 401, 401, 200),
    "agency_api.get_waitlist_demand": (401, 401, 401, 401, 401, 200),
    "api-docs.openapi_json": (200, 200, 200, 200, 200, 200),
    "checkout.abandon": (404, 303, 404, 404, 404, 404),
    "checkout.checkout_page": (200, 200, 200, 200, 200, 200),  # the hold id is the key
    "checkout.demo_payment": (404, 404, 404, 404, 404, 404),
    "checkout.order_calendar_file": (404, 200, 404, 404, 404, 404),
    "checkout.order_page": (404, 200, 404, 404, 404, 404),
    "checkout.submit_checkout": (303, 303, 303, 303, 303, 303),  # the hold id is the key
    "checkout.submit_demo_payment": (404, 404, 404, 404, 404, 404),
    "checkout.ticket_qr_png": (200, 200, 200, 200, 200, 200),  # the code is the key
    "checkout.ticket_qr_svg": (200, 200, 200, 200, 200, 200),
    "checkout.tickets_service_worker": (200, 200, 200, 200, 200, 200),
    "checkout_api.post_checkout": (409, 409, 409, 409, 409, 409),
    "feedback.rate GET": (404, 404, 404, 404, 404, 404),
    "feedback.rate POST": (404, 404, 404, 404, 404, 404),
    "health.healthz": (200, 200, 200, 200, 200, 200),
    "holds.delete_hold": (204, 204, 204, 204, 204, 204),  # the hold id is the key
    "holds.post_hold": (201, 201, 201, 201, 201, 409),  # A suspended by the agency
    "legal.accessibility": (200, 200, 200, 200, 200, 200),  # public pages, the same for all
    "legal.notice": (200, 200, 200, 200, 200, 200),
    "legal.terms": (200, 200, 200, 200, 200, 200),
    "me.delete_my_data": (422, 422, 422, 422, 422, 422),
    "me.get_my_data": (422, 422, 422, 422, 422, 422),
    "offers.get_carousel": (200, 200, 200, 200, 200, 200),
    "offers.get_offer": (200, 200, 200, 200, 200, 200),
    "offers.list_offers": (200, 200, 200, 200, 200, 200),
    "orders_api.get_order": (422, 200, 422, 422, 422, 422),  # token missing: 422
    "payments_api.post_demo_success": (404, 200, 404, 404, 404, 404),  # demo; the order token
    "payments_api.post_stripe_webhook": (404, 404, 404, 404, 404, 404),  # PAYMENT_PROVIDER=demo
    "privacy.ask_link GET": (200, 200, 200, 200, 200, 200),
    "privacy.ask_link POST": (200, 200, 200, 200, 200, 200),
    "privacy.erase_all": (401, 401, 401, 401, 401, 401),
    "privacy.policy": (200, 200, 200, 200, 200, 200),
    "privacy.show": (401, 401, 401, 401, 401, 401),
    "privacy.stop_watch": (401, 401, 401, 401, 401, 401),
    "privacy.stop_following": (401, 401, 401, 401, 401, 401),
    "privacy.stop_notifications": (401, 401, 401, 401, 401, 401),
    "privacy.withdraw": (401, 401, 401, 401, 401, 401),
    "staff.accept_agency_invitation GET": (404, 404, 404, 404, 404, 404),
    "staff.accept_agency_invitation POST": (404, 404, 404, 404, 404, 404),
    "staff.accept_invitation GET": (404, 404, 404, 404, 404, 404),
    "staff.accept_invitation POST": (404, 404, 404, 404, 404, 404),
    "staff.account GET": (L, L, 200, 200, 200, 200),
    "staff.account POST": (L, L, 200, 200, 200, 200),
    "staff.forgot_password GET": (200, 200, 200, 200, 200, 200),
    "staff.forgot_password POST": (200, 200, 200, 200, 200, 200),
    "staff.login GET": (200, 200, 302, 302, 302, 302),
    "staff.login POST": (401, 401, 401, 401, 401, 401),  # a wrong password
    "staff.logout": (L, L, L, L, L, L),  # logged out, or nobody to log out
    "staff.logout_everywhere": (L, L, L, L, L, L),
    "staff.reset_password GET": (404, 404, 404, 404, 404, 404),
    "staff.reset_password POST": (404, 404, 404, 404, 404, 404),
    "static": (200, 200, 200, 200, 200, 200),
    "storefront.hold_seats": (303, 303, 303, 303, 303, 409),  # idem
    "storefront.how_it_works": (200, 200, 200, 200, 200, 200),
    "storefront.index": (200, 200, 200, 200, 200, 200),
    "storefront.show_offer": (200, 200, 200, 200, 200, 200),
    "venue_api.get_contacts": (401, 401, 401, 200, 200, 401),
    "venue_api.get_release": (401, 401, 401, 200, 404, 401),
    "venue_api.get_sales": (401, 401, 401, 200, 200, 401),
    "venue_api.patch_release": (401, 401, 401, 422, 422, 401),
    "venue_api.post_checkin": (401, 401, 401, 404, 404, 401),  # an unknown code, for whoever asks
    "venue_api.post_performance": (401, 401, 401, 422, 422, 401),
    "venue_api.post_release": (401, 401, 401, 422, 422, 401),
    "venue_api.post_withdraw": (401, 401, 401, 200, 404, 401),
    "venue_api.patch_venue_me": (401, 401, 401, 422, 422, 401),  # rule 9: a private address
    "venue_api.post_webhook_test": (401, 401, 401, 200, 409, 401),  # B has no webhook
    "venue_api.venue_me": (401, 401, 401, 200, 200, 401),
    "venues_portal.cancel": (L, L, 403, 302, 404, 404),
    "venues_portal.change_member_role": (L, L, 403, 302, 404, 404),
    "venues_portal.checkin": (L, L, 200, 200, 404, 404),
    "venues_portal.contact": (L, L, 403, 200, 404, 404),
    "venues_portal.contacts": (L, L, 403, 200, 404, 404),
    "venues_portal.create_token": (L, L, 403, 201, 404, 404),
    "venues_portal.dashboard": (L, L, 200, 200, 404, 404),
    "venues_portal.duplicate": (L, L, 403, 200, 404, 404),
    "venues_portal.edit_show GET": (L, L, 403, 200, 404, 404),
    "venues_portal.edit_show POST": (L, L, 403, 302, 404, 404),
    "venues_portal.export_all_contacts": (L, L, 403, 200, 404, 404),
    "venues_portal.export_all_contacts_xlsx": (L, L, 403, 200, 404, 404),
    "venues_portal.export_marketing_contacts": (L, L, 403, 200, 404, 404),
    "venues_portal.export_marketing_contacts_xlsx": (L, L, 403, 200, 404, 404),
    "venues_portal.home": (L, L, 302, 302, 302, 302),
    "venues_portal.invite": (L, L, 403, 302, 404, 404),
    "venues_portal.new_performances GET": (L, L, 403, 200, 404, 404),
    "venues_portal.new_performances POST": (L, L, 403, 422, 404, 404),
    "venues_portal.new_release GET": (L, L, 403, 200, 404, 404),
    "venues_portal.new_release POST": (L, L, 403, 422, 404, 404),
    "venues_portal.performance": (L, L, 403, 200, 404, 404),
    "venues_portal.performances": (L, L, 403, 200, 404, 404),
    "venues_portal.preview": (L, L, 403, 200, 404, 404),
    "venues_portal.profile GET": (L, L, 403, 200, 404, 404),
    "venues_portal.profile POST": (L, L, 403, 302, 404, 404),
    "venues_portal.refund": (L, L, 403, 302, 404, 404),
    "venues_portal.release": (L, L, 403, 200, 404, 404),
    "venues_portal.release_quantity": (L, L, 403, 302, 404, 404),
    "venues_portal.remove_team_member": (L, L, 403, 302, 404, 404),
    "venues_portal.reschedule": (L, L, 403, 422, 404, 404),
    "venues_portal.resend_team_invitation": (L, L, 403, 404, 404, 404),  # box office already joined
    "venues_portal.resend_webhook": (L, L, 403, 302, 404, 404),
    "venues_portal.revoke_api_token": (L, L, 403, 302, 404, 404),
    "venues_portal.sales": (L, L, 200, 200, 404, 404),
    "venues_portal.sales_export": (L, L, 200, 200, 404, 404),
    "venues_portal.sales_export_xlsx": (L, L, 200, 200, 404, 404),
    "venues_portal.scan": (L, L, 200, 200, 404, 404),
    "venues_portal.team": (L, L, 403, 200, 404, 404),
    "venues_portal.test_webhook": (L, L, 403, 302, 404, 404),
    "venues_portal.tokens": (L, L, 403, 200, 404, 404),
    "venues_portal.webhooks": (L, L, 403, 200, 404, 404),
    "venues_portal.withdraw": (L, L, 403, 302, 404, 404),
    # The waiting list: seats are on sale (409 seats_available); a made-up entry link: 404.
    "waiting_list.join": (409, 409, 409, 409, 409, 409),
    "waiting_list.entry": (404, 404, 404, 404, 404, 404),
    "waiting_list.leave": (404, 404, 404, 404, 404, 404),
    "waitlist.post_waitlist_entry": (409, 409, 409, 409, 409, 409),
    "waitlist.get_waitlist_entry": (422, 422, 422, 422, 422, 422),  # no ?token=
    "waitlist.delete_waitlist_entry": (422, 422, 422, 422, 422, 422),
    "watches.check_inbox": (200, 200, 200, 200, 200, 200),
    "watches.confirm": (404, 404, 404, 404, 404, 404),
    "watches.create": (303, 303, 303, 303, 303, 303),
    "watches.stop GET": (404, 404, 404, 404, 404, 404),
    "watches.stop POST": (404, 404, 404, 404, 404, 404),
    "follows.check_inbox": (200, 200, 200, 200, 200, 200),
    "follows.confirm": (404, 404, 404, 404, 404, 404),
    "follows.create": (303, 303, 303, 303, 303, 303),
    "follows.stop GET": (404, 404, 404, 404, 404, 404),
    "follows.stop POST": (404, 404, 404, 404, 404, 404),
    "push.subscribe": (400, 400, 400, 400, 400, 400),  # JSON only, with a page's token
    # Staff digests' one-click stop: the signed link is the key (a made-up one: 404).
    "digests.stop GET": (404, 404, 404, 404, 404, 404),
    "digests.stop POST": (404, 404, 404, 404, 404, 404),
    "digests.resume": (404, 404, 404, 404, 404, 404),
}


@dataclass
class World:
    params: dict
    order_token: str
    api_tokens: dict
    people: dict


@pytest.fixture
def world(app: Flask, db, now) -> World:
    a = VenueFactory(name="La Criée", webhook_url="http://127.0.0.1:9/hook", webhook_secret="s")
    box_office = MembershipFactory(venue=a, role="box_office")
    manager = MembershipFactory(venue=a, role="manager")
    performance = PerformanceFactory(show__venue=a, starts_at=now + timedelta(hours=5))
    release = ReleaseFactory(performance=performance, sales_open_at=now - timedelta(days=1))
    b = VenueFactory(name="Le Silo")
    other_manager = MembershipFactory(venue=b, role="manager")
    agency = StaffFactory(agency_role="admin")
    colleague = StaffFactory(agency_role="staff")
    api_tokens = {"manager": issue_token(db.session, venue=a, label="A", now=now),
                  "other_manager": issue_token(db.session, venue=b, label="B", now=now),
                  "agency": issue_token(db.session, venue=None, now=now)}
    db.session.commit()
    bought_at = now - timedelta(hours=1)
    paying = checkout(app, hold_seats(release, 2, bought_at), bought_at)
    order = pay(app, paying.order.id, bought_at + timedelta(minutes=1))
    hold = hold_seats(release, 1, now)
    db.session.commit()
    params = {
        "venue_slug": a.slug, "venue_id": a.id, "performance_id": performance.id,
        "release_id": release.id, "offer_id": release.id, "show_id": performance.show_id,
        "membership_id": box_office.id, "user_id": colleague.id, "order_id": order.id,
        "hold_id": hold.id, "code": order.tickets[0].code, "table": "uptake",
        "filename": "css/kiosque.css", "token": "not-a-token", "watch_id": 1,
        "follow_id": 1, "subscription_id": 1, "entry_id": 1, "feed_id": 1,
        "contact_id": db.session.scalar(select(Contact.id).where(Contact.venue_id == a.id)),
        "delivery_id": db.session.scalar(select(WebhookDelivery.id)),
        "token_id": db.session.scalar(select(ApiToken.id).where(ApiToken.venue_id == a.id)),
    }
    JSON_BODIES["holds.post_hold"]["offer_id"] = release.id
    people = {"box_office": box_office.user, "manager": manager.user,
              "other_manager": other_manager.user, "agency": agency}
    return World(params, paying.order_token, api_tokens, people)


def routes(app: Flask):
    """Every (rule, method) of the URL map, reads first, so that writes come last."""
    pairs = [(rule, method) for rule in app.url_map.iter_rules()
             for method in rule.methods - {"HEAD", "OPTIONS"}]
    return sorted(pairs, key=lambda p: (p[1] != "GET", p[0].endpoint in LOGOUTS,
                                        p[0].endpoint, p[1]))


def url_of(rule, world: World, role: str) -> str:
    url = rule.build({name: world.params[name] for name in rule.arguments})[1]
    if role == "spectator" and rule.endpoint in ("orders_api.get_order",
                                                 "payments_api.post_demo_success"):
        url += f"?token={world.order_token}"
    return url


def ask(client, rule, method: str, world: World, role: str):
    url = url_of(rule, world, role)
    headers = {}
    if url.startswith("/api/") and role in world.api_tokens:
        headers["Authorization"] = f"Bearer {world.api_tokens[role]}"
    if url.startswith("/api/"):
        body = JSON_BODIES.get(rule.endpoint, {}) if method != "GET" else None
        return client.open(url, method=method, headers=headers, json=body, buffered=True)
    return client.open(url, method=method, headers=headers, buffered=True,
                       data=FORM if method != "GET" else None)


def observed(response) -> object:
    if response.status_code == 302 and response.headers["Location"].startswith("/portal/login"):
        return LOGIN
    return response.status_code


REFUSED = {LOGIN, 400, 401, 403, 404, 405}
# They end the login the walk goes on with: last.
LOGOUTS = ("staff.logout", "staff.logout_everywhere")


def become(client, world: World, role: str, now) -> None:
    if role == "spectator":
        # The buyer opened their order's link: the browser remembers the order.
        order_id = world.params["order_id"]
        key = order_links(client.application.config).key(order_id)
        assert client.get(f"/orders/{order_id}?token={key}").status_code == 200
    elif role in world.people:
        log_in(client, world.people[role])


@pytest.mark.parametrize("role", ROLES)
def test_every_route_answers_each_person_as_the_table_says(app, db, client, now, world, role):
    column = ROLES.index(role)
    seen, wrong = {}, []
    with time_machine.travel(now, tick=False):
        become(client, world, role, now)
        for rule, method in routes(app):
            before = snapshot(db) if method != "GET" else None
            got = observed(ask(client, rule, method, world, role))
            key = rule.endpoint if len(rule.methods - {"HEAD", "OPTIONS"}) == 1 \
                else f"{rule.endpoint} {method}"
            seen[key] = got
            expected = ACCESS.get(key, ("missing",) * len(ROLES))[column]
            if got != expected:
                wrong.append(f"{key}: expected {expected}, got {got}")
            if before is not None and got in REFUSED:
                assert snapshot(db) == before, f"{key} refused {role} but changed something"
    if os.environ.get("ACCESS_MATRIX_PRINT"):
        with open(f"/tmp/access_matrix_{role}.txt", "w") as out:
            out.writelines(f"{k}\t{v}\n" for k, v in sorted(seen.items()))
    assert not wrong, "\n".join(wrong)
    assert set(ACCESS) == set(seen), set(ACCESS) ^ set(seen)  # no entry for a gone route
