"""Waiting-list offers reach the browsers that turned notifications on (issue 17, item 5):
the seats are held for minutes, so the push leaves right after the commit that held
them; the e-mail goes too, whatever the push does."""

from __future__ import annotations

import re
from datetime import timedelta

import time_machine
from sqlalchemy import select

from marketplace.domain.mail.models import OutboundEmail
from marketplace.domain.push.channel import generate_key_pair
from marketplace.domain.push.models import PushSubscription
from marketplace.scheduler.jobs import sweep_holds
from tests.jobs_helpers import job_context
from tests.push_receiver import push_service
from tests.test_waitlist_api import FIRST, SECOND, join, sold_out, state  # noqa: F401
from tests.waiting import wait_for

PRIVATE, PUBLIC = generate_key_pair()


def _subscribe(client, entry, service) -> None:
    page = client.get(f"/liste-attente/{entry['entry_id']}",
                      query_string={"token": entry["token"]}).get_data(as_text=True)
    token = re.search(r'data-push-token="([^"]+)"', page)[1]
    answer = client.post("/push/abonnements", json={"token": token,
                                                    "subscription": service.subscription()})
    assert answer.status_code == 201, answer.get_json()


def _offer_emails(db, to):
    db.session.expire_all()
    return db.session.scalars(select(OutboundEmail).where(
        OutboundEmail.to_address == to, OutboundEmail.dedup_key.like("waitlist-offer:%"))).all()


def test_a_hold_given_back_reaches_the_first_in_lines_browser_at_once(
        app, db, client, now, sold_out, monkeypatch):  # noqa: F811
    monkeypatch.setitem(app.config, "VAPID_PRIVATE_KEY", PRIVATE)
    monkeypatch.setitem(app.config, "PUSH_ALLOW_PRIVATE", True)
    offer_id, hold_id = sold_out
    with push_service() as service, time_machine.travel(now, tick=False):
        first = join(client, offer_id, FIRST, 2).json
        _subscribe(client, first, service)
        assert client.delete(f"/api/v1/holds/{hold_id}").status_code == 204
        offered = state(client, first)
        assert wait_for(lambda: service.received, 10)
    [call] = service.received
    shown = service.decrypt(call["body"])
    assert call["headers"]["Urgency"] == "high"
    assert shown["url"].endswith(f"/checkout/{offered['hold_id']}")
    assert shown["tag"] == f"waitlist-offer:{offered['hold_id']}"
    assert shown["body"] == "Réservées pour vous jusqu’à 17:10 : touchez ici pour les acheter."
    assert len(_offer_emails(db, FIRST)) == 1  # the e-mail goes too: the sure way
    db.session.expire_all()
    assert db.session.scalar(select(PushSubscription.last_success_at)) is not None


def test_the_sweep_job_pushes_the_offers_of_lapsed_holds(app, db, client, now, sold_out,  # noqa: F811
                                                          monkeypatch):
    monkeypatch.setitem(app.config, "VAPID_PRIVATE_KEY", PRIVATE)
    monkeypatch.setitem(app.config, "PUSH_ALLOW_PRIVATE", True)
    offer_id, _ = sold_out
    with push_service() as service:
        with time_machine.travel(now, tick=False):
            second = join(client, offer_id, SECOND, 2).json
            _subscribe(client, second, service)
        later = now + timedelta(minutes=11)  # the buyer's hold lapses
        with time_machine.travel(later, tick=False):
            assert sweep_holds(job_context(app), later) >= 1
            assert wait_for(lambda: service.received, 10)
    [call] = service.received
    assert service.decrypt(call["body"])["tag"].startswith("waitlist-offer:")
    assert len(_offer_emails(db, SECOND)) == 1


def test_a_push_that_fails_leaves_the_email_to_do_the_work(app, db, client, now, sold_out,  # noqa: F811
                                                           monkeypatch):
    monkeypatch.setitem(app.config, "VAPID_PRIVATE_KEY", PRIVATE)
    monkeypatch.setitem(app.config, "PUSH_ALLOW_PRIVATE", True)
    offer_id, hold_id = sold_out
    with push_service() as service, time_machine.travel(now, tick=False):
        service.status = 410  # the browser unsubscribed meanwhile
        first = join(client, offer_id, FIRST, 2).json
        _subscribe(client, first, service)
        client.delete(f"/api/v1/holds/{hold_id}")
        assert wait_for(lambda: service.received, 10)
        assert wait_for(lambda: not _subscriptions(db), 10)
    assert len(_offer_emails(db, FIRST)) == 1


def _subscriptions(db):
    db.session.expire_all()
    return db.session.scalars(select(PushSubscription)).all()
