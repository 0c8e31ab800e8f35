"""Watches: double opt-in, alerts when a match opens or drops under the price (once a day,
never twice for one offer), one-click unsubscribe, expiry."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from marketplace.domain.watches.models import Watch
from marketplace.domain.watches.services import hash_token
from marketplace.scheduler.runner import run_job
from tests.factories import ReleaseFactory
from tests.jobs_helpers import JOB, email, email_keys, job_context
from tests.smtp_server import smtp_server

# ReleaseFactory: 30 € face, -25 % two days before curtain down to -80 % an hour before;
# at `now` (curtain in 4 h) 7.10 €, an hour later 6.70 €.


@pytest.fixture(autouse=True)
def _clock(now):
    """The pages and the jobs live at `now` (the jobs take it, the pages read the clock)."""
    with time_machine.travel(now, tick=False) as traveller:
        yield traveller


def _ask(client, **fields):
    data = {"email": "nadia@example.org", **fields}
    return client.post("/alertes", data=data)


def _confirm_link(key_prefix="watch-confirm:") -> str:
    [key] = email_keys(key_prefix)
    return re.search(r"http://kiosque\.test(/alertes/\S+/confirmer)", email(key).body_text)[1]


def _alert(app, when):
    return run_job(JOB["alert_watches"], job_context(app), when)


def test_asking_sends_a_confirmation_and_stores_only_the_token_hash(app, db, client, now):
    response = _ask(client, discipline="dance", max_price="15")
    assert response.status_code == 303 and response.location == "/alertes/envoyee"
    assert "n•••a@example.org" in client.get(response.location).get_data(as_text=True)
    watch = db.session.scalar(select(Watch))
    token = _confirm_link().split("/")[2]
    assert watch.token_hash == hash_token(token) and token not in watch.token_hash
    assert (watch.discipline, watch.max_price_cents, watch.confirmed_at) == ("dance", 1500, None)
    assert watch.expires_at - watch.created_at == timedelta(days=30)


def test_bad_input_rerenders_the_form_and_records_nothing(app, db, client):
    response = _ask(client, email="not-an-address")
    assert response.status_code == 422
    assert "adresse" in response.get_data(as_text=True)
    assert _ask(client, max_price="-3").status_code == 422
    assert db.session.scalar(select(Watch)) is None


def test_an_unconfirmed_watch_gets_nothing(app, db, client, now):
    _ask(client, max_price="20")
    ReleaseFactory()
    db.session.commit()
    assert _alert(app, now).count == 0
    assert email_keys("watch-alert:") == []


def test_a_drop_under_the_price_alerts_once_with_an_unsubscribe_link(app, db, client, now):
    release = ReleaseFactory()
    db.session.commit()
    _ask(client, offer_id=str(release.id), max_price="7")
    assert client.get(_confirm_link()).status_code == 200
    assert _alert(app, now).count == 0  # 7.10 €: not yet
    assert _alert(app, now + timedelta(hours=1)).count == 1  # 6.70 €
    assert _alert(app, now + timedelta(hours=2)).count == 0  # the same offer: never twice
    [key] = email_keys("watch-alert:")
    alert = email(key)
    assert alert.to_address == "nadia@example.org"
    assert f"http://kiosque.test/offers/{release.id}" in alert.body_text
    assert re.search(r"/alertes/\S+/desabonner", alert.body_text)
    assert re.search(r"/alertes/\S+/desabonner", alert.body_html)


def test_an_alert_offers_the_mail_clients_one_click_unsubscribe(app, db, client, now,
                                                                monkeypatch):
    """List-Unsubscribe and List-Unsubscribe-Post (RFC 8058): the mail client's own button
    POSTs to the address, with no form token, and the alerts stop."""
    ReleaseFactory(performance__show__discipline="dance")
    db.session.commit()
    _ask(client, discipline="dance")
    client.get(_confirm_link())
    ReleaseFactory(performance__show__discipline="dance")
    db.session.commit()
    with smtp_server() as (smtp_url, received):
        monkeypatch.setitem(app.config, "SMTP_URL", smtp_url)
        assert run_job(JOB["alert_watches"], job_context(app, smtp_url), now).count == 1
    [message] = received
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    address = re.fullmatch(r"<http://kiosque\.test(/alertes/\S+/desabonner)>",
                           message["List-Unsubscribe"].strip())[1]  # folded: a long line
    [text] = [part.get_payload(decode=True).decode() for part in message.walk()
              if part.get_content_type() == "text/plain"]
    assert address in text  # the same link as in the e-mail's text
    app.config["WTF_CSRF_ENABLED"] = True  # a mail client sends no form token
    try:
        assert client.post(address, data="List-Unsubscribe=One-Click",
                           content_type="application/x-www-form-urlencoded").status_code == 200
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    ReleaseFactory(performance__show__discipline="dance", performance__starts_at=now
                   + timedelta(days=2))
    db.session.commit()
    assert _alert(app, now + timedelta(days=1)).count == 0
    confirmation = email_keys("watch-confirm:")[0]
    assert email(confirmation).unsubscribe_url is None  # a one-off e-mail is no mailing


def test_offers_already_on_screen_when_confirming_are_not_news(app, db, client, now):
    ReleaseFactory()
    db.session.commit()
    _ask(client)
    client.get(_confirm_link())
    assert _alert(app, now).count == 0
    ReleaseFactory(performance__show__title="Nouveau")
    db.session.commit()
    assert _alert(app, now + timedelta(minutes=5)).count == 1
    assert "Nouveau" in email(email_keys("watch-alert:")[0]).body_text


def test_at_most_one_alert_a_day_per_watch(app, db, client, now):
    ReleaseFactory(performance__show__discipline="dance")
    db.session.commit()
    _ask(client, discipline="dance")
    client.get(_confirm_link())
    ReleaseFactory(performance__show__discipline="dance")
    ReleaseFactory(performance__show__discipline="theatre")
    db.session.commit()
    assert _alert(app, now).count == 1
    ReleaseFactory(performance__show__discipline="dance", performance__starts_at=now
                   + timedelta(days=2))
    db.session.commit()
    assert _alert(app, now + timedelta(hours=3)).count == 0  # same Paris day
    assert _alert(app, now + timedelta(hours=16)).count == 1  # the next morning
    assert len(email_keys("watch-alert:")) == 2


def test_unsubscribing_stops_alerts(app, db, client, now):
    _ask(client)
    client.get(_confirm_link())
    watch = db.session.scalar(select(Watch))
    unsubscribe = re.search(r"http://kiosque\.test(/alertes/\S+/desabonner)",
                            email(f"watch-confirm:{watch.id}").body_text)[1]
    page = client.get(unsubscribe)
    assert page.status_code == 200 and "<form" in page.get_data(as_text=True)
    assert client.post(unsubscribe).status_code == 200
    assert client.post(unsubscribe).status_code == 200  # again: still fine
    ReleaseFactory()
    db.session.commit()
    assert _alert(app, now).count == 0
    assert client.get("/alertes/forged/desabonner").status_code == 404


def test_watches_expire(app, db, client, now, _clock):
    _ask(client)
    client.get(_confirm_link())
    _clock.move_to(now + timedelta(days=30, hours=13))
    ReleaseFactory(performance__starts_at=now + timedelta(days=31),
                   sales_open_at=now + timedelta(days=30, hours=12))
    db.session.commit()
    assert _alert(app, now + timedelta(days=30, hours=13)).count == 0
    assert client.get(_confirm_link()).status_code == 404


def test_the_form_is_on_the_list_and_on_an_offers_page(app, db, client, now):
    release = ReleaseFactory()
    db.session.commit()
    listing = client.get("/?when=tonight&discipline=dance").get_data(as_text=True)
    assert 'action="/alertes"' in listing and 'name="discipline" value="dance"' in listing
    assert 'name="when" value="tonight"' in listing
    page = client.get(f"/offers/{release.id}").get_data(as_text=True)
    assert 'action="/alertes"' in page and f'name="offer_id" value="{release.id}"' in page


def test_the_form_follows_filters_changed_without_reloading_the_page(app, db, client, now):
    """htmx swaps the list alone: the form under it comes along (out of band), so the watch
    is for the filters on screen, not for those the page was loaded with."""
    ReleaseFactory()
    db.session.commit()
    page = client.get("/?discipline=theatre").get_data(as_text=True)
    assert page.count('id="watch-form"') == 1 and "hx-swap-oob" not in page
    fragment = client.get("/?discipline=dance&when=tonight",
                          headers={"HX-Request": "true", "HX-Trigger": "filters"})
    html = fragment.get_data(as_text=True)
    assert re.search(r'<details class="watch-form" id="watch-form"( open)? hx-swap-oob="true">',
                     html)
    form = html[html.index('id="watch-form"'):]
    assert 'name="discipline" value="dance"' in form and 'name="when" value="tonight"' in form
    more = client.get("/?discipline=dance&page=2", headers={"HX-Request": "true"})
    assert more.status_code == 200
    boosted = client.get("/?discipline=dance", headers={"HX-Request": "true",
                                                        "HX-Boosted": "true"})
    assert "hx-swap-oob" not in boosted.get_data(as_text=True)  # the whole page: one form
