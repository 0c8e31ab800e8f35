"""E-mail that reaches inboxes: Date, From = MAIL_FROM, a Message-ID on its domain, Reply-To
the selling venue on a buyer's e-mails, List-Unsubscribe on mailings only, DKIM when a key
is configured, and HTML that is never an image with a few words around it."""

from __future__ import annotations

import re
import shutil
import subprocess
from base64 import b64encode
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.header import decode_header, make_header
from email.utils import parseaddr, parsedate_to_datetime

import dkim
import pytest
import time_machine
from aiosmtpd.controller import Controller
from sqlalchemy import select

from marketplace import create_app
from marketplace.domain.accounts.models import User
from marketplace.domain.mail.mailer import deliver_emails
from marketplace.domain.mail.message import MailSettings, build_message, mail_settings
from marketplace.domain.mail.models import OutboundEmail
from marketplace.domain.mail.rendering import render_email
from marketplace.domain.orders.access import order_links
from marketplace.domain.orders.emails import PERFORMANCE_CANCELLED, queue_refund_notice
from marketplace.domain.orders.short_codes import format_short_code
from marketplace.domain.watches.services import create_watch
from marketplace.scheduler.runner import run_job
from tests.buying import bought
from tests.factories import MembershipFactory, ReleaseFactory, UserFactory
from tests.jobs_helpers import JOB, email, email_keys, job_context
from tests.smtp_server import free_port, smtp_server

MAIL_FROM = "Kiosque Sud <billetterie@kiosque-sud.example.org>"
VENUE_EMAIL = "billetterie@theatre-du-port.example.org"


@pytest.fixture
def inbox(app, monkeypatch):
    """A local SMTP server and MAIL_FROM set: every e-mail sent lands in the list."""
    with smtp_server() as (url, received):
        monkeypatch.setitem(app.config, "SMTP_URL", url)
        monkeypatch.setitem(app.config, "MAIL_FROM", MAIL_FROM)
        yield received


