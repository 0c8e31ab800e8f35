"""Running jobs: under their lock, daily ones once per day, each failure contained."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.domain.db import insert_once
from marketplace.domain.mail.models import JobRun
from marketplace.domain.timeutil import to_paris
from marketplace.scheduler.jobs import JOBS, Job, JobContext
from marketplace.scheduler.locks import job_lock

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    job: str
    ran: bool
    count: int = 0
    reason: str = ""


def run_job(job: Job, ctx: JobContext, now: datetime) -> Outcome:
    """Run one job if it is due and no other scheduler is running it."""
    period = _daily_key(job, now)
    if job.daily_from_hour is not None and period is None:
        return Outcome(job.name, False, reason="not yet today")
    with job_lock(job.name, ctx.engine, ctx.redis_client) as held:
        if not held:
            return Outcome(job.name, False, reason="another scheduler holds it")
        if period and _already_done(ctx, period):
            return Outcome(job.name, False, reason="done today")
        try:
            count = job.run(ctx, now)
        except Exception:  # one failing job must not stop the others
            log.exception("job %s failed", job.name)
            return Outcome(job.name, False, reason="failed")
        if period:
            _mark_done(ctx, period, now)
    return Outcome(job.name, True, count)


def run_all_once(ctx: JobContext, now: datetime) -> list[Outcome]:
    """Every job that is due, once (`flask scheduler --once`, cron, tests)."""
    return [run_job(job, ctx, now) for job in JOBS]


def _daily_key(job: Job, now: datetime) -> str | None:
    if job.daily_from_hour is None:
        return None
    local = to_paris(now)
    return f"{job.name}:{local.date().isoformat()}" if local.hour >= job.daily_from_hour else None


def _already_done(ctx: JobContext, key: str) -> bool:
    with Session(ctx.engine) as session:
        return session.scalar(select(JobRun.id).where(JobRun.key == key)) is not None


def _mark_done(ctx: JobContext, key: str, now: datetime) -> None:
    with Session(ctx.engine) as session:
        insert_once(session, JobRun, {"key": key, "started_at": now, "finished_at": now},
                    key="key")
        session.commit()
