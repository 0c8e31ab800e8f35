"""Test harness: SQLite by default; PostgreSQL + Redis with TEST_DATABASE_URL / TEST_REDIS_URL.

Every test starts from empty tables (truncated, not rolled back), so that tests may
commit and use real threads, exactly as the application does.
"""

from __future__ import annotations

import os
import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from flask.testing import FlaskClient
from sqlalchemy import Engine, event, text
from werkzeug.serving import make_server

from marketplace import create_app
from marketplace.extensions import db as _db
from tests.seat_guard import SeatGuard
from tests.webhook_receiver import FakeDNS, offline_resolve

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL")


def make_test_config(tmp_path_factory) -> dict:
    """The configuration every test app starts from."""
    sqlite_file = tmp_path_factory.getbasetemp() / "kiosque-test.sqlite"
    url = TEST_DATABASE_URL or f"sqlite:///{sqlite_file}"
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": _normalise(url),
        "REDIS_URL": TEST_REDIS_URL,
        "RATELIMIT_STORAGE_URI": TEST_REDIS_URL or "memory://",
        "RATELIMIT_ENABLED": False,
        "WTF_CSRF_ENABLED": False,
        "PAYMENT_PROVIDER": "demo",
        "SMTP_URL": None,
        "BASE_URL": "http://kiosque.test",
        "SERVER_NAME": None,
        # Rule 9 as in production, whatever the environment says; the tests that deliver to
        # a local receiver opt in with the `allow_private_webhooks` fixture.
        "WEBHOOK_ALLOW_PRIVATE": False,
        "WEBHOOK_ALLOW_HTTP": False,
        "WEBHOOK_RESOLVER": offline_resolve,  # host names: the `dns` fixture's
    }


def _normalise(url: str) -> str:
    from marketplace.config import _database_url

    return _database_url(url)


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    app = create_app(make_test_config(tmp_path_factory))
    with app.app_context():
        if TEST_REDIS_URL:
            app.extensions["redis_connector"].client.flushdb()
        _db.drop_all()
        _db.create_all()
    yield app
    with app.app_context():
        _db.session.remove()
        _db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean_database(request):
    """Empty every table after each test that touched the app."""
    yield
    if "app" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    with app.app_context():
        _db.session.rollback()
        _db.session.remove()
        tables = [t.name for t in reversed(_db.metadata.sorted_tables)]
        with _db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
            else:
                for table in tables:
                    conn.execute(text(f"DELETE FROM {table}"))
        if TEST_REDIS_URL:
            app.extensions["redis_connector"].client.flushdb()


@pytest.fixture(scope="session")
def _seat_guard():
    """One listener on every engine of this process for the whole run (tests/seat_guard.py)."""
    guard = SeatGuard()
    event.listen(Engine, "before_cursor_execute", guard.before_cursor_execute)
    yield guard
    event.remove(Engine, "before_cursor_execute", guard.before_cursor_execute)


@pytest.fixture(autouse=True)
def _seats_moved_only_by_inventory(_seat_guard):
    """Fail the test if code outside marketplace/domain/inventory/ wrote a seat counter."""
    yield
    violations = _seat_guard.take()
    if violations:
        pytest.fail("seat counters written outside marketplace/domain/inventory/:\n"
                    + "\n".join(violations), pytrace=False)


@pytest.fixture
def allow_private_webhooks(app, monkeypatch):
    """Webhooks may go to this machine over plain http (WEBHOOK_ALLOW_PRIVATE=1): for tests
    whose venue's tool is a local receiver (tests/webhook_receiver.py)."""
    from tests.webhook_receiver import LOCAL

    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_PRIVATE", True)
    return LOCAL


@pytest.fixture
def dns(app, monkeypatch) -> FakeDNS:
    """The app's resolver for webhook addresses, answering what the test writes in it."""
    fake = FakeDNS()
    monkeypatch.setitem(app.config, "WEBHOOK_RESOLVER", fake)
    return fake


@pytest.fixture
def app_ctx(app):
    with app.app_context():
        yield app


@pytest.fixture
def db(app_ctx):
    """The Flask-SQLAlchemy handle, inside an app context (factories use its session)."""
    yield _db
    _db.session.remove()


class OwnContextClient(FlaskClient):
    """A test client whose requests each get their own app context, as in production.

    The `db` fixture keeps an app context open for the factories; without this, every
    request would share its `g` (where Flask-Babel caches the locale) and its session.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def client(app):
    app.test_client_class = OwnContextClient
    return app.test_client()


@pytest.fixture
def now() -> datetime:
    """A fixed, recognisable instant: Friday 20 November 2026, 17:00 in Paris."""
    return datetime(2026, 11, 20, 16, 0, tzinfo=UTC)


def pytest_addoption(parser) -> None:
    parser.addoption(
        "--clock-shift-days", type=int, default=0, metavar="DAYS",
        help="run the whole suite with the clock moved DAYS days ahead (time-machine, "
             "ticking): a test that depends on today's date fails under it")


def pytest_configure(config) -> None:
    days = config.getoption("--clock-shift-days")
    if days:
        # Started before collection, so module-level dates are shifted too; nested
        # time_machine.travel() calls in tests still move the clock where they say.
        traveller = time_machine.travel(datetime.now(UTC) + timedelta(days=days), tick=True)
        traveller.start()
        config.add_cleanup(traveller.stop)


def pytest_report_header(config) -> str:
    shift = config.getoption("--clock-shift-days")
    clock = f"; clock moved {shift} days ahead" if shift else ""
    return (f"database: {'PostgreSQL (TEST_DATABASE_URL)' if TEST_DATABASE_URL else 'SQLite'}; "
            f"redis: {'TEST_REDIS_URL' if TEST_REDIS_URL else 'in-process fallback'}{clock}")


@pytest.fixture
def live_server(app):
    """The test app on 127.0.0.1:<free port>, against the test database; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()
