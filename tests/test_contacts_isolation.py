"""Contacts belong to their venue (DESIGN.md rule 6), and the agency sees only aggregates.

Venue A's buyers carry recognisable names, e-mails and a birth year. The walks read the
app's URL map, so a page or route added later is walked too: every portal page (with
venue B's address and A's ids), every export, every venue API route with B's token,
every webhook, and every agency page and agency API answer. None may carry anything of
A's contacts to someone who is not A.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import timedelta
from urllib.parse import urljoin, urlsplit

import pytest
import time_machine
from sqlalchemy import select

from marketplace.domain.accounts.services import issue_token
from marketplace.domain.contacts.models import Contact, WebhookDelivery
from marketplace.domain.rights.services import withdraw_consent
from tests.factories import (
    MembershipFactory,
    PerformanceFactory,
    ReleaseFactory,
    StaffFactory,
    VenueFactory,
    log_in,
)
from tests.test_contacts_portal import sale
from tests.waiting import wait_for
from tests.webhook_receiver import webhook_receiver

A_BUYERS = [("anais.secretname@example.org", "Anaïs Secretname"),
            ("zephyrin.cache@example.org", "Zéphyrin Caché")]
A_BIRTH_YEAR = 1931
B_BUYER = ("bertrand.autrenom@example.org", "Bertrand Autrenom")
# What must never reach anyone but venue A (the HTML-escaped forms too).
SECRETS = [*[e for e, _ in A_BUYERS], *[n for _, n in A_BUYERS], "Secretname", "Caché",
           "zephyrin.cache", "anais.secretname"]


@pytest.fixture
def world(app, db, now, allow_private_webhooks):
    with webhook_receiver() as a_tool, webhook_receiver() as b_tool, \
            time_machine.travel(now, tick=False):
        a = VenueFactory(name="La Criée", slug="la-criee", webhook_url=a_tool.url,
                         webhook_secret="a-secret")
        b = VenueFactory(name="Le Silo", slug="le-silo", webhook_url=b_tool.url,
                         webhook_secret="b-secret")
        a_release = ReleaseFactory(performance=PerformanceFactory(
            show__venue=a, show__title="Le Misanthrope"))
        b_release = ReleaseFactory(performance=PerformanceFactory(show__venue=b))
        for email, name in A_BUYERS:
            sale(db, a_release, now - timedelta(days=1), email=email, name=name,
                 postcode="04870", birth_year=A_BIRTH_YEAR, consent=True, discount=60)
        sale(db, b_release, now - timedelta(days=1), email=B_BUYER[0], name=B_BUYER[1],
             postcode="13002", consent=True)
        people = {
            "a_manager": MembershipFactory(venue=a, role="manager").user,
            "a_box_office": MembershipFactory(venue=a, role="box_office").user,
            "b_manager": MembershipFactory(venue=b, role="manager").user,
            "agency": StaffFactory(agency_role="admin"),
        }
        tokens = {"a": issue_token(db.session, venue=a, label="A", now=now),
                  "b": issue_token(db.session, venue=b, label="B", now=now),
                  "agency": issue_token(db.session, venue=None, now=now)}
        db.session.commit()
        assert wait_for(lambda: len(a_tool.received) == 2 and len(b_tool.received) == 1)
        a_contact = db.session.scalar(select(Contact.id).where(Contact.venue_id == a.id))
        a_delivery = db.session.scalar(select(WebhookDelivery.id)
                                       .where(WebhookDelivery.venue_id == a.id))
        yield {"a": a, "b": b, "people": people, "tokens": tokens, "a_tool": a_tool,
               "b_tool": b_tool, "ids": {"contact_id": a_contact,
                                         "delivery_id": a_delivery}, "now": now}



def readable(response) -> str:
    """The answer as text: an .xlsx workbook's XML parts (cells included), else the body."""
    body = response.get_data()
    if body.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(body)) as book:
            return "".join(book.read(name).decode() for name in book.namelist()
                           if name.endswith(".xml"))
    return body.decode("utf-8", "replace")


