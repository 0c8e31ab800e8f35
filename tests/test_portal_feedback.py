"""What buyers said, on the portal: the average, how many ratings and the latest comments of
a performance and of a contact, the venue's own only."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from marketplace.domain.contacts.models import Contact
from marketplace.domain.feedback.queries import contact_feedback, performance_feedback
from marketplace.domain.feedback.services import record_feedback
from tests.factories import (
    MembershipFactory,
    PerformanceFactory,
    ReleaseFactory,
    VenueFactory,
    log_in,
)
from tests.test_contacts_portal import sale


@pytest.fixture
def rated(db, now):
    """Last night at La Criée: three buyers rated it (one without a word); a buyer of the
    Gymnase, the same evening, rated theirs."""
    criee, gymnase = VenueFactory(name="La Criée"), VenueFactory(name="Gymnase")
    last_night = now - timedelta(hours=20)
    release = ReleaseFactory(performance=PerformanceFactory(
        show__venue=criee, show__title="Le Misanthrope", starts_at=last_night))
    elsewhere = ReleaseFactory(performance=PerformanceFactory(
        show__venue=gymnase, show__title="Ailleurs", starts_at=last_night))
    bought = last_night - timedelta(days=1)
    lea = sale(db, release, bought, email="lea@example.org", name="Léa Martin")
    paul = sale(db, release, bought, email="paul@example.org", name="Paul Arnaud")
    zoe = sale(db, release, bought, email="zoe@example.org", name="Zoé Bon")
    other = sale(db, elsewhere, bought, email="lea@example.org", name="Léa Martin")
    db.session.commit()
    record_feedback(db.session, lea, 5, "Magnifique, Alceste bouleversant.", now)
    record_feedback(db.session, paul, 4, "Un peu long.", now + timedelta(minutes=5))
    record_feedback(db.session, zoe, 3, "", now + timedelta(minutes=10))
    record_feedback(db.session, other, 1, "Secret du Gymnase", now)
    return {"criee": criee, "gymnase": gymnase, "performance": release.performance}


def test_a_performance_has_its_average_count_and_latest_comments_newest_first(db, rated):
    summary = performance_feedback(db.session, rated["criee"], rated["performance"].id)
    assert (summary.count, summary.average) == (3, 4.0)
    assert [c.comment for c in summary.latest] == ["Un peu long.",
                                                   "Magnifique, Alceste bouleversant."]
    assert summary.latest[0].buyer_name == "Paul Arnaud"


def test_another_venue_sees_nothing_of_a_performance_not_its_own(db, rated):
    summary = performance_feedback(db.session, rated["gymnase"], rated["performance"].id)
    assert (summary.count, summary.average, summary.latest) == (0, None, [])


def test_a_contacts_feedback_is_only_about_this_venue(db, rated):
    lea = db.session.scalar(select(Contact).where(Contact.venue_id == rated["criee"].id,
                                                  Contact.email == "lea@example.org"))
    summary = contact_feedback(db.session, rated["criee"], lea)
    assert (summary.count, summary.average) == (1, 5.0)
    assert [c.comment for c in summary.latest] == ["Magnifique, Alceste bouleversant."]


def test_the_latest_comments_are_capped(db, rated):
    summary = performance_feedback(db.session, rated["criee"], rated["performance"].id,
                                   latest=1)
    assert summary.count == 3 and len(summary.latest) == 1


def test_the_performance_page_shows_what_buyers_said(db, client, now, rated):
    membership = MembershipFactory(venue=rated["criee"], role="manager")
    db.session.commit()
    with time_machine.travel(now, tick=False):
        log_in(client, membership.user)
        page = client.get(f"/portal/venues/{rated['criee'].slug}/performances/"
                          f"{rated['performance'].id}").get_data(as_text=True)
    assert "Ce qu’en disent les acheteurs" in page
    assert "4,0" in page and "3 avis" in page
    assert "Magnifique, Alceste bouleversant." in page and "Un peu long." in page
    assert "Secret du Gymnase" not in page


def test_the_contact_page_shows_what_they_said_here_only(db, client, now, rated):
    membership = MembershipFactory(venue=rated["criee"], role="manager")
    lea = db.session.scalar(select(Contact).where(Contact.venue_id == rated["criee"].id,
                                                  Contact.email == "lea@example.org"))
    db.session.commit()
    with time_machine.travel(now, tick=False):
        log_in(client, membership.user)
        page = client.get(f"/portal/venues/{rated['criee'].slug}/contacts/{lea.id}"
                          ).get_data(as_text=True)
    assert "Ses avis sur vos représentations" in page and "1 avis" in page
    assert "5,0" in page and "Secret du Gymnase" not in page
