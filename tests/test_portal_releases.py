"""Releases in the portal: the live price clock, publishing, quantity, withdrawal, duplicates."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
import time_machine
from sqlalchemy import select

from marketplace.domain.inventory.services import place_hold
from marketplace.domain.models import Release
from marketplace.domain.timeutil import PARIS
from tests.factories import MembershipFactory, PerformanceFactory, ReleaseFactory, log_in


@pytest.fixture
def frozen(now):
    with time_machine.travel(now, tick=False):
        yield now


@pytest.fixture
def manager(db, client, frozen):
    membership = MembershipFactory(role="manager")
    db.session.commit()
    log_in(client, membership.user)
    return membership


@pytest.fixture
def performance(db, manager, frozen):
    """Tonight at 20:30 in Paris (the fixture's now is 17:00 there)."""
    performance = PerformanceFactory(show__venue=manager.venue, show__title="Le Misanthrope",
                                     starts_at=frozen + timedelta(hours=3, minutes=30))
    db.session.commit()
    return performance


def url(membership, path: str) -> str:
    return f"/portal/venues/{membership.venue.slug}/{path}"


def terms(**changes) -> dict:
    data = {"category": "Placement libre", "face_price": "25", "quantity": "40",
            "start_discount_percent": "30", "max_discount_percent": "60", "curve": "linear",
            "step_minutes": "", "max_per_order": "6", "sales_open_at": "2026-11-20T17:00",
            "max_discount_at": "2026-11-20T19:30", "sales_close_at": "2026-11-20T20:30"}
    data.update(changes)
    return data


def preview(client, manager, performance, **changes):
    return client.post(url(manager, f"performances/{performance.id}/releases/preview"),
                       data=terms(**changes), headers={"HX-Request": "true"})


def text(response) -> str:
    """The page with French non-breaking spaces (before « : ? ! ») as plain ones."""
    return response.get_data(as_text=True).replace("\xa0", " ").replace("\u202f", " ")


def floor_price(html: str) -> str:
    return re.search(r'data-floor-price="(\d+)"', html).group(1)


def test_the_form_starts_with_sensible_terms(db, client, manager, performance):
    page = client.get(url(manager, f"performances/{performance.id}/releases/new"))
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'value="2026-11-20T17:00"' in html  # sales open now
    assert 'value="2026-11-20T19:30"' in html  # deepest an hour before curtain
    assert 'value="2026-11-20T20:30"' in html  # close at curtain
    assert 'hx-post="' in html and "releases/preview" in html


def test_the_preview_follows_the_deepest_discount(db, client, manager, performance):
    first = preview(client, manager, performance)
    html = first.get_data(as_text=True)
    assert first.status_code == 200
    assert "<html" not in html  # a fragment
    assert "<svg" in html and 'class="price-chart__line"' in html
    assert floor_price(html) == "1000"  # 25 € at -60 %
    assert "17,50" in html  # 25 € at -30 % at opening
    deeper = preview(client, manager, performance, max_discount_percent="80").get_data(
        as_text=True)
    assert floor_price(deeper) == "500"
    assert "5,00" in deeper


def test_the_preview_puts_plain_french_messages_next_to_the_fields(db, client, manager,
                                                                   performance):
    html = preview(client, manager, performance, start_discount_percent="70",
                   max_discount_percent="50", face_price="douze").get_data(as_text=True)
    assert "data-floor-price" not in html
    messages = re.findall(r'<p class="field__error" id="([\w-]+)-error" aria-live="polite" '
                          r'hx-swap-oob="true">([^<]*)</p>', html)
    oob = {field: unescape(text) for field, text in messages}
    assert oob["max_discount_percent"] == ("La plus forte remise ne peut pas être plus petite "
                                           "que la remise à l'ouverture.")
    assert oob["face_price"] == "Tapez un montant en euros, par exemple 18,50."
    assert oob["quantity"] == ""  # fine: emptied


def test_the_preview_explains_a_window_that_ends_after_curtain(db, client, manager, performance):
    html = preview(client, manager, performance,
                   sales_close_at="2026-11-20T21:00").get_data(as_text=True)
    assert ("Les ventes doivent se terminer au plus tard au lever de rideau."
            in html)


def test_publishing_puts_the_offer_on_the_storefront(db, client, manager, performance):
    response = client.post(url(manager, f"performances/{performance.id}/releases/new"),
                           data=terms(face_price="25,50"))
    assert response.status_code == 302
    release = db.session.scalar(select(Release))
    assert response.headers["Location"] == url(manager, f"releases/{release.id}")
    assert release.face_price_cents == 2550 and release.quantity == 40
    assert release.start_discount == 30 and release.max_discount == 60
    assert release.sales_close_at == performance.starts_at
    assert release.max_discount_at.astimezone(PARIS).strftime("%H:%M") == "19:30"
    offers = client.get("/api/v1/offers").get_json()["offers"]
    assert [o["id"] for o in offers] == [release.id]
    assert offers[0]["show"]["title"] == "Le Misanthrope"
    page = text(client.get(response.headers["Location"]))
    assert "Publié : 40 places sont en vente sur Kiosque." in page


def test_a_steps_curve_needs_its_step_length(db, client, manager, performance):
    response = client.post(url(manager, f"performances/{performance.id}/releases/new"),
                           data=terms(curve="steps"))
    assert response.status_code == 422
    assert "Combien de minutes entre deux baisses ?" in text(response)
    assert db.session.scalar(select(Release)) is None
    client.post(url(manager, f"performances/{performance.id}/releases/new"),
                data=terms(curve="steps", step_minutes="30"))
    assert db.session.scalar(select(Release.step_minutes)) == 30


def test_seats_cannot_go_on_sale_for_a_performance_that_started(db, client, manager, frozen):
    started = PerformanceFactory(show__venue=manager.venue, starts_at=frozen - timedelta(hours=1))
    db.session.commit()
    response = client.post(url(manager, f"performances/{started.id}/releases/new"),
                           data=terms())
    assert response.status_code == 422
    assert "Cette représentation a déjà commencé." in response.get_data(as_text=True)


def test_the_quantity_never_goes_below_what_is_sold_and_held(db, client, manager, performance,
                                                             frozen):
    release = ReleaseFactory(performance=performance, quantity=20, sold=5)
    db.session.commit()
    place_hold(db.session, release.id, 3, frozen, 600)
    refused = client.post(url(manager, f"releases/{release.id}/quantity"), data={"quantity": "7"})
    assert refused.status_code == 422
    assert "5 vendues et 3 en cours d&#39;achat : au moins 8." in text(refused)
    accepted = client.post(url(manager, f"releases/{release.id}/quantity"), data={"quantity": "8"})
    assert accepted.status_code == 302
    db.session.expire_all()
    assert release.quantity == 8


def test_withdrawing_stops_the_sale(db, client, manager, performance):
    release = ReleaseFactory(performance=performance)
    db.session.commit()
    client.post(url(manager, f"releases/{release.id}/withdraw"))
    db.session.expire_all()
    assert release.status == "withdrawn"
    assert client.get("/api/v1/offers").get_json()["offers"] == []


def test_a_past_release_is_duplicated_onto_another_date(db, client, manager, performance, frozen):
    last_week = PerformanceFactory(show=performance.show, starts_at=frozen - timedelta(days=7))
    old = ReleaseFactory(performance=last_week, category="Balcon", face_price_cents=1800,
                         quantity=12, start_discount=40, max_discount=70, curve="steps",
                         step_minutes=20, max_per_order=4,
                         sales_open_at=last_week.starts_at - timedelta(hours=2),
                         max_discount_at=last_week.starts_at - timedelta(minutes=30),
                         sales_close_at=last_week.starts_at - timedelta(minutes=15))
    db.session.commit()
    chooser = client.get(url(manager, f"releases/{old.id}/duplicate")).get_data(as_text=True)
    link = url(manager, f"performances/{performance.id}/releases/new?from={old.id}")
    assert link.replace("&", "&amp;") in chooser or link in chooser
    form = client.get(link).get_data(as_text=True)
    assert 'value="Balcon"' in form and 'value="18"' in form and 'value="12"' in form
    assert '<option selected value="steps">' in form
    # The same window before the new curtain (20:30): open 18:30, deepest 20:00, close 20:15.
    for when in ("2026-11-20T18:30", "2026-11-20T20:00", "2026-11-20T20:15"):
        assert f'value="{when}"' in form
    assert "data-floor-price" in form  # its price clock is shown at once


def test_another_venues_release_is_not_found(db, client, manager, performance):
    theirs = ReleaseFactory()
    db.session.commit()
    for path in (f"releases/{theirs.id}", f"releases/{theirs.id}/duplicate",
                 f"performances/{performance.id}/releases/new?from={theirs.id}",
                 f"performances/{theirs.performance_id}/releases/new"):
        assert client.get(url(manager, path)).status_code == 404
    assert client.post(url(manager, f"releases/{theirs.id}/withdraw")).status_code == 404
    db.session.expire_all()
    assert theirs.status == "open"
