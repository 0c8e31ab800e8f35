"""A whole day of one release, clock in hand, with the scheduler stepping every 15 minutes:
holds lapse, a drop triggers a watch alert, the practical e-mail leaves at curtain − 3 h,
sales close at curtain, "how was it?" leaves the next morning; each e-mail exactly once,
through a real SMTP server. Then two schedulers at once, sending nothing twice."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from email.header import decode_header, make_header

import pytest
import time_machine
from sqlalchemy import select

from marketplace.domain.errors import Conflict
from marketplace.domain.inventory.models import Hold, Release
from marketplace.domain.mail.links import mail_links
from marketplace.domain.mail.models import OutboundEmail
from marketplace.domain.watches.services import confirm_watch, create_watch
from marketplace.extensions import db
from marketplace.scheduler.runner import run_all_once
from tests.buying import bought, counters, hold_seats
from tests.factories import MembershipFactory, ReleaseFactory
from tests.jobs_helpers import job_context
from tests.smtp_server import smtp_server
from tests.waiting import join_all

FRIDAY_MORNING = datetime(2026, 11, 20, 7, 0, tzinfo=UTC)  # 08:00 in Paris
CURTAIN = datetime(2026, 11, 20, 20, 0, tzinfo=UTC)  # 21:00 in Paris
SATURDAY_MORNING = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)  # 09:00 in Paris
STEP = timedelta(minutes=15)


def _at(hour: int, minute: int = 0, day: int = 20) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def _steps(start: datetime, end: datetime):
    t = start
    while t <= end:
        yield t
        t += STEP


def _watch(app, release, max_price: str, now: datetime) -> int:
    created = create_watch(db.session, {"email": "nadia@example.org", "offer_id": release.id,
                                        "max_price": max_price}, "fr",
                           mail_links(app.config), now)
    confirm_watch(db.session, created.token, now)
    return created.watch.id


def _sent() -> list[tuple[str, datetime, str]]:
    """(key, sent at, status) of every e-mail, in the order they left."""
    db.session.expire_all()
    return [(e.dedup_key, e.sent_at, e.status) for e in db.session.scalars(
        select(OutboundEmail).order_by(OutboundEmail.sent_at, OutboundEmail.id))]


def test_a_day_in_the_life_of_a_release(app, app_ctx, monkeypatch):
    release = ReleaseFactory(performance__starts_at=CURTAIN, quantity=10,
                             performance__show__venue__getting_home_notes="Tram T1 jusqu'à 1 h")
    db.session.commit()
    with smtp_server() as (url, received), time_machine.travel(FRIDAY_MORNING,
                                                                 tick=False) as clock:
        monkeypatch.setitem(app.config, "SMTP_URL", url)  # after-commit sends go there too
        ctx = job_context(app, smtp_url=url)
        watch_id = order_id = None
        for t in _steps(FRIDAY_MORNING, SATURDAY_MORNING):
            clock.move_to(t)
            if t == FRIDAY_MORNING:  # 30 € face, 8.10 € now: she wants it at 8 € or less
                watch_id = _watch(app, release, "8", t)
            if t == _at(9):
                hold_seats(release, 3, t)  # someone holds three seats and walks away
                db.session.commit()
                assert counters(release.id) == (0, 3)
            if t == _at(12):
                order_id = bought(app, release, 2, t, email="lea@example.org").id
            if t == _at(19, 45):
                assert db.session.get(Release, release.id).status == "open"
            if t == CURTAIN:
                with pytest.raises(Conflict):
                    hold_seats(release, 1, t)  # at curtain, sales are over
                db.session.rollback()
            run_all_once(ctx, t)
            if t == _at(9, 15):  # the hold lapsed at 09:10; the sweep gave the seats back
                assert counters(release.id) == (0, 0)
                assert db.session.scalar(select(Hold.status)) == "expired"
            if t == CURTAIN:
                db.session.expire_all()
                assert db.session.get(Release, release.id).status == "closed"

    assert _sent() == [
        (f"watch-confirm:{watch_id}", FRIDAY_MORNING, "sent"),
        (f"order:{order_id}:confirmation", _at(12), "sent"),
        (f"watch-alert:{watch_id}:2026-11-20", _at(13, 15), "sent"),  # 8.00 € from 13:15
        (f"practical:{order_id}", _at(17), "sent"),  # curtain − 3 h
        (f"aftershow:{order_id}", SATURDAY_MORNING, "sent"),  # 09:00 in Paris
    ]
    assert [m["To"] for m in received] == ["nadia@example.org", "lea@example.org",
                                           "nadia@example.org", "lea@example.org",
                                           "lea@example.org"]
    alert, practical, aftershow = received[2], received[3], received[4]
    assert "8,00" in str(make_header(decode_header(alert["Subject"])))
    assert "/desabonner" in _plain(alert)
    assert "Tram T1 jusqu'à 1 h" in _plain(practical)
    assert "/avis/" in _plain(aftershow)


def _plain(message) -> str:
    part = next(p for p in message.walk() if p.get_content_type() == "text/plain")
    return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")


def test_two_schedulers_through_the_night_send_each_email_once(app, app_ctx):
    release = ReleaseFactory(performance__starts_at=CURTAIN, quantity=20)
    MembershipFactory(venue=release.performance.venue, role="manager")
    db.session.commit()
    orders = [bought(app, release, 1, _at(12), email=f"b{n}@example.org").id for n in range(3)]
    watch_id = _watch(app, release, "8", _at(12))
    with smtp_server() as (url, received):
        ctx = job_context(app, smtp_url=url)
        barrier = threading.Barrier(2)

        def scheduler_loop():
            for t in _steps(_at(13), SATURDAY_MORNING):
                barrier.wait(30)  # both at the same instant, every step
                run_all_once(ctx, t)

        threads = [threading.Thread(target=scheduler_loop) for _ in range(2)]
        for thread in threads:
            thread.start()
        join_all(threads, 120)

    sent = {key for key, _at_, status in _sent() if status == "sent"}
    expected = ({f"practical:{o}" for o in orders} | {f"aftershow:{o}" for o in orders}
                | {f"watch-alert:{watch_id}:2026-11-20"})
    assert expected <= sent
    digests = {key for key in sent if key.startswith("digest:")}
    assert len(digests) == 2  # the manager: Friday (from 13:00 on) and Saturday
    assert len(received) == len(expected) + len(digests)  # nothing twice
    assert sorted(m["To"] for m in received).count("nadia@example.org") == 1
