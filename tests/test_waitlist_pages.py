"""« Me mettre sur liste d'attente » on a sold-out offer's page, one's place, leaving."""

from __future__ import annotations

import re

import time_machine
from sqlalchemy import select

from marketplace.domain.mail.models import OutboundEmail
from marketplace.domain.models import WaitlistEntry
from tests.buying import hold_seats
from tests.factories import ReleaseFactory


def sold_out(db, now):
    release = ReleaseFactory(quantity=2, max_per_order=3)
    db.session.commit()
    hold_seats(release, 2, now)
    return release


def test_a_sold_out_offer_page_offers_the_waiting_list(db, client, now):
    release = sold_out(db, now)
    with time_machine.travel(now, tick=False):
        page = client.get(f"/offers/{release.id}", headers={"Accept-Language": "fr"})
    html = page.get_data(as_text=True)
    assert "Me mettre sur liste d’attente" in html or "Me mettre sur liste d'attente" in html
    assert f'action="/offers/{release.id}/liste-attente"' in html
    assert html.count('<option value="') >= 3  # 1 to the release's max per order


def test_joining_shows_the_place_and_how_it_works_and_e_mails_it(db, client, now):
    release = sold_out(db, now)
    with time_machine.travel(now, tick=False):
        joined = client.post(f"/offers/{release.id}/liste-attente",
                             data={"email": "Zoe@Example.org", "seats": "2"},
                             headers={"Accept-Language": "fr"})
        assert joined.status_code == 303
        page = client.get(joined.headers["Location"], headers={"Accept-Language": "fr"})
    html = page.get_data(as_text=True)
    assert "Votre place dans la file : 1" in html
    assert "Quitter la liste d’attente" in html or "Quitter la liste d'attente" in html
    email = db.session.scalars(select(OutboundEmail)).one()
    assert email.to_address == "zoe@example.org"
    assert "Votre place dans la file : 1" in email.body_text
    assert re.search(r"/liste-attente/\d+\?token=", email.body_text)


def test_leaving_from_the_e_mailed_link_takes_one_click(db, client, now):
    release = sold_out(db, now)
    with time_machine.travel(now, tick=False):
        joined = client.post(f"/offers/{release.id}/liste-attente",
                             data={"email": "zoe@example.org", "seats": "1"})
        entry_url = joined.headers["Location"].replace("&joined=1", "")
        entry_id, token = re.search(r"/liste-attente/(\d+)\?token=([^&]+)", entry_url).groups()
        left = client.post(f"/liste-attente/{entry_id}/quitter", query_string={"token": token})
    assert left.status_code == 200
    db.session.expire_all()
    assert db.session.get(WaitlistEntry, int(entry_id)).status == "left"


def test_a_bad_email_re_renders_the_offer_with_the_message(db, client, now):
    release = sold_out(db, now)
    with time_machine.travel(now, tick=False):
        answer = client.post(f"/offers/{release.id}/liste-attente",
                             data={"email": "pas-une-adresse", "seats": "1"})
    assert answer.status_code == 422
    assert 'id="waitlist-error"' in answer.get_data(as_text=True)
    assert db.session.scalars(select(WaitlistEntry)).all() == []


def test_a_forged_link_opens_nothing(db, client, now):
    answer = client.get("/liste-attente/1", query_string={"token": "forged"})
    assert answer.status_code == 404
