"""The jobs, as plain functions of (context, now) that return how much they did.

Each is idempotent: run twice, or by two schedulers at once, it does the work once
(guarded UPDATEs, unique keys on every e-mail and webhook).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import redis
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from marketplace.domain.contacts.services import refresh_stages
from marketplace.domain.contacts.webhooks import deliver_webhooks
from marketplace.domain.digests.staff import queue_agency_digests, queue_venue_digests
from marketplace.domain.follows.digest import tell_followers
from marketplace.domain.inventory.client_caps import forget_ended_hold_clients
from marketplace.domain.inventory.services import close_ended_releases, sweep_expired_holds
from marketplace.domain.mail.links import MailLinks
from marketplace.domain.mail.mailer import deliver_emails
from marketplace.domain.mail.message import MailSettings
from marketplace.domain.orders.show_day_emails import queue_aftershow_emails, queue_practical_emails
from marketplace.domain.purchases.confirmation import cancel_abandoned_orders
from marketplace.domain.push.channel import PushChannel
from marketplace.domain.push.services import push_committed
from marketplace.domain.watches.alerts import evaluate_watches
from marketplace.outbound import OutboundPolicy


@dataclass(frozen=True)
class JobContext:
    engine: Engine
    smtp_url: str | None
    redis_client: redis.Redis | None
    # For the links in e-mails (no request to read them from).
    base_url: str = "http://127.0.0.1:5000"
    secret_key: str = ""
    # Rule 9: where venue webhooks may go (strict unless the deployment says otherwise).
    webhook_policy: OutboundPolicy = OutboundPolicy()
    mail: MailSettings = MailSettings()
    # Web Push (alerts, followed venues): off without a VAPID key.
    push: PushChannel = PushChannel()

    @property
    def links(self) -> MailLinks:
        return MailLinks(base_url=self.base_url.rstrip("/"), secret_key=self.secret_key)


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[JobContext, datetime], int]
    every: timedelta
    # Daily jobs run once per Paris day, from this hour on (claimed in job_runs).
    daily_from_hour: int | None = None


def sweep_holds(ctx: JobContext, now: datetime) -> int:
    # Lapsed holds' seats go to waiting lines first: their offers' e-mails leave at once.
    with Session(ctx.engine) as session:
        swept = sweep_expired_holds(session, now)
        push_committed(session, ctx.push, now)  # and to the browsers they asked it for
        return _then_send(ctx, now, swept)


def forget_hold_clients(ctx: JobContext, now: datetime) -> int:
    with Session(ctx.engine) as session:
        return forget_ended_hold_clients(session)


def close_releases(ctx: JobContext, now: datetime) -> int:
    with Session(ctx.engine) as session:
        return close_ended_releases(session, now)


def send_emails(ctx: JobContext, now: datetime) -> int:
    return deliver_emails(ctx.engine, ctx.smtp_url, now, settings=ctx.mail)


def send_webhooks(ctx: JobContext, now: datetime) -> int:
    return deliver_webhooks(ctx.engine, now, policy=ctx.webhook_policy)


def refresh_contact_stages(ctx: JobContext, now: datetime) -> int:
    with Session(ctx.engine) as session:
        changed = refresh_stages(session, now)
        session.commit()
        return changed


def cancel_unpaid_orders(ctx: JobContext, now: datetime) -> int:
    with Session(ctx.engine) as session:
        cancelled = cancel_abandoned_orders(session, now)
        push_committed(session, ctx.push, now)  # seats they held may have gone to a line
        return cancelled


def alert_watches(ctx: JobContext, now: datetime) -> int:
    with Session(ctx.engine) as session:
        return _then_send(ctx, now, evaluate_watches(session, ctx.links, now, ctx.push))


def tell_venue_followers(ctx: JobContext, now: datetime) -> int:
    with Session(ctx.engine) as session:
        return _then_send(ctx, now, tell_followers(session, ctx.links, ctx.push, now))


def send_practical_information(ctx: JobContext, now: datetime) -> int:
    with Session(ctx.engine) as session:
        return _then_send(ctx, now, queue_practical_emails(session, ctx.links, now))


def send_aftershow_emails(ctx: JobContext, now: datetime) -> int:
    with Session(ctx.engine) as session:
        return _then_send(ctx, now, queue_aftershow_emails(session, ctx.links, now))


def send_venue_digests(ctx: JobContext, now: datetime) -> int:
    with Session(ctx.engine) as session:
        return _then_send(ctx, now, queue_venue_digests(session, ctx.links, now))


def send_agency_digests(ctx: JobContext, now: datetime) -> int:
    with Session(ctx.engine) as session:
        return _then_send(ctx, now, queue_agency_digests(session, ctx.links, now))


def _then_send(ctx: JobContext, now: datetime, queued: int) -> int:
    # What a job queued leaves at once; whatever fails waits for send_emails' next pass.
    if queued:
        deliver_emails(ctx.engine, ctx.smtp_url, now, settings=ctx.mail)
    return queued


JOBS: tuple[Job, ...] = (
    Job("sweep_holds", sweep_holds, every=timedelta(minutes=1)),
    Job("forget_hold_clients", forget_hold_clients, every=timedelta(hours=1)),
    Job("cancel_unpaid_orders", cancel_unpaid_orders, every=timedelta(minutes=10)),
    Job("close_releases", close_releases, every=timedelta(minutes=1)),
    Job("alert_watches", alert_watches, every=timedelta(minutes=5)),
    Job("tell_venue_followers", tell_venue_followers, every=timedelta(minutes=10)),
    Job("send_practical_information", send_practical_information, every=timedelta(minutes=5)),
    Job("send_aftershow_emails", send_aftershow_emails, every=timedelta(minutes=15)),
    Job("send_venue_digests", send_venue_digests, every=timedelta(minutes=30),
        daily_from_hour=7),
    Job("send_agency_digests", send_agency_digests, every=timedelta(minutes=30),
        daily_from_hour=8),
    Job("send_emails", send_emails, every=timedelta(minutes=1)),
    Job("send_webhooks", send_webhooks, every=timedelta(minutes=1)),
    Job("refresh_contact_stages", refresh_contact_stages, every=timedelta(minutes=30),
        daily_from_hour=4),
)
