"""Redis goes away mid-evening: buying goes on, nothing hangs, and the app comes back to it.

Each test runs its own redis-server on a free port (skipped without the binary) and an
app with rate limits on, counted in that Redis. The limiter and the Redis connector are
extension objects shared by every app, so their state is restored after each test.
"""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import threading
import time
from datetime import timedelta

import pytest
import redis

from marketplace import create_app
from marketplace.domain.timeutil import utcnow
from marketplace.extensions import limiter, redis_connector
from tests.conftest import OwnContextClient, make_test_config
from tests.factories import ReleaseFactory

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None,
                                reason="redis-server is not installed")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """A throwaway redis-server: nothing saved, stopped and started at will."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"], stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while not self.answers():
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)  # a frozen server must hear SIGTERM
            self.process.terminate()
            self.process.wait(timeout=10)

    def answers(self) -> bool:
        try:
            return redis.Redis(port=self.port, socket_timeout=1).ping()
        except redis.RedisError:
            return False

    def keys(self) -> list[bytes]:
        return redis.Redis(port=self.port, socket_timeout=1).keys("*")


@pytest.fixture
def redis_server():
    server = RedisServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def shared_extensions(app, monkeypatch):
    """The suite's app gets its limiter and Redis client back after the test."""
    for switch in ("enabled", "initialized", "_storage_dead"):
        monkeypatch.setattr(limiter, switch, getattr(limiter, switch))
    monkeypatch.setattr(redis_connector, "url", redis_connector.url)
    monkeypatch.setattr(redis_connector, "_client", redis_connector.client)


@pytest.fixture
def outage_app(shared_extensions, redis_server, tmp_path_factory):
    limited = create_app({**make_test_config(tmp_path_factory), "RATELIMIT_ENABLED": True,
                          "REDIS_URL": redis_server.url,
                          "RATELIMIT_STORAGE_URI": redis_server.url})
    limited.test_client_class = OwnContextClient
    return limited


@pytest.fixture
def offer_id(db) -> int:
    # On sale in real time: the limiter's back-off to a lost Redis runs on the real clock.
    release = ReleaseFactory(quantity=100, max_per_order=2,
                             performance__starts_at=utcnow() + timedelta(hours=4))
    db.session.commit()
    return release.id


def hold(app, offer_id: int, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client.post("/api/v1/holds", json={"offer_id": offer_id, "quantity": 1})


def test_buying_goes_on_while_redis_is_down_and_limits_return_to_it(outage_app, redis_server,
                                                                     offer_id):
    assert hold(outage_app, offer_id, "203.0.113.1").status_code == 201
    assert redis_server.keys()  # the limits are counted in Redis
    redis_server.stop()
    during = [hold(outage_app, offer_id, f"203.0.113.{n}").status_code for n in range(2, 6)]
    health = outage_app.test_client().get("/healthz").get_json()
    redis_server.start()  # empty, as after a restart without persistence
    deadline, n = time.monotonic() + 10, 10
    while not redis_server.keys() and time.monotonic() < deadline:
        assert hold(outage_app, offer_id, f"203.0.113.{n}").status_code == 201
        time.sleep(0.2)
        n += 1
    assert during == [201] * 4
    assert health["redis"] == "down"
    assert redis_server.keys(), "the limiter never went back to Redis"


def test_a_frozen_redis_does_not_hold_up_buyers(outage_app, redis_server, offer_id):
    answers: list[int] = []

    def buy() -> None:
        answers.extend(hold(outage_app, offer_id, f"198.51.100.{n}").status_code
                       for n in range(3))

    redis_server.process.send_signal(signal.SIGSTOP)  # up, but answering nothing
    try:
        buyer = threading.Thread(target=buy, daemon=True)
        started = time.monotonic()
        buyer.start()
        buyer.join(timeout=10)
        waited = time.monotonic() - started
    finally:
        redis_server.process.send_signal(signal.SIGCONT)
    assert answers == [201] * 3
    assert waited < 5


def test_the_app_starts_and_sells_with_redis_unreachable(shared_extensions, offer_id,
                                                         tmp_path_factory):
    nowhere = f"redis://127.0.0.1:{free_port()}/0"
    started = create_app({**make_test_config(tmp_path_factory), "RATELIMIT_ENABLED": True,
                          "REDIS_URL": nowhere, "RATELIMIT_STORAGE_URI": nowhere})
    started.test_client_class = OwnContextClient
    assert hold(started, offer_id, "192.0.2.1").status_code == 201
    assert started.test_client().get("/healthz").get_json()["redis"] == "down"
