"""The door page around each scan: tonight's performance, scanned out of expected, this
phone's last scans, and the list of names; and the box office lands there after login."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine

from marketplace.domain.orders.door import door_count, door_tickets, next_performance
from marketplace.domain.orders.models import Ticket
from tests.buying import bought
from tests.factories import (
    MembershipFactory,
    PerformanceFactory,
    ReleaseFactory,
    StaffFactory,
    VenueFactory,
    log_in,
)


def shown(short_code: str) -> str:
    return f"{short_code[:4]}-{short_code[4:8]}-{short_code[8]}"


@pytest.fixture
def evening(app, db, now):
    """La Criée tonight: Le Misanthrope in two hours, two orders (3 tickets); Le Silo's own
    sale the same evening, which La Criée's door must never show."""
    venue = VenueFactory(name="La Criée")
    performance = PerformanceFactory(show__venue=venue, show__title="Le Misanthrope",
                                     starts_at=now + timedelta(hours=2))
    release = ReleaseFactory(performance=performance, sales_open_at=now - timedelta(days=1))
    silo = ReleaseFactory(performance=PerformanceFactory(
        show__venue=VenueFactory(name="Le Silo"), show__title="Bérénice",
        starts_at=now + timedelta(hours=2)), sales_open_at=now - timedelta(days=1))
    db.session.commit()
    lea = bought(app, release, 2, now - timedelta(hours=3), name="Léa Martin")
    hugo = bought(app, release, 1, now - timedelta(hours=3), name="Hugo Bernard")
    other = bought(app, silo, 1, now - timedelta(hours=3), name="Zoé Secret")
    return venue, performance, lea, hugo, other


@pytest.fixture
def door(db, client, now, evening):
    venue = evening[0]
    membership = MembershipFactory(venue=venue, role="box_office",
                                   user=StaffFactory(name="Nadia Haddad"))
    db.session.commit()
    with time_machine.travel(now, tick=False):
        log_in(client, membership.user)
    return evening


def test_the_door_is_for_the_performance_on_now_or_next(db, now, evening):
    venue, performance, *_ = evening
    assert next_performance(db.session, venue, now).id == performance.id
    later = PerformanceFactory(show__venue=venue, starts_at=now + timedelta(days=3))
    db.session.commit()
    # Curtain was an hour ago: still tonight's door, not the next one days away.
    assert next_performance(db.session, venue, now + timedelta(hours=3)).id == performance.id
    assert next_performance(db.session, venue, now + timedelta(hours=9)).id == later.id


def test_the_count_and_the_list_are_the_performances_paid_tickets(db, now, evening):
    venue, performance, lea, hugo, _ = evening
    count = door_count(db.session, performance.id)
    assert (count.scanned, count.expected) == (0, 3)
    names = [t.buyer_name for t in door_tickets(db.session, performance.id)]
    assert names == ["Hugo Bernard", "Léa Martin", "Léa Martin"]
    found = door_tickets(db.session, performance.id, "  LEA mar ")
    assert [(t.buyer_name, t.seat_number, t.seats) for t in found] == [
        ("Léa Martin", 1, 2), ("Léa Martin", 2, 2)]
    assert door_tickets(db.session, performance.id, "Zoé") == []


def test_the_box_office_lands_on_the_door_and_a_manager_on_the_week(db, client, now, evening):
    venue = evening[0]
    box_office = MembershipFactory(venue=venue, role="box_office")
    manager = MembershipFactory(venue=venue, role="manager")
    db.session.commit()
    with time_machine.travel(now, tick=False):
        log_in(client, box_office.user)
        landing = client.get("/portal/", follow_redirects=False)
        assert landing.headers["Location"].endswith(f"/portal/venues/{venue.slug}/checkin")
        page = client.get(landing.headers["Location"]).get_data(as_text=True)
        assert "Le Misanthrope" in page
        client.post("/portal/logout")
        log_in(client, manager.user)
        landing = client.get("/portal/", follow_redirects=False)
    assert landing.headers["Location"].endswith(f"/portal/venues/{venue.slug}/")


def test_the_door_page_shows_the_performance_the_count_and_the_names(db, client, now, door):
    venue, performance, lea, hugo, other = door
    with time_machine.travel(now, tick=False):
        page = client.get(f"/portal/venues/{venue.slug}/checkin").get_data(as_text=True)
    assert "Le Misanthrope" in page and 'id="door-count"' in page
    assert re.search(r"0 / 3</strong>\s*<span[^>]*>billets scannés", page)
    assert "Léa Martin" in page and "Hugo Bernard" in page
    assert shown(hugo.tickets[0].short_code) in page
    assert "Zoé Secret" not in page and "Bérénice" not in page  # another venue's evening
    assert "Aucun billet scanné sur ce téléphone" in page


