"""The scheduled jobs: each does its work once, whoever runs it and however often."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path
from select import select as wait_readable

from sqlalchemy import select

from marketplace.domain.inventory.models import Hold, Release
from marketplace.domain.mail.mailer import queue_email
from marketplace.domain.mail.models import OutboundEmail
from marketplace.scheduler.jobs import JOBS, JobContext
from marketplace.scheduler.locks import job_lock
from marketplace.scheduler.runner import run_all_once, run_job
from tests.factories import HoldFactory, ReleaseFactory
from tests.smtp_server import smtp_server
from tests.waiting import join_all

ROOT = Path(__file__).resolve().parent.parent
JOB = {job.name: job for job in JOBS}


def context(app, smtp_url=None) -> JobContext:
    from marketplace.extensions import db, redis_connector

    return JobContext(engine=db.engine, smtp_url=smtp_url, redis_client=redis_connector.client)


def test_once_sweeps_lapsed_holds_and_closes_ended_sales(app, db, now):
    release = ReleaseFactory(held=3)
    HoldFactory(release=release, quantity=3, expires_at=now - timedelta(minutes=1))
    ended = ReleaseFactory(performance__starts_at=now - timedelta(minutes=5))
    db.session.commit()
    outcomes = {o.job: o for o in run_all_once(context(app), now)}
    assert outcomes["sweep_holds"].count == 1
    assert outcomes["close_releases"].count == 1
    db.session.expire_all()
    assert db.session.get(Release, release.id).held == 0
    assert db.session.scalar(select(Hold.status)) == "expired"
    assert db.session.get(Release, ended.id).status == "closed"
    again = {o.job: o for o in run_all_once(context(app), now)}
    assert again["sweep_holds"].count == 0 and again["close_releases"].count == 0


def test_daily_jobs_run_once_a_day_from_their_hour(app, db, now):
    ctx, job = context(app), JOB["refresh_contact_stages"]
    night = now.replace(hour=1)  # 02:00 in Paris: too early
    assert run_job(job, ctx, night).reason == "not yet today"
    assert run_job(job, ctx, now).ran
    assert run_job(job, ctx, now + timedelta(hours=2)).reason == "done today"
    assert run_job(job, ctx, now + timedelta(days=1)).ran


def test_a_second_scheduler_skips_a_job_the_first_one_is_running(app, db, now):
    ctx = context(app)
    holding, done = threading.Event(), threading.Event()

    def first_scheduler():
        with job_lock("sweep_holds", ctx.engine, ctx.redis_client) as held:
            assert held
            holding.set()
            done.wait(5)

    thread = threading.Thread(target=first_scheduler)
    thread.start()
    holding.wait(5)
    try:
        outcome = run_job(JOB["sweep_holds"], ctx, now)
    finally:
        done.set()
        join_all([thread], 10)
    assert not outcome.ran and outcome.reason == "another scheduler holds it"
    assert run_job(JOB["sweep_holds"], ctx, now).ran  # free again once the first is done


def test_two_schedulers_at_once_send_each_email_once(app, db, now):
    for n in range(12):
        queue_email(db.session, dedup_key=f"digest:{n}", to=f"p{n}@example.org",
                    subject="Digest", body_text="…", now=now)
    db.session.info.clear()  # leave them to the schedulers
    db.session.commit()
    with smtp_server() as (url, received):
        ctx = context(app, smtp_url=url)
        barrier = threading.Barrier(2)

        def scheduler_loop():
            barrier.wait(30)
            for _ in range(3):
                run_all_once(ctx, now)

        threads = [threading.Thread(target=scheduler_loop) for _ in range(2)]
        for thread in threads:
            thread.start()
        join_all(threads, 60)
    assert sorted(m["To"] for m in received) == sorted(f"p{n}@example.org" for n in range(12))
    assert {e.status for e in db.session.scalars(select(OutboundEmail))} == {"sent"}


def test_the_scheduler_command_runs_in_the_foreground_until_stopped(tmp_path):
    env = os.environ | {"DATABASE_URL": f"sqlite:///{tmp_path / 'sched.sqlite'}",
                        "SECRET_KEY": "test", "PYTHONUNBUFFERED": "1"}
    env.pop("REDIS_URL", None)
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    process = subprocess.Popen([*flask, "scheduler"], cwd=ROOT, env=env, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        # Wait for its banner however slowly the app imports on a busy machine, then
        # check that it stays up rather than running once and exiting.
        banner = _line_starting(process, "Kiosque scheduler: ", seconds=60)
        time.sleep(1)
        assert process.poll() is None
    finally:
        process.terminate()
        output = process.communicate(timeout=10)[0]
    assert banner, output


def _line_starting(process: subprocess.Popen, prefix: str, seconds: float) -> str | None:
    """The first line of the process's output starting with prefix, None if it never comes."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        ready, _, _ = wait_readable([process.stdout], [], [], deadline - time.monotonic())
        if not ready:
            return None
        line = process.stdout.readline()
        if not line:  # the process ended
            return None
        if line.startswith(prefix):
            return line
    return None


def test_without_postgresql_the_lock_lives_in_redis(tmp_path):
    import fakeredis
    import redis as redis_lib
    from sqlalchemy import create_engine

    engine = create_engine(f"sqlite:///{tmp_path / 'lock.sqlite'}")
    client = fakeredis.FakeRedis(server=fakeredis.FakeServer())
    with job_lock("digest", engine, client) as first:
        with job_lock("digest", engine, client) as second:
            assert first and not second
        assert client.get("kiosque:job-lock:digest") is not None
    assert client.get("kiosque:job-lock:digest") is None  # released by its holder
    down = redis_lib.Redis(port=1, socket_connect_timeout=0.1)
    with job_lock("digest", engine, down) as held:
        assert held  # Redis away: the idempotent jobs still run
