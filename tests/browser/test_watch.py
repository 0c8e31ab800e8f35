"""« Me prévenir » in a real browser: the form on an offer's page, the confirmation link,
exactly one alert in a real SMTP server when the price drops under hers, and the
unsubscribe link that stops the next one."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from marketplace.domain.timeutil import utcnow
from marketplace.scheduler.runner import run_job
from tests.factories import PerformanceFactory, ReleaseFactory
from tests.jobs_helpers import JOB, job_context
from tests.smtp_server import smtp_server

pytestmark = pytest.mark.browser


def _plain(message) -> str:
    part = next(p for p in message.walk() if p.get_content_type() == "text/plain")
    return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")


def _link(message, pattern: str, live_server: str) -> str:
    url = re.search(rf"http://kiosque\.test(/alertes/\S+/{pattern})", _plain(message))[1]
    return live_server + url


def test_a_watch_made_in_the_browser_alerts_once_then_unsubscribes(
        app, db, live_server, phone, monkeypatch):
    start = utcnow()
    curtain = start + timedelta(hours=3)
    release = ReleaseFactory(performance__starts_at=curtain, face_price_cents=3200,
                             performance__show__title="Le Misanthrope",
                             sales_open_at=start - timedelta(hours=2),
                             max_discount_at=curtain - timedelta(minutes=30))
    db.session.commit()  # 16.20 € now, under 10 € in two hours
    with smtp_server() as (url, received):
        monkeypatch.setitem(app.config, "SMTP_URL", url)
        ctx = job_context(app, smtp_url=url)

        phone.goto(f"{live_server}/offers/{release.id}")
        phone.get_by_text("Me prévenir", exact=True).first.click()
        phone.get_by_label("Votre e-mail", exact=True).fill("nadia@example.org")
        phone.get_by_label("Au plus (euros)").fill("10")
        phone.get_by_role("button", name="Me prévenir").click()
        phone.get_by_role("heading", name="Consultez votre boîte mail").wait_for()
        [confirmation] = received
        assert confirmation["To"] == "nadia@example.org"

        phone.goto(_link(confirmation, "confirmer", live_server))
        phone.get_by_role("heading", name="Alerte confirmée").wait_for()

        assert run_job(JOB["alert_watches"], ctx, start + timedelta(hours=1)).count == 0
        assert run_job(JOB["alert_watches"], ctx, start + timedelta(hours=2)).count == 1
        assert run_job(JOB["alert_watches"], ctx, start + timedelta(hours=2, minutes=5)).count == 0
        alerts = received[1:]
        assert len(alerts) == 1 and "Le Misanthrope" in _plain(alerts[0])

        phone.goto(_link(alerts[0], "desabonner", live_server))
        phone.get_by_role("button", name="Me désabonner").click()
        phone.get_by_role("heading", name="Désabonnement confirmé").wait_for()

        tomorrow = start + timedelta(days=1)
        ReleaseFactory(performance=PerformanceFactory(show=release.performance.show,
                                                      starts_at=tomorrow + timedelta(hours=3)),
                       face_price_cents=1000, sales_open_at=start)
        db.session.commit()
        assert run_job(JOB["alert_watches"], ctx, tomorrow).count == 0
        assert len(received) == 2


def test_the_watch_is_for_the_filters_on_screen_after_changing_them(app, db, live_server, phone):
    """The list changes under htmx without reloading the page: « Me prévenir » follows."""
    from sqlalchemy import select

    from marketplace.domain.watches.models import Watch

    ReleaseFactory(performance__show__discipline="dance")
    db.session.commit()
    phone.goto(f"{live_server}/?discipline=theatre")
    phone.get_by_role("link", name="Danse", exact=True).click()
    phone.locator("#offers a.chip[aria-current='true']", has_text="Danse").wait_for()
    assert "/?discipline=dance" in phone.url  # the list came through htmx, no reload
    if phone.locator("#watch-form").get_attribute("open") is None:  # open under an empty list
        phone.get_by_text("Me prévenir", exact=True).first.click()
    phone.get_by_label("Votre e-mail", exact=True).fill("nadia@example.org")
    phone.get_by_role("button", name="Me prévenir").click()
    phone.get_by_role("heading", name="Consultez votre boîte mail").wait_for()
    db.session.expire_all()
    assert db.session.scalar(select(Watch.discipline)) == "dance"
