"""Logs hold no personal data and no keys: not the buyer's e-mail, name or postcode, not
an order token, a signed order link or a ticket code.

Everything logged at DEBUG while a spectator buys (pages and API), the door checks a
ticket in, staff log in and reset a password, and the venue's webhook is delivered (to a
server that answers and to one that is down) is read back; and so is the access log
gunicorn would write for every one of those requests (gunicorn.conf.py).
"""

from __future__ import annotations

import logging
import re
import runpy
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from gunicorn.config import Config
from gunicorn.glogging import Logger
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from marketplace.domain.catalog.geocoding import GeocodingUnavailable, locate
from marketplace.domain.contacts.webhooks import deliver_webhooks
from marketplace.domain.mail.models import OutboundEmail
from marketplace.domain.orders.access import order_links
from marketplace.domain.orders.models import Order
from marketplace.domain.timeutil import utcnow
from marketplace.extensions import db as _db
from tests.factories import STAFF_PASSWORD, MembershipFactory, ReleaseFactory, VenueFactory
from tests.webhook_receiver import webhook_receiver

ROOT = Path(__file__).resolve().parent.parent
BUYER = {"email": "oceane.private@example.org", "name": "Océane Privée", "postcode": "13790"}
API_BUYER = {"email": "api.buyer@example.org", "name": "Bérénice Apiquet",
             "postcode": "04100", "marketing_consent": True}
GUNICORN_DEFAULT = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"'


class Recorder:
    """The responses of one flow, for the access lines gunicorn would write."""

    def __init__(self, client):
        self.client, self.responses = client, []

    def __call__(self, method: str, path: str, **options):
        response = self.client.open(path, method=method, buffered=True, **options)
        self.responses.append(response)
        return response


def access_lines(responses, log_format: str, logger_class=None) -> list[str]:
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    logger = (logger_class or settings["logger_class"])(Config())
    lines = []
    for response in responses:
        environ = response.request.environ
        resp = SimpleNamespace(status=response.status, sent=len(response.data),
                               headers=list(response.headers.items()))
        req = SimpleNamespace(headers=[(k.upper(), v) for k, v in response.request.headers])
        atoms = logger.atoms(resp, req, environ, timedelta(milliseconds=3))
        lines.append(log_format % logger.atoms_wrapper_class(atoms))
    return lines


@pytest.fixture
def receiver():
    with webhook_receiver() as server:
        yield server


