"""The jobs' e-mails: practical information before curtain, "how was it?" the next morning,
digests for venue managers and the agency; each once, only for paid, unerased orders."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.header import decode_header, make_header

from jinja2 import UndefinedError
from sqlalchemy import select, update

from marketplace.domain.catalog.models import Show
from marketplace.domain.contacts.models import Contact
from marketplace.domain.contacts.services import record_paid_order
from marketplace.domain.digests import staff as digests
from marketplace.domain.feedback.models import Feedback
from marketplace.domain.mail.links import mail_links
from marketplace.domain.orders import show_day_emails as mailings
from marketplace.domain.orders.payments import gateway_for
from marketplace.domain.purchases.refunds import refund_paid_order
from marketplace.domain.rights.services import erase
from marketplace.scheduler.runner import run_job
from tests.buying import bought
from tests.factories import MembershipFactory, ReleaseFactory, UserFactory
from tests.jobs_helpers import JOB, email, email_keys, job_context
from tests.smtp_server import smtp_server

CURTAIN_OFFSET = timedelta(hours=4)  # ReleaseFactory: curtain at now + 4 h (21:00 Paris)


def _release(db, now, **venue):
    release = ReleaseFactory(performance__show__venue__transport_notes="Métro 1, Vieux-Port",
                             performance__show__venue__getting_home_notes="Last metro 00:30",
                             performance__show__venue__step_free_access=True, **venue)
    db.session.commit()
    return release


def test_practical_email_leaves_three_hours_before_curtain_once(app, db, now):
    release = _release(db, now)
    order = bought(app, release, 2, now)
    ctx, job = job_context(app), JOB["send_practical_information"]
    assert run_job(job, ctx, now + timedelta(minutes=55)).count == 0  # curtain in 3 h 05
    assert run_job(job, ctx, now + timedelta(hours=1)).count == 1
    assert run_job(job, ctx, now + timedelta(hours=1, minutes=5)).count == 0
    practical = email(f"practical:{order.id}")
    assert practical.to_address == "lea.martin@example.org" and practical.status == "outbox"
    assert "Métro 1, Vieux-Port" in practical.body_text
    assert "Last metro 00:30" in practical.body_text and "Last metro 00:30" in practical.body_html
    assert "Accès de plain-pied" in practical.body_text or "plain-pied" in practical.body_text


def test_a_purchase_inside_the_three_hours_gets_the_practical_email_at_the_next_run(
        app, db, now):
    release = _release(db, now)
    late = now + timedelta(hours=2)
    order = bought(app, release, 1, late)
    assert run_job(JOB["send_practical_information"], job_context(app),
                   late + timedelta(minutes=2)).count == 1
    assert email_keys("practical:") == [f"practical:{order.id}"]


def test_refunded_and_erased_orders_get_no_email(app, db, now):
    release = _release(db, now)
    refunded = bought(app, release, 1, now, email="refund@example.org")
    bought(app, release, 1, now, email="erase@example.org")
    kept = bought(app, release, 1, now, email="kept@example.org")
    assert refund_paid_order(db.session, refunded.id, "refunded_by_venue", now,
                             gateway_for(app.config))
    erase(db.session, "erase@example.org", now)
    ctx = job_context(app)
    run_job(JOB["send_practical_information"], ctx, now + timedelta(hours=2))
    next_morning = now + timedelta(hours=18)  # Saturday 10:00 Paris
    run_job(JOB["send_aftershow_emails"], ctx, next_morning)
    assert email_keys("practical:") == [f"practical:{kept.id}"]
    assert email_keys("aftershow:") == [f"aftershow:{kept.id}"]


def test_aftershow_email_waits_for_nine_the_next_morning(app, db, now):
    release = _release(db, now)
    order = bought(app, release, 1, now)
    ctx, job = job_context(app), JOB["send_aftershow_emails"]
    assert run_job(job, ctx, now + CURTAIN_OFFSET + timedelta(hours=2)).count == 0  # 23:00
    assert run_job(job, ctx, datetime(2026, 11, 21, 7, 59, tzinfo=UTC)).count == 0  # 08:59
    assert run_job(job, ctx, datetime(2026, 11, 21, 8, 0, tzinfo=UTC)).count == 1  # 09:00
    assert run_job(job, ctx, datetime(2026, 11, 21, 9, 0, tzinfo=UTC)).count == 0
    aftershow = email(f"aftershow:{order.id}")
    links = mail_links(app.config)
    for rating in range(1, 6):
        assert links.feedback_url(order.id, rating) in aftershow.body_text
        assert links.feedback_url(order.id, rating) in aftershow.body_html


def test_one_tap_rating_and_comment_land_on_the_buyers_contact(app, db, client, now):
    release = _release(db, now)
    order = bought(app, release, 1, now)
    contact = db.session.scalar(select(Contact).where(Contact.venue_id == release.venue_id))
    if contact is None:  # the checkout does not file paid orders in the contact base yet
        contact = record_paid_order(db.session, order, now)
        db.session.commit()
    path = mail_links(app.config).feedback_url(order.id, 4).removeprefix(app.config["BASE_URL"])
    assert client.get(path).status_code == 200
    response = client.post(path.split("?")[0], data={"note": "5", "comment": "Superbe soirée"})
    assert response.status_code == 200
    feedback = db.session.scalar(select(Feedback))
    assert (feedback.rating, feedback.comment) == (5, "Superbe soirée")
    assert feedback.contact_id == contact.id
    assert feedback.venue_id == release.venue_id
    assert client.get("/avis/forged-token?note=5").status_code == 404
    assert client.post(path.split("?")[0], data={"note": "9"}).status_code == 422


def test_venue_managers_get_a_morning_digest_once(app, db, now):
    release = _release(db, now)
    bought(app, release, 2, now)
    manager = MembershipFactory(venue=release.performance.venue, role="manager").user
    MembershipFactory(venue=release.performance.venue, role="box_office")
    tonight = ReleaseFactory(performance__show__venue=release.performance.venue,
                             performance__show__title="Ce soir",
                             performance__starts_at=now + timedelta(days=1))
    db.session.commit()
    ctx, job = job_context(app), JOB["send_venue_digests"]
    morning = now + timedelta(hours=16)  # Saturday 09:00 Paris
    assert run_job(job, ctx, morning).count == 1
    assert run_job(job, ctx, morning + timedelta(hours=1)).reason == "done today"
    digest = email(f"digest:{release.venue_id}:2026-11-21:{manager.id}")
    assert digest.to_address == manager.email
    assert release.performance.show.title in digest.body_text  # sold yesterday
    assert tonight.performance.show.title in digest.body_text  # open tonight
    assert email_keys("digest:") == [digest.dedup_key]  # box office staff get none


def test_the_agency_hears_about_last_week_on_monday(app, db, now):
    release = _release(db, now)
    bought(app, release, 3, now)
    agent = UserFactory(agency_role="staff")
    UserFactory()  # nobody from the agency
    db.session.commit()
    ctx, job = job_context(app), JOB["send_agency_digests"]
    assert run_job(job, ctx, now + timedelta(days=1)).count == 0  # Saturday
    monday = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # 09:00 Paris
    assert run_job(job, ctx, monday).count == 1
    digest = email(f"agency-digest:{agent.id}:2026-W47")
    assert "3" in digest.subject and digest.to_address == agent.email
    assert "lea.martin" not in digest.body_text  # aggregates only


def test_digests_are_written_in_the_language_each_staff_member_chose(app, db, now):
    release = _release(db, now)
    bought(app, release, 2, now)
    venue = release.performance.venue
    english = MembershipFactory(venue=venue, role="manager", user__locale="en").user
    french = MembershipFactory(venue=venue, role="manager").user
    agent = UserFactory(agency_role="staff", locale="en")
    db.session.commit()
    ctx = job_context(app)
    assert run_job(JOB["send_venue_digests"], ctx, now + timedelta(hours=16)).count == 2
    for_english = email(f"digest:{venue.id}:2026-11-21:{english.id}")
    for_french = email(f"digest:{venue.id}:2026-11-21:{french.id}")
    assert for_english.subject == f"{venue.name}: yesterday's sales, tonight's offers"
    assert for_french.subject.endswith("les ventes d’hier, les offres de ce soir")
    assert for_english.body_text != for_french.body_text
    monday = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    assert run_job(JOB["send_agency_digests"], ctx, monday).count == 1
    assert email(f"agency-digest:{agent.id}:2026-W47").subject.startswith("Kiosque, week 47")


def test_a_title_with_a_line_break_from_old_data_does_not_stop_the_evening(app, db, now,
                                                                          monkeypatch):
    """Such a title (refused since) once made send_emails raise, and the tickets of every
    other venue stayed queued."""
    old, other = _release(db, now), _release(db, now)
    bought(app, old, 1, now, email="old@example.org")
    bought(app, other, 1, now, email="other@example.org")
    db.session.execute(update(Show).where(Show.id == old.performance.show_id)
                       .values(title="Le Cid\r\nBcc: everyone@example.org"))
    db.session.commit()
    with smtp_server() as (url, received):
        monkeypatch.setitem(app.config, "SMTP_URL", url)  # what leaves after the job's commit
        assert run_job(JOB["send_practical_information"], job_context(app, url),
                       now + timedelta(hours=1)).count == 2
    assert sorted(m["To"] for m in received) == ["old@example.org", "other@example.org"]
    assert all(m["Bcc"] is None for m in received)
    [subject] = [m["Subject"] for m in received if m["To"] == "old@example.org"]
    assert "Le Cid Bcc: everyone@example.org" in str(make_header(decode_header(subject)))


def test_an_email_a_template_chokes_on_is_recorded_failed_and_the_others_leave(
        app, db, now, monkeypatch, caplog):
    first, second = _release(db, now), _release(db, now)
    broken = bought(app, first, 1, now)
    fine = bought(app, second, 1, now)
    render = mailings.render_email

    def chokes_on_one_order(name, locale, **context):
        if context["order"].id == broken.id:
            raise UndefinedError("'None' has no attribute 'name'")
        return render(name, locale, **context)

    monkeypatch.setattr(mailings, "render_email", chokes_on_one_order)
    ctx, job = job_context(app), JOB["send_practical_information"]
    assert run_job(job, ctx, now + timedelta(hours=1)).count == 1
    assert email(f"practical:{fine.id}").status == "outbox"
    failed = email(f"practical:{broken.id}")
    assert (failed.status, failed.last_error) == ("failed", "not written: UndefinedError")
    assert "lea.martin" not in caplog.text
    # Recorded under its key: the next runs do not try it again and again.
    assert run_job(job, ctx, now + timedelta(hours=1, minutes=5)).count == 0
    assert sorted(email_keys("practical:")) == sorted([f"practical:{fine.id}",
                                                       f"practical:{broken.id}"])


def test_a_digest_that_cannot_be_written_fails_alone(app, db, now, monkeypatch):
    release = _release(db, now)
    bought(app, release, 1, now)
    venue = release.performance.venue
    broken = MembershipFactory(venue=venue, role="manager").user
    fine = MembershipFactory(venue=venue, role="manager").user
    db.session.commit()
    render = digests.render_email

    def chokes_on_one_person(name, locale, **context):
        if context["user"].id == broken.id:
            raise KeyError("sold")
        return render(name, locale, **context)

    monkeypatch.setattr(digests, "render_email", chokes_on_one_person)
    assert run_job(JOB["send_venue_digests"], job_context(app),
                   now + timedelta(hours=16)).count == 1
    assert email(f"digest:{venue.id}:2026-11-21:{fine.id}").status == "outbox"
    failed = email(f"digest:{venue.id}:2026-11-21:{broken.id}")
    assert (failed.status, failed.last_error) == ("failed", "not written: KeyError")
