"""« Me prévenir »: the e-mails say what is watched, in words, and no e-mail address ever
travels in a URL (a redirect's Location or a link on a page)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine

from marketplace.scheduler.runner import run_job
from tests.factories import PerformanceFactory, ReleaseFactory, ShowFactory, VenueFactory
from tests.jobs_helpers import JOB, email, email_keys, job_context


@pytest.fixture(autouse=True)
def _clock(now):
    with time_machine.travel(now, tick=False) as traveller:
        yield traveller


@pytest.fixture
def misanthrope(db, now):
    venue = VenueFactory(name="La Criée", city="Marseille")
    show = ShowFactory(venue=venue, title="Le Misanthrope", discipline="theatre")
    curtain = now + timedelta(hours=4)
    release = ReleaseFactory(performance=PerformanceFactory(show=show, starts_at=curtain),
                             face_price_cents=3000, sales_open_at=now - timedelta(hours=2),
                             max_discount_at=curtain - timedelta(hours=1))
    db.session.commit()
    return release


def _confirmation(key_prefix="watch-confirm:"):
    [key] = email_keys(key_prefix)
    return email(key)


def test_a_shows_alert_names_the_show_and_its_venue(app, db, client, misanthrope):
    client.post("/alertes", data={"email": "nadia@example.org", "offer_id": misanthrope.id,
                                  "max_price": "12"})
    sent = _confirmation()
    assert sent.subject == "Confirmez votre alerte Kiosque pour Le Misanthrope"
    assert "Le spectacle\xa0: Le Misanthrope (La Criée)" in sent.body_text
    assert "Au plus 12,00\xa0€" in sent.body_text
    assert "Le Misanthrope" in sent.body_html and "La Criée" in sent.body_html


def test_a_search_alert_says_its_filters_in_words(app, db, client):
    client.post("/alertes", data={"email": "nadia@example.org", "lat": "43.9493",
                                  "lng": "4.8055", "place_label": "Avignon", "radius": "20",
                                  "discipline": "dance", "when": "tonight"})
    text = _confirmation().body_text
    assert "À moins de 20 km d’Avignon" in text
    assert "Danse" in text and "Tous les prix" in text and "Ce soir" in text


def test_an_alert_anywhere_says_so_in_english(app, db, client):
    client.get("/?lang=en")
    client.post("/alertes", data={"email": "sam@example.org", "max_price": "15"})
    text = _confirmation().body_text
    assert "Anywhere in the region" in text and "Every kind of show" in text
    assert "At most €15.00" in text


def test_every_alert_repeats_what_it_watches(app, db, client, misanthrope, now):
    client.post("/alertes", data={"email": "nadia@example.org", "offer_id": misanthrope.id})
    link = re.search(r"http://kiosque\.test(/alertes/\S+/confirmer)", _confirmation().body_text)[1]
    client.get(link)
    ReleaseFactory(performance=PerformanceFactory(show=misanthrope.performance.show,
                                                  starts_at=now + timedelta(days=1)),
                   sales_open_at=now)
    db.session.commit()
    assert run_job(JOB["alert_watches"], job_context(app), now + timedelta(minutes=5)).count == 1
    [key] = email_keys("watch-alert:")
    alert = email(key)
    assert "Votre alerte\xa0:" in alert.body_text
    assert "Le spectacle\xa0: Le Misanthrope (La Criée)" in alert.body_text
    assert "Le Misanthrope (La Criée)" in alert.body_html


def _links(html: str) -> list[str]:
    return re.findall(r'(?:href|action|hx-get|hx-post)="([^"]*)"', html)


def test_no_email_address_travels_in_a_url(app, db, client, misanthrope):
    answer = client.post("/alertes", data={"email": "nadia@example.org",
                                           "offer_id": misanthrope.id})
    assert answer.status_code == 303 and "@" not in answer.location
    inbox = client.get(answer.location).get_data(as_text=True)
    assert "n•••a@example.org" in inbox and "nadia@example.org" not in inbox
    pages = [inbox, client.get("/").get_data(as_text=True),
             client.get("/?when=tonight&discipline=circus").get_data(as_text=True),
             client.get(f"/offers/{misanthrope.id}").get_data(as_text=True),
             client.get("/comment-ca-marche").get_data(as_text=True)]
    for html in pages:
        assert not [link for link in _links(html) if "@" in link]


def test_the_check_inbox_page_without_a_session_still_reads_well(app, db, client):
    html = client.get("/alertes/envoyee").get_data(as_text=True)
    assert "Nous vous avons envoyé un lien de confirmation" in html and "@" not in html
