"""The agency sees waiting-list demand in aggregate, by venue and discipline: no e-mail."""

from __future__ import annotations

from datetime import date, timedelta

import time_machine

from marketplace.domain.accounts.services import issue_token
from marketplace.domain.models import WaitlistEntry
from marketplace.domain.uptake.waitlist import waitlist_demand
from tests.factories import ReleaseFactory, StaffFactory, VenueFactory, log_in


def lines(db, now):
    criee = VenueFactory(slug="la-criee", name="La Criée")
    silo = VenueFactory(slug="le-silo", name="Le Silo")
    theatre = ReleaseFactory(performance__show__venue=criee)
    dance = ReleaseFactory(performance__show__venue=silo, performance__show__discipline="dance")
    db.session.commit()
    statuses = {theatre: ["waiting", "offered", "claimed", "expired"], dance: ["claimed"]}
    for release, states in statuses.items():
        for n, status in enumerate(states):
            db.session.add(WaitlistEntry(
                release_id=release.id, email=f"p{n}-{release.id}@example.org", quantity=1,
                locale="fr", status=status, joined_at=now,
                offered_at=None if status == "waiting" else now))
    db.session.commit()


def test_demand_by_venue_and_discipline_counts_entries_served_and_claimed(db, now):
    lines(db, now)
    day = date(2026, 11, 20)
    by_venue = {r.group: (r.entries, r.waiting, r.served, r.claimed)
                for r in waitlist_demand(db.session, day, day, "venue")}
    assert by_venue == {"la-criee": (4, 1, 3, 1), "le-silo": (1, 0, 1, 1)}
    by_discipline = {r.group: r.claim_rate
                     for r in waitlist_demand(db.session, day, day, "discipline")}
    assert by_discipline == {"dance": 1.0, "theatre": 0.333}


def test_the_agency_api_and_dashboard_show_counts_never_addresses(db, client, now):
    lines(db, now)
    token = issue_token(db.session, venue=None, now=now)
    db.session.commit()
    answer = client.get("/api/v1/agency/waitlist?from=2026-11-20&to=2026-11-20"
                        "&group_by=discipline", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200
    assert {r["group"]: r["entries"] for r in answer.json["rows"]} == {"dance": 1,
                                                                      "theatre": 4}
    assert "@" not in answer.get_data(as_text=True)
    assert client.get("/api/v1/agency/waitlist").status_code == 401
    person = StaffFactory(agency_role="staff")
    db.session.commit()
    with time_machine.travel(now + timedelta(minutes=1), tick=False):
        log_in(client, person)
        page = client.get("/agency/?from=2026-11-20&to=2026-11-20&group_by=venue")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Listes d’attente par" in html
    assert "example.org" not in html
