"""Shared by the job, watch and timeline tests: a job context and the e-mails by key."""

from __future__ import annotations

from sqlalchemy import select

from marketplace.domain.mail.message import mail_settings
from marketplace.domain.mail.models import OutboundEmail
from marketplace.extensions import db, redis_connector
from marketplace.scheduler.jobs import JOBS, JobContext

JOB = {job.name: job for job in JOBS}


def job_context(app, smtp_url: str | None = None) -> JobContext:
    return JobContext(engine=db.engine, smtp_url=smtp_url, redis_client=redis_connector.client,
                      base_url=app.config["BASE_URL"], secret_key=app.config["SECRET_KEY"],
                      mail=mail_settings(app.config))


def email_keys(prefix: str = "") -> list[str]:
    """The keys of every e-mail recorded, in order (those starting with `prefix`)."""
    db.session.expire_all()
    return [key for key in db.session.scalars(select(OutboundEmail.dedup_key)
                                              .order_by(OutboundEmail.id))
            if key.startswith(prefix)]


def email(key: str) -> OutboundEmail:
    db.session.expire_all()
    return db.session.scalar(select(OutboundEmail).where(OutboundEmail.dedup_key == key))