def assert_no_secret(text: str, where: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"{secret!r} leaked by {where}"
        assert secret.replace("'", "&#39;") not in text, f"{secret!r} leaked by {where}"


def deliveries_state(db, venue) -> list:
    """Venue A's deliveries, as nobody else may change them."""
    db.session.expire_all()
    return db.session.execute(select(WebhookDelivery.id, WebhookDelivery.status,
                                     WebhookDelivery.attempts, WebhookDelivery.created_at)
                              .where(WebhookDelivery.venue_id == venue.id)
                              .order_by(WebhookDelivery.id)).all()


def rules(app, prefix: str):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(prefix):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield rule, method


def build(rule, values: dict) -> str:
    filled = {name: values.get(name, 1 if "Integer" in type(rule._converters[name]).__name__
                               else "x") for name in rule.arguments}
    return rule.build(filled)[1]


def is_contact_area(rule) -> bool:
    return any(word in rule.rule for word in ("/contacts", "/webhooks"))


# The portal --------------------------------------------------------------------------------


def test_venue_b_finds_nothing_of_as_contacts_on_any_of_its_own_pages(app, db, client, world):
    """B's own pages, given A's contact and delivery ids: 404, or B's own data only."""
    before = deliveries_state(db, world["a"])
    values = {"venue_slug": world["b"].slug, **world["ids"]}
    walked = 0
    with time_machine.travel(world["now"], tick=False):
        log_in(client, world["people"]["b_manager"])
        for rule, method in rules(app, "/portal/venues/"):
            if method != "GET" and not is_contact_area(rule):
                continue  # other writes are walked by tests/test_authorization.py
            response = client.open(build(rule, values), method=method, data={})
            assert response.status_code < 500, (method, rule.rule)
            assert_no_secret(readable(response), f"{method} {rule.rule}")
            walked += 1
        for path in ("contacts", "contacts?q=secretname", "contacts?postcode=04",
                     "contacts/export/all.csv", "contacts/export/marketing.csv",
                     "contacts/export/all.xlsx", "contacts/export/marketing.xlsx",
                     "webhooks"):
            response = client.get(f"/portal/venues/{world['b'].slug}/{path}")
            assert response.status_code == 200, path
            assert_no_secret(readable(response), path)
        b_base = client.get(f"/portal/venues/{world['b'].slug}/contacts/export/all.csv")
        assert B_BUYER[0] in b_base.get_data(as_text=True)  # B does see its own
        contact = client.get(f"/portal/venues/{world['b'].slug}/contacts/"
                             f"{world['ids']['contact_id']}")
        assert contact.status_code == 404
    assert walked >= 20
    assert deliveries_state(db, world["a"]) == before


@pytest.mark.parametrize("who", ["b_manager", "a_box_office", "agency", None])
def test_nobody_but_as_managers_reaches_as_contact_pages(app, db, client, world, who):
    """A's contact pages, exports and webhook log, as B, A's box office, the agency, anonymous."""
    expected = {"b_manager": 404, "a_box_office": 403, "agency": 404, None: 302}[who]
    before = deliveries_state(db, world["a"])
    values = {"venue_slug": world["a"].slug, **world["ids"]}
    walked = []
    with time_machine.travel(world["now"], tick=False):
        if who:
            log_in(client, world["people"][who])
        for rule, method in rules(app, "/portal/venues/"):
            if not is_contact_area(rule):
                continue
            response = client.open(build(rule, values), method=method, data={})
            assert response.status_code == expected, (who, method, rule.rule)
            assert_no_secret(readable(response), f"{method} {rule.rule}")
            walked.append(rule.endpoint)
    assert {"venues_portal.contacts", "venues_portal.contact",
            "venues_portal.export_marketing_contacts", "venues_portal.export_all_contacts",
            "venues_portal.export_marketing_contacts_xlsx",
            "venues_portal.export_all_contacts_xlsx", "venues_portal.webhooks",
            "venues_portal.resend_webhook", "venues_portal.test_webhook"} <= set(walked)
    assert deliveries_state(db, world["a"]) == before


def test_as_manager_does_see_them(app, db, client, world):
    """The control: the walk above would notice a leak, because A's pages do show them."""
    with time_machine.travel(world["now"], tick=False):
        log_in(client, world["people"]["a_manager"])
        page = client.get(f"/portal/venues/{world['a'].slug}/contacts").get_data(as_text=True)
        export = client.get(f"/portal/venues/{world['a'].slug}/contacts/export/marketing.csv")
        workbook = client.get(f"/portal/venues/{world['a'].slug}/contacts/export/marketing.xlsx")
    assert "Anaïs Secretname" in page and "zephyrin.cache@example.org" in page
    assert "anais.secretname@example.org" in export.get_data(as_text=True)
    assert "anais.secretname@example.org" in readable(workbook)


# The venue API -----------------------------------------------------------------------------


def test_bs_token_never_reaches_as_contacts_through_any_venue_route(app, db, client, world):
    before = deliveries_state(db, world["a"])
    headers = {"Authorization": f"Bearer {world['tokens']['b']}"}
    with time_machine.travel(world["now"], tick=False):
        for rule, method in rules(app, "/api/v1/venue/"):
            if method != "GET":
                continue  # writes with another token: tests/test_authorization.py
            response = client.open(build(rule, world["ids"]), method=method, headers=headers)
            assert_no_secret(readable(response), rule.rule)
        for query in ({}, {"format": "csv"}, {"format": "csv", "per_page": 500},
                      {"updated_since": "2000-01-01T00:00:00+00:00"}):
            response = client.get("/api/v1/venue/contacts", query_string=query,
                                  headers=headers)
            assert response.status_code == 200
            text = response.get_data(as_text=True)
            assert_no_secret(text, f"/venue/contacts {query}")
            assert B_BUYER[0] in text
    assert deliveries_state(db, world["a"]) == before


@pytest.mark.parametrize("token", ["agency", None, "garbage"])
def test_the_contacts_api_needs_the_venues_own_token(client, world, token):
    value = world["tokens"].get(token, "kq_garbage")
    headers = {"Authorization": f"Bearer {value}"} if token else {}
    response = client.get("/api/v1/venue/contacts", headers=headers)
    assert response.status_code == 401
    assert response.get_json()["error"] == "unauthorized"
    assert_no_secret(response.get_data(as_text=True), "the contacts API")


# Webhooks ----------------------------------------------------------------------------------


def test_webhooks_carry_a_contact_to_its_own_venue_only(app, db, client, world):
    a_tool, b_tool = world["a_tool"], world["b_tool"]
    assert {c["json"]["contact"]["email"] for c in a_tool.received} == {e for e, _ in A_BUYERS}
    assert [c["json"]["venue"] for c in a_tool.received] == ["la-criee", "la-criee"]
    with time_machine.travel(world["now"], tick=False):
        withdraw_consent(db.session, A_BUYERS[0][0], world["a"].slug, world["now"])
        log_in(client, world["people"]["b_manager"])
        client.post(f"/portal/venues/{world['b'].slug}/webhooks/test")
        assert wait_for(lambda: len(a_tool.received) == 3 and len(b_tool.received) == 2)
    assert a_tool.received[-1]["json"]["event"] == "contact.consent"
    for call in b_tool.received:
        assert_no_secret(call["body"].decode(), "a webhook to venue B")
        assert call["json"]["venue"] == "le-silo"


# The agency --------------------------------------------------------------------------------


def agency_answers(app, client, world):
    """Every agency page reachable from the URL map (and the links they show), every API answer."""
    headers = {"Authorization": f"Bearer {world['tokens']['agency']}"}
    for group_by in ("venue", "discipline", "week", "postcode_area"):
        for fmt in ("json", "csv"):
            url = f"/api/v1/agency/uptake?group_by={group_by}&format={fmt}&from=2026-01-01"
            yield url, client.get(url, headers=headers)
    log_in(client, world["people"]["agency"])
    queue = [build(rule, {}) for rule, method in rules(app, "/agency")
             if method == "GET" and not rule.arguments]
    seen: set[str] = set()
    while queue and len(seen) < 150:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        yield url, response
        if response.mimetype == "text/html":
            for href in re.findall(r'href="([^"#]+)"', response.get_data(as_text=True)):
                target = urljoin(url, href.replace("&amp;", "&"))
                if urlsplit(target).path.startswith("/agency") and "logout" not in target:
                    queue.append(target)


def test_no_agency_answer_carries_a_buyers_email_name_or_birth_year(app, db, client, world):
    walked = []
    with time_machine.travel(world["now"], tick=False):
        for url, response in agency_answers(app, client, world):
            assert response.status_code < 500, url
            text = response.get_data(as_text=True)
            assert_no_secret(text, url)
            for email, name in [B_BUYER]:
                assert email not in text and name not in text, url
            assert str(A_BIRTH_YEAR) not in text, url
            assert "birth_year" not in text and "buyer_email" not in text, url
            walked.append(url)
    assert len(walked) >= 8
    print(f"agency answers walked: {len(walked)}", *walked, sep="\n  ")