@contextmanager
def raw_smtp_server() -> Iterator[tuple[str, list[bytes]]]:
    """A local SMTP server keeping each message exactly as it arrived."""
    received: list[bytes] = []

    class Keep:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's)
            received.append(envelope.original_content)
            return "250 OK"

    port = free_port()
    controller = Controller(Keep(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield f"smtp://127.0.0.1:{port}", received
    finally:
        controller.stop()


def subject(message) -> str:
    return str(make_header(decode_header(message["Subject"])))


def _by_subject(received, fragment: str):
    [message] = [m for m in received if fragment in subject(m)]
    return message


def _every_kind(app, db, client, now):
    """A venue with a public address, a paid order, and every job's e-mail about it."""
    release = ReleaseFactory(performance__show__venue__email=VENUE_EMAIL,
                             performance__show__title="Le Cid")
    venue = release.performance.venue
    MembershipFactory(venue=venue, role="manager")
    UserFactory(agency_role="staff")
    db.session.commit()
    order = bought(app, release, 2, now)
    ctx = job_context(app, app.config["SMTP_URL"])
    run_job(JOB["send_practical_information"], ctx, now + timedelta(hours=1))
    run_job(JOB["send_aftershow_emails"], ctx, now + timedelta(hours=17))  # Sat 10:00
    run_job(JOB["send_venue_digests"], ctx, now + timedelta(hours=16))
    run_job(JOB["send_agency_digests"], ctx, datetime(2026, 11, 23, 8, 0, tzinfo=UTC))
    create_watch(db.session, {"email": "nadia@example.org"}, "fr",
                 job_context(app).links, now)
    with time_machine.travel(now, tick=False):
        assert client.post("/mes-donnees", data={"email": "lea.martin@example.org"}
                           ).status_code == 200
    queue_refund_notice(db.session, order, PERFORMANCE_CANCELLED, now)
    db.session.commit()
    return order


def test_every_message_has_a_date_the_sender_and_a_message_id_on_its_domain(
        app, db, client, now, inbox):
    _every_kind(app, db, client, now)
    assert len(inbox) == 8
    for message in inbox:
        assert parsedate_to_datetime(message["Date"]).tzinfo is not None
        assert message["From"] == MAIL_FROM
        assert re.fullmatch(r"<[0-9a-f]{32}@kiosque-sud\.example\.org>", message["Message-ID"])
        assert message.is_multipart() or message.get_content_type() == "text/plain"
    assert len({message["Message-ID"] for message in inbox}) == len(inbox)


def test_a_buyers_email_about_an_order_answers_to_the_selling_venue(app, db, client, now, inbox):
    _every_kind(app, db, client, now)
    about_the_order = [m for m in inbox if m["To"] == "lea.martin@example.org"
                       and "données" not in subject(m)]
    assert len(about_the_order) == 4  # tickets, practical, after the show, refund
    assert {m["Reply-To"] for m in about_the_order} == {VENUE_EMAIL}
    others = [m for m in inbox if m not in about_the_order]
    assert [m["Reply-To"] for m in others] == [None] * len(others)
    # The text says so, in words.
    tickets = _by_subject(inbox, "Vos billets")
    assert "Répondez à cet e-mail" in tickets.get_payload()[0].get_payload(decode=True).decode()


def test_a_venue_without_a_public_address_sets_no_reply_to(app, db, now, inbox):
    release = ReleaseFactory()
    db.session.commit()
    bought(app, release, 1, now)
    [message] = inbox
    assert message["Reply-To"] is None


def test_only_mailings_one_can_stop_carry_list_unsubscribe(app, db, client, now, inbox):
    _every_kind(app, db, client, now)
    mailings = [m for m in inbox if m["List-Unsubscribe"]]
    # The venue's morning digest and the agency's weekly one; no buyer's e-mail.
    assert sorted(re.sub(r"^.*: ", "", subject(m).split(",")[0]) for m in mailings) \
        == ["Kiosque", "les ventes d’hier"]
    for message in mailings:
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert re.fullmatch(r"<http://kiosque\.test/resumes/\S+/arreter>",
                            re.sub(r"\s+", "", message["List-Unsubscribe"]))


def test_a_digest_stops_in_one_click_and_starts_again(app, db, client, now, monkeypatch):
    # On sale from now until a curtain in five days: something sells every day.
    release = ReleaseFactory(performance__starts_at=now + timedelta(days=5),
                             sales_open_at=now - timedelta(hours=1))
    manager = MembershipFactory(venue=release.performance.venue, role="manager").user
    db.session.commit()
    bought(app, release, 1, now)
    ctx, job = job_context(app), JOB["send_venue_digests"]
    assert run_job(job, ctx, now + timedelta(hours=16)).count == 1
    [key] = email_keys("digest:")
    address = re.sub(r"^http://kiosque\.test", "", email(key).unsubscribe_url)
    assert address in email(key).body_text and address in email(key).body_html
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)  # a mail client sends none
    with time_machine.travel(now, tick=False):
        assert client.get(address).status_code == 200  # a page with a button, no change
        assert db.session.get(User, manager.id).digests_stopped_at is None
        assert client.post(address, data="List-Unsubscribe=One-Click",
                           content_type="application/x-www-form-urlencoded").status_code == 200
    db.session.expire_all()
    assert db.session.get(User, manager.id).digests_stopped_at == now
    bought(app, release, 1, now + timedelta(days=1))
    assert run_job(job, ctx, now + timedelta(days=1, hours=16)).count == 0
    assert client.post(address.replace("/arreter", "/reprendre")).status_code == 200
    bought(app, release, 1, now + timedelta(days=2))
    assert run_job(job, ctx, now + timedelta(days=2, hours=16)).count == 1
    assert client.post("/resumes/not-a-token/arreter").status_code == 404


def _rsa_key(tmp_path) -> tuple[str, bytes]:
    """A throwaway 2048-bit key: (path of the PEM private key, DER public key)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a DKIM key")
    key = tmp_path / "dkim.pem"
    subprocess.run(["openssl", "genrsa", "-out", str(key), "2048"], check=True,
                   capture_output=True)
    public = subprocess.run(["openssl", "rsa", "-in", str(key), "-pubout", "-outform", "DER"],
                            check=True, capture_output=True).stdout
    return str(key), public


def test_a_dkim_signature_verifies_with_the_published_key(app, db, now, tmp_path, monkeypatch):
    path, public = _rsa_key(tmp_path)
    monkeypatch.setitem(app.config, "MAIL_FROM", MAIL_FROM)
    monkeypatch.setitem(app.config, "DKIM_PRIVATE_KEY", path)
    monkeypatch.setitem(app.config, "DKIM_SELECTOR", "kiosque2026")
    release = ReleaseFactory(performance__show__venue__email=VENUE_EMAIL)
    db.session.commit()
    with raw_smtp_server() as (url, received):
        monkeypatch.setitem(app.config, "SMTP_URL", url)
        bought(app, release, 1, now)
        assert len(received) == 1
    # What the server received, byte for byte, as a receiving server would check it.
    raw = received[0]
    looked_up = []

    def dns(name: bytes, timeout: int = 5) -> bytes:
        looked_up.append(name)
        return b"v=DKIM1; k=rsa; p=" + b64encode(public)

    assert dkim.verify(raw, dnsfunc=dns)
    assert looked_up == [b"kiosque2026._domainkey.kiosque-sud.example.org."]
    signature = message_from_bytes(raw)["DKIM-Signature"]
    assert "d=kiosque-sud.example.org" in signature and "c=relaxed/relaxed" in signature
    signed = set(re.sub(r"\s", "", re.search(r"h=([^;]+)", signature)[1]).split(":"))
    assert {"from", "to", "subject", "date", "message-id", "reply-to"} <= signed
    tampered = raw.replace(b"Subject: ", b"Subject: Urgent ", 1)
    assert not dkim.verify(tampered, dnsfunc=dns)


def test_a_mailing_signs_its_unsubscribe_headers(app, db, tmp_path, now):
    path, _ = _rsa_key(tmp_path)
    settings = mail_settings({"MAIL_FROM": MAIL_FROM, "DKIM_PRIVATE_KEY": path,
                              "DKIM_SELECTOR": "s1"})
    mailing = OutboundEmail(dedup_key="digest:1", to_address="a@example.org", subject="Hi",
                            body_text="Hi", unsubscribe_url="https://k.example.org/stop",
                            created_at=now)
    signed = message_from_bytes(build_message(mailing, settings, now).data)["DKIM-Signature"]
    assert "list-unsubscribe:list-unsubscribe-post" in re.sub(r"\s", "", signed)


@pytest.mark.parametrize("config", [
    {"MAIL_FROM": "billetterie"},
    {"MAIL_FROM": "Kiosque <billetterie@kiosque.example.org>\r\nBcc: x@example.org"},
    {"DKIM_PRIVATE_KEY": "/nowhere/dkim.pem", "DKIM_SELECTOR": "s1"},
    {"DKIM_PRIVATE_KEY": "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----",
     "DKIM_SELECTOR": "s1"},
])
def test_a_sender_or_key_that_cannot_work_stops_the_app_from_starting(config):
    with pytest.raises(ValueError):
        create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://",
                    **config})


def test_a_key_without_its_selector_is_refused(tmp_path):
    path, _ = _rsa_key(tmp_path)
    with pytest.raises(ValueError, match="DKIM_SELECTOR"):
        mail_settings({"DKIM_PRIVATE_KEY": path})
    assert mail_settings({}) == MailSettings()


@pytest.mark.parametrize("locale", ["fr", "en"])
def test_the_html_of_a_one_ticket_confirmation_is_never_an_image_with_a_few_words(
        app, db, now, locale):
    """SpamAssassin's HTML_IMAGE_ONLY_* (up to 2.8 points) fire on HTML with an image and
    at most 3200 bytes: a one-ticket confirmation from a venue that filled in nothing
    (no address, no notes, no phone) must still say enough, in both parts alike."""
    release = ReleaseFactory(performance__show__title="Ok", performance__show__venue__name="X",
                             performance__show__venue__address="", category="A")
    db.session.commit()
    order = bought(app, release, 1, now)
    context = {"order": order, "performance": release.performance,
               "show": release.performance.show, "venue": release.performance.venue,
               "release": release}
    links = order_links(app.config)
    text, html = render_email("order_confirmed", locale, **context, tickets=order.tickets,
                              order_url=links.order_url(order.id),
                              calendar_url=links.calendar_url(order.id),
                              privacy_url="http://kiosque.test/mes-donnees",
                              qr_urls={t.code: links.qr_url(t.code, "png")
                                       for t in order.tickets},
                              short_codes={t.code: format_short_code(t.short_code)
                                           for t in order.tickets})
    assert "<img" in html and len(html.encode()) > 3200 + 250  # with room to spare
    words = re.sub(r"<[^>]+>", " ", html)
    for line in (order.id, format_short_code(order.tickets[0].short_code)):
        assert line in words and line in text
    assert "kiosque.test/mes-donnees" in html and "kiosque.test/mes-donnees" in text


def test_the_sent_confirmation_is_what_the_outbox_holds(app, db, now, inbox):
    release = ReleaseFactory()
    db.session.commit()
    order = bought(app, release, 1, now)
    [message] = inbox
    row = db.session.scalar(select(OutboundEmail).where(
        OutboundEmail.dedup_key == f"order:{order.id}:confirmation"))
    text, html = (part.get_payload(decode=True).decode().replace("\r\n", "\n").rstrip("\n")
                  for part in message.get_payload())
    assert (text, html) == (row.body_text.rstrip("\n"), row.body_html.rstrip("\n"))
    assert parseaddr(message["From"])[1] == "billetterie@kiosque-sud.example.org"


def test_deliver_emails_defaults_to_the_documented_sender(app, db, now):
    release = ReleaseFactory()
    db.session.commit()
    order = bought(app, release, 1, now)
    row = email(f"order:{order.id}:confirmation")
    with smtp_server() as (url, received):
        row.status = "queued"
        db.session.commit()
        assert deliver_emails(db.engine, url, now) == 1
    assert received[0]["From"] == "Kiosque <billetterie@kiosque.example.org>"
