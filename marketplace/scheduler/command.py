"""`flask --app wsgi scheduler [--once]`: the one process that runs the scheduled jobs."""

from __future__ import annotations

import logging

import click
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import current_app
from flask.cli import with_appcontext

from marketplace.domain.mail.message import mail_settings
from marketplace.domain.push.channel import push_channel
from marketplace.domain.timeutil import utcnow
from marketplace.extensions import db, redis_connector
from marketplace.outbound import policy_from_config
from marketplace.scheduler.jobs import JOBS, JobContext
from marketplace.scheduler.runner import run_all_once, run_job

log = logging.getLogger(__name__)


def job_context() -> JobContext:
    return JobContext(engine=db.engine, smtp_url=current_app.config.get("SMTP_URL"),
                      redis_client=redis_connector.client,
                      base_url=current_app.config.get("BASE_URL") or "http://127.0.0.1:5000",
                      secret_key=current_app.config["SECRET_KEY"],
                      webhook_policy=policy_from_config(current_app.config),
                      mail=mail_settings(current_app.config),
                      push=push_channel(current_app.config))


@click.command("scheduler")
@click.option("--once", is_flag=True, help="Run every job that is due once, then exit.")
@with_appcontext
def scheduler_command(once: bool) -> None:
    """Run the scheduled jobs in the foreground (one such process per deployment)."""
    ctx = job_context()
    if once:
        for outcome in run_all_once(ctx, utcnow()):
            state = f"ran ({outcome.count})" if outcome.ran else f"skipped: {outcome.reason}"
            click.echo(f"{outcome.job}: {state}")
        return
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    scheduler = BlockingScheduler(timezone="UTC")
    for job in JOBS:
        scheduler.add_job(_run, "interval", seconds=job.every.total_seconds(), args=[job, ctx],
                          id=job.name, max_instances=1, coalesce=True, next_run_time=utcnow())
    click.echo(f"Kiosque scheduler: {len(JOBS)} jobs; Ctrl+C to stop.")
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        scheduler.shutdown(wait=False)


def _run(job, ctx: JobContext) -> None:
    outcome = run_job(job, ctx, utcnow())
    if outcome.ran and outcome.count:
        log.info("%s: %s", job.name, outcome.count)