def test_nothing_personal_or_secret_reaches_the_logs(app, db, client, caplog, receiver,
                                                     allow_private_webhooks):
    caplog.set_level(logging.DEBUG)
    now = utcnow()
    venue = VenueFactory(webhook_url=receiver.url, webhook_secret="s")
    down = VenueFactory(webhook_url="http://127.0.0.1:9/down", webhook_secret="s")
    releases = [ReleaseFactory(performance__show__venue=v, quantity=10,
                               performance__starts_at=now + timedelta(hours=3),
                               sales_open_at=now - timedelta(hours=1)) for v in (venue, down)]
    box_office = MembershipFactory(venue=venue, role="box_office")
    db.session.commit()
    visit = Recorder(client)

    # A purchase through the pages, and the tickets page through its e-mailed link.
    hold = visit("POST", f"/offers/{releases[0].id}/hold", data={"quantity": "2"})
    pay = visit("POST", hold.headers["Location"], data=BUYER)
    order_id = pay.headers["Location"].split("/")[-1].split("?")[0]
    key = order_links(app.config).key(order_id)
    visit("POST", f"/pay/demo/{order_id}", data={"token": key, "action": "pay"},
          headers={"Referer": pay.headers["Location"]})
    visit("GET", f"/orders/{order_id}?token={key}")
    visit("GET", f"/orders/{order_id}/calendar.ics?token={key}")
    codes = [t.code for t in db.session.get(Order, order_id).tickets]
    visit("GET", f"/tickets/{codes[0]}.svg", headers={"Referer": f"/orders/{order_id}?token={key}"})

    # A purchase through the API, at the venue whose webhook is down.
    held = visit("POST", "/api/v1/holds", json={"offer_id": releases[1].id, "quantity": 1})
    checked_out = visit("POST", f"/api/v1/holds/{held.get_json()['hold_id']}/checkout",
                        json=API_BUYER).get_json()
    api_order, api_token = checked_out["order_id"], checked_out["order_token"]
    visit("POST", f"/api/v1/payments/demo/{api_order}/succeed?token={api_token}")
    visit("GET", f"/api/v1/orders/{api_order}?token={api_token}")
    visit("GET", f"/api/v1/orders/{api_order}?token=wrong")
    codes += [t.code for t in db.session.get(Order, api_order).tickets]

    # The door, a login, a forgotten password; then the webhooks (and their retries).
    visit("POST", "/portal/login", data={"email": box_office.user.email,
                                         "password": STAFF_PASSWORD})
    visit("POST", f"/portal/venues/{venue.slug}/checkin", data={"code": codes[0]})
    visit("POST", f"/portal/venues/{venue.slug}/checkin", data={"code": codes[0]})
    visit("POST", "/portal/logout")
    visit("POST", "/portal/login", data={"email": box_office.user.email, "password": "wrong"})
    visit("POST", "/portal/password/forgotten", data={"email": box_office.user.email})
    _db.session.expire_all()
    reset = _db.session.scalars(select(OutboundEmail).order_by(OutboundEmail.id.desc())).first()
    link = re.search(r"http://kiosque\.test(/portal/\S+)", reset.body_text).group(1)
    visit("GET", link)
    visit("POST", link, data={"password": "une phrase secrète", "confirm": "une phrase secrète"})
    deliver_webhooks(_db.engine, utcnow() + timedelta(hours=1), policy=allow_private_webhooks)

    statuses = [(r.request.method, r.request.path, r.status_code) for r in visit.responses]
    assert [s for _, _, s in statuses] == [303, 303, 303, 200, 200, 200, 201, 201, 200, 200,
                                           404, 302, 200, 200, 302, 401, 200, 200, 302], statuses
    assert receiver.received, "the webhook was delivered"
    secrets = [BUYER["email"], BUYER["name"], BUYER["postcode"], API_BUYER["email"],
               API_BUYER["name"], API_BUYER["postcode"], api_token, key,
               link.rsplit("/", 1)[-1], box_office.user.email, *codes]
    logged = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    leaks = [s for s in secrets if s in logged]
    assert not leaks, f"{leaks} in the application's logs:\n{logged}"
    for log_format in (settings_format(), GUNICORN_DEFAULT):
        lines = "\n".join(access_lines(visit.responses, log_format))
        leaks = [s for s in secrets if s in lines]
        assert not leaks, f"{leaks} in the access log:\n{lines}"
    # Control: gunicorn's own logger would have written them.
    plain = "\n".join(access_lines(visit.responses, GUNICORN_DEFAULT, Logger))
    assert key in plain and codes[0] in plain and api_token in plain


def settings_format() -> str:
    return runpy.run_path(str(ROOT / "gunicorn.conf.py"))["access_log_format"]


def test_a_database_error_never_carries_the_values_it_was_given(db):
    with pytest.raises(DBAPIError) as caught:
        db.session.execute(text("SELECT * FROM no_such_table WHERE email = :email"),
                           {"email": BUYER["email"]})
    db.session.rollback()
    assert BUYER["email"] not in str(caught.value)  # what errors.py and tracebacks log


def test_a_geocoder_outage_does_not_log_what_the_spectator_typed(db, caplog):
    class Down:
        def geocode(self, query):
            raise GeocodingUnavailable("timed out")

    caplog.set_level(logging.DEBUG)
    assert locate(db.session, Down(), "12 rue des Lilas 13790 Peynier", utcnow()) is None
    assert caplog.records and "Lilas" not in caplog.text and "13790" not in caplog.text
