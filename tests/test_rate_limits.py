"""Rate limits on holds and checkout, per client: 429 with Retry-After, in JSON and HTML.

The suite's app runs with RATELIMIT_ENABLED off; these tests build an app with it on
(the limiter is one extension object shared by every app, so it is switched off again
afterwards). Counts live in Redis with TEST_REDIS_URL, in memory otherwise.
"""

from __future__ import annotations

import pytest
import time_machine

from marketplace import create_app
from marketplace.extensions import limiter
from tests.buying import BUYER, count
from tests.conftest import OwnContextClient, make_test_config
from tests.factories import ReleaseFactory


@pytest.fixture
def limited_app(app, tmp_path_factory, monkeypatch):
    monkeypatch.setattr(limiter, "enabled", limiter.enabled)  # restored after the test
    monkeypatch.setattr(limiter, "initialized", limiter.initialized)
    limited = create_app({**make_test_config(tmp_path_factory), "RATELIMIT_ENABLED": True,
                          "RATELIMIT_HOLDS": "3 per minute",
                          "RATELIMIT_CHECKOUT": "2 per minute"})
    limited.test_client_class = OwnContextClient
    yield limited
    limiter.reset()


@pytest.fixture
def release(db):
    release = ReleaseFactory(quantity=50, max_per_order=2)
    db.session.commit()
    return release


def client_at(app, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def hold(client, release):
    return client.post("/api/v1/holds", json={"offer_id": release.id, "quantity": 1})


def test_too_many_holds_from_one_client_get_a_429_with_retry_after(limited_app, db, release,
                                                                   now):
    greedy, other = client_at(limited_app, "203.0.113.7"), client_at(limited_app, "203.0.113.8")
    with time_machine.travel(now, tick=False):
        assert [hold(greedy, release).status_code for _ in range(3)] == [201] * 3
        refused = hold(greedy, release)
        assert hold(other, release).status_code == 201  # per client
    assert refused.status_code == 429
    assert refused.get_json()["error"] == "rate_limited"
    assert "try again" in refused.get_json()["message"]
    assert 0 < int(refused.headers["Retry-After"]) <= 61  # the rest of the minute
    from marketplace.domain.models import Hold
    assert count(Hold) == 4  # the refused request held nothing


def test_checkout_attempts_are_limited_across_the_api_and_the_html_form(limited_app, db,
                                                                        release, now):
    buyer = client_at(limited_app, "198.51.100.23")
    with time_machine.travel(now, tick=False):
        holds = [hold(client_at(limited_app, f"192.0.2.{n}"), release).get_json()["hold_id"]
                 for n in range(3)]
        first = buyer.post(f"/api/v1/holds/{holds[0]}/checkout", json=BUYER)
        second = buyer.post(f"/checkout/{holds[1]}", data={**BUYER, "birth_year": ""})
        third = buyer.post(f"/checkout/{holds[2]}", data={**BUYER, "birth_year": ""})
        api_third = buyer.post(f"/api/v1/holds/{holds[2]}/checkout", json=BUYER)
    assert (first.status_code, second.status_code) == (201, 303)
    assert third.status_code == 429 and int(third.headers["Retry-After"]) > 0
    assert "Un instant" in third.get_data(as_text=True)  # the French error page
    assert api_third.status_code == 429 and api_third.get_json()["error"] == "rate_limited"
    from marketplace.domain.orders.models import Order
    assert count(Order) == 2


def test_limits_are_off_when_the_configuration_says_so(app, client, db, release, now):
    with time_machine.travel(now, tick=False):
        assert all(hold(client, release).status_code == 201 for _ in range(12))


# Behind a reverse proxy -------------------------------------------------------------------

PROXY = "10.0.0.2"  # nginx, on the app's network: every request arrives from it


@pytest.fixture
def proxied_app(app, tmp_path_factory, monkeypatch):
    """Limits on, behind one trusted proxy (TRUSTED_PROXY_HOPS=1)."""
    monkeypatch.setattr(limiter, "enabled", limiter.enabled)
    monkeypatch.setattr(limiter, "initialized", limiter.initialized)
    proxied = create_app({**make_test_config(tmp_path_factory), "RATELIMIT_ENABLED": True,
                          "RATELIMIT_HOLDS": "3 per minute", "TRUSTED_PROXY_HOPS": 1})
    proxied.test_client_class = OwnContextClient
    yield proxied
    limiter.reset()


def forwarded_hold(client, release, forwarded_for: str):
    return client.post("/api/v1/holds", json={"offer_id": release.id, "quantity": 1},
                       headers={"X-Forwarded-For": forwarded_for})


def test_two_clients_behind_one_proxy_get_two_buckets(proxied_app, db, release, now):
    via_proxy = client_at(proxied_app, PROXY)
    with time_machine.travel(now, tick=False):
        first = [forwarded_hold(via_proxy, release, "203.0.113.7").status_code
                 for _ in range(4)]
        second = [forwarded_hold(via_proxy, release, "198.51.100.9").status_code
                  for _ in range(3)]
        # What a client writes before the address nginx appends is not believed.
        forged = forwarded_hold(via_proxy, release, "192.0.2.1, 203.0.113.7")
    assert first == [201, 201, 201, 429]
    assert second == [201, 201, 201]
    assert forged.status_code == 429


def test_the_proxy_tells_the_app_the_client_address_and_scheme(proxied_app):
    from flask import request

    seen = {}

    @proxied_app.get("/_whoami")
    def whoami():
        seen.update(addr=request.remote_addr, secure=request.is_secure)
        return ""

    client_at(proxied_app, PROXY).get("/_whoami", headers={
        "X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"})
    assert seen == {"addr": "203.0.113.7", "secure": True}


def test_with_no_trusted_proxy_a_spoofed_forwarded_for_is_ignored(limited_app, db, release,
                                                                  now):
    spoofer = client_at(limited_app, "203.0.113.7")
    with time_machine.travel(now, tick=False):
        answers = [forwarded_hold(spoofer, release, f"192.0.2.{n}").status_code
                   for n in range(4)]
    assert answers == [201, 201, 201, 429]


def test_trusted_proxy_hops_must_be_a_count():
    from pathlib import Path

    from marketplace.config import config_from_env

    assert config_from_env(Path("/tmp"), {"SECRET_KEY": "x"})["TRUSTED_PROXY_HOPS"] == 0
    assert config_from_env(Path("/tmp"), {"SECRET_KEY": "x",
                                          "TRUSTED_PROXY_HOPS": "2"})["TRUSTED_PROXY_HOPS"] == 2
    with pytest.raises(RuntimeError, match="TRUSTED_PROXY_HOPS"):
        config_from_env(Path("/tmp"), {"SECRET_KEY": "x", "TRUSTED_PROXY_HOPS": "-1"})
