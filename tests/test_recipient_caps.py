"""Per-recipient caps: whatever the number of clients asking, an address gets at most three
"Mes données" links and three alert confirmations a day, and the requester is told the same
thing either way. Counted from the outbound e-mail table: no Redis, every worker agrees."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from marketplace import create_app
from marketplace.domain.mail.caps import RecipientCap, recipient_capped
from marketplace.domain.mail.mailer import queue_email
from marketplace.domain.mail.models import OutboundEmail
from marketplace.domain.rights.services import LINK_CAP, LinkEmail, send_data_link
from marketplace.domain.watches.models import Watch
from marketplace.extensions import limiter
from tests.conftest import TEST_DATABASE_URL, OwnContextClient, make_test_config

TARGET = "victim@example.org"


@pytest.fixture
def limited_app(app, tmp_path_factory, monkeypatch):
    """The app with rate limits (and so per-recipient caps) on, as in production."""
    monkeypatch.setattr(limiter, "enabled", limiter.enabled)  # restored after the test
    monkeypatch.setattr(limiter, "initialized", limiter.initialized)
    limited = create_app({**make_test_config(tmp_path_factory), "RATELIMIT_ENABLED": True})
    limited.test_client_class = OwnContextClient
    yield limited
    limiter.reset()


def from_address(app, n: int):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = f"198.51.100.{n}"
    return client


def main(response) -> str:
    """What the page says (its <main>; the page around it carries a per-session token)."""
    page = response.get_data(as_text=True)
    return page[page.index("<main"):page.index("</main>")]


def sent(db, kind: str, to: str = TARGET) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(OutboundEmail).where(
        OutboundEmail.to_address == to, OutboundEmail.dedup_key.startswith(f"{kind}:")))


def test_the_cap_counts_one_kind_to_one_address_over_the_last_24_hours(db, now):
    cap = RecipientCap(kind="my-data-link", limit=3)
    for n, at in enumerate((now - timedelta(hours=25), now - timedelta(hours=23),
                            now - timedelta(hours=1))):
        queue_email(db.session, dedup_key=f"my-data-link:{n}", to=TARGET, subject="s",
                    body_text="b", now=at)
    queue_email(db.session, dedup_key="watch-confirm:1", to=TARGET, subject="s",
                body_text="b", now=now)
    queue_email(db.session, dedup_key="my-data-link:9", to="other@example.org", subject="s",
                body_text="b", now=now)
    db.session.commit()
    assert not recipient_capped(db.session, cap, TARGET, now)  # 2 in the window
    queue_email(db.session, dedup_key="my-data-link:3", to=TARGET, subject="s", body_text="b",
                now=now)
    db.session.commit()
    assert recipient_capped(db.session, cap, TARGET, now)
    assert not recipient_capped(db.session, cap, TARGET, now + timedelta(hours=1, seconds=1))
    assert not recipient_capped(db.session, cap, "other@example.org", now)
    assert not recipient_capped(db.session, RecipientCap(kind="watch-confirm"), TARGET, now)


def test_links_to_one_address_stop_at_three_a_day_whatever_the_number_of_clients(
        limited_app, db, now):
    with time_machine.travel(now, tick=False):
        pages = [from_address(limited_app, n).post("/mes-donnees", data={"email": TARGET})
                 for n in range(6)]
        assert {p.status_code for p in pages} == {200}
        assert len({main(p) for p in pages}) == 1  # told the same each time
        assert sent(db, "my-data-link") == 3
        from_address(limited_app, 7).post("/mes-donnees", data={"email": "Other@Example.org"})
        assert sent(db, "my-data-link", "other@example.org") == 1
    with time_machine.travel(now + timedelta(hours=24, minutes=1), tick=False):
        from_address(limited_app, 8).post("/mes-donnees", data={"email": TARGET})
    assert sent(db, "my-data-link") == 4


def test_alert_confirmations_stop_at_three_a_day_and_nothing_is_recorded_beyond(
        limited_app, db, now):
    with time_machine.travel(now, tick=False):
        answers = [from_address(limited_app, n).post("/alertes", data={"email": TARGET})
                   for n in range(5)]
    assert {(a.status_code, a.location) for a in answers} == {
        (303, "/alertes/envoyee")}
    assert sent(db, "watch-confirm") == 3
    assert db.session.scalar(select(func.count()).select_from(Watch)) == 3


def test_with_rate_limits_off_the_caps_are_off_too(db, client, now):
    """Benchmarks and acceptance checks run with RATELIMIT_ENABLED=0 (the suite's app too)."""
    with time_machine.travel(now, tick=False):
        for _ in range(5):
            client.post("/mes-donnees", data={"email": TARGET})
            client.post("/alertes", data={"email": TARGET})
    assert sent(db, "my-data-link") == sent(db, "watch-confirm") == 5


def _race(engine, work, threads: int = 12) -> list[BaseException]:
    barrier, errors = threading.Barrier(threads), []

    def run() -> None:
        with Session(engine) as session:
            try:
                barrier.wait(timeout=60)
                work(session)
            except BaseException as error:  # reported by the test
                errors.append(error)

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    return errors


@pytest.mark.postgres
@pytest.mark.skipif(not TEST_DATABASE_URL, reason="needs PostgreSQL: set TEST_DATABASE_URL")
def test_concurrent_requests_for_one_address_still_send_three_on_postgresql(db, now):
    def ask(session: Session) -> None:
        send_data_link(session, TARGET, now, cap=LINK_CAP,
                       compose=lambda token: LinkEmail("Kiosque: your data", token))

    assert _race(db.engine, ask) == []
    assert sent(db, "my-data-link") == 3


@pytest.mark.postgres
@pytest.mark.skipif(not TEST_DATABASE_URL, reason="needs PostgreSQL: set TEST_DATABASE_URL")
def test_control_counting_without_the_lock_lets_more_through(db, now):
    """The same race with a naive count-then-insert (no advisory lock) sends more than three:
    the harness does see the race the lock closes."""
    def naive(session: Session) -> None:
        count = session.scalar(select(func.count()).select_from(OutboundEmail).where(
            OutboundEmail.to_address == TARGET))
        time.sleep(0.05)
        if count < 3:
            queue_email(session, dedup_key=f"naive:{threading.get_ident()}", to=TARGET,
                        subject="s", body_text="b", now=now)
            session.commit()

    assert _race(db.engine, naive) == []
    assert sent(db, "naive") > 3