def test_each_scan_updates_the_count_and_the_last_scans_out_of_band(db, client, now, door):
    venue, performance, lea, hugo, other = door
    scan = f"/portal/venues/{venue.slug}/checkin"
    typed = shown(lea.tickets[1].short_code).lower()
    with time_machine.travel(now, tick=False):
        first = client.post(scan, data={"code": typed, "performance": performance.id},
                            headers={"HX-Request": "true"})
        mistyped = client.post(scan, data={"code": typed[:-1], "performance": performance.id},
                               headers={"HX-Request": "true"})
    html = first.get_data(as_text=True)
    assert first.headers["X-Checkin-Outcome"] == "ok" and "<html" not in html
    assert re.search(r'id="door-count" hx-swap-oob="true"[^>]*>\s*<strong[^>]*>1 / 3', html)
    assert 'id="door-recent" hx-swap-oob="true"' in html
    assert 'id="door-list" hx-swap-oob="true"' in html and "Entré à" in html
    html = mistyped.get_data(as_text=True)
    assert mistyped.headers["X-Checkin-Outcome"] == "mistyped_code"
    assert "Code incomplet ou mal saisi\u00a0: vérifiez les caractères" in html
    assert "Billet inconnu" not in html.split('id="door-recent"')[0]
    recent = html.split('id="door-recent"')[1].split("</section>")[0]
    assert recent.index("Code mal saisi") < recent.index("Léa Martin")  # newest first
    db.session.expire_all()
    assert db.session.get(Ticket, lea.tickets[1].id).checked_in_at == now


def test_a_name_is_found_and_checked_in_from_the_list_without_javascript(
        db, client, now, door):
    venue, performance, lea, hugo, other = door
    base = f"/portal/venues/{venue.slug}/checkin"
    with time_machine.travel(now, tick=False):
        found = client.get(f"{base}?performance={performance.id}&q=bernard")
        html = found.get_data(as_text=True)
        assert "Hugo Bernard" in html and "Léa Martin" not in html.split('id="door-list"')[1]
        done = client.post(base, data={"code": hugo.tickets[0].short_code,
                                       "performance": performance.id, "q": "bernard"})
    html = done.get_data(as_text=True)
    assert done.headers["X-Checkin-Outcome"] == "ok" and "<html" in html
    assert "Entré à" in html and 'value="bernard"' in html


def test_the_list_never_shows_another_venues_performance(db, client, now, door):
    venue, performance, lea, hugo, other = door
    theirs = other.release.performance_id
    with time_machine.travel(now, tick=False):
        page = client.get(f"/portal/venues/{venue.slug}/checkin?performance={theirs}&q=zo")
        scanned = client.post(f"/portal/venues/{venue.slug}/checkin",
                              data={"code": other.tickets[0].short_code})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Zoé Secret" not in html and "Bérénice" not in html
    assert "Le Misanthrope" in html  # its own performance instead
    html = scanned.get_data(as_text=True)
    assert scanned.headers["X-Checkin-Outcome"] == "other_venue" and "Zoé Secret" not in html


def test_the_camera_sentences_follow_the_page_language(db, client, now, door):
    venue = door[0]
    with time_machine.travel(now, tick=False):
        french = client.get(f"/portal/venues/{venue.slug}/checkin").get_data(as_text=True)
        english = client.get(f"/portal/venues/{venue.slug}/checkin?lang=en").get_data(
            as_text=True)
    assert 'data-not-found="Aucune caméra n’a été trouvée sur cet appareil.' in french
    assert 'data-not-found="No camera was found on this device.' in english
    assert 'data-not-allowed="The camera is not allowed for this site.' in english


@pytest.mark.parametrize("asked", ["abc", "-1", "9" * 40, "", "1.5"])
def test_a_made_up_performance_falls_back_on_tonights(db, client, now, door, asked):
    venue = door[0]
    with time_machine.travel(now, tick=False):
        page = client.get(f"/portal/venues/{venue.slug}/checkin",
                          query_string={"performance": asked, "q": "\u00e9" * 300})
        scanned = client.post(f"/portal/venues/{venue.slug}/checkin",
                              data={"code": "K7QM-3XPF-0", "performance": asked})
    assert page.status_code == 200 and "Le Misanthrope" in page.get_data(as_text=True)
    assert scanned.status_code == 200 and scanned.headers["X-Checkin-Outcome"] == "unknown_ticket"
