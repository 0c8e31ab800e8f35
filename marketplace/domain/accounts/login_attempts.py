"""Wrong passwords: a backoff per (address, client), and the owner told, never locked out.

The first FREE_FAILURES wrong passwords typed for one e-mail address from one client
address cost nothing; after each further one, that client waits before it may try that
address again: 30 s, then twice as long each time, up to an hour. The count is forgotten
a day after the last failure, or when the right password comes from that client. Any
other client (the owner at the office while someone guesses from elsewhere) is not slowed.
A client that collects CLIENT_FREE_FAILURES wrong passwords whatever the addresses (one
password tried on many accounts) waits the same way for all of them, until a quiet day.
When an address collects ALERT_AFTER failures within a day, from anywhere, its owner
gets one e-mail (at most one a day) saying that someone tried.

The counts live in the database, not in Redis nor in a worker's memory: they must hold
across gunicorn workers and restarts even when no Redis is configured (DESIGN.md rule 8),
a count is one atomic upsert (no increment lost between workers), and whether the owner
is warned is decided in the transaction that queues the e-mail. Only failures write; an
attempt refused because the client must still wait writes nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, delete, func, literal, or_, select, update
from sqlalchemy.orm import Session

from marketplace.domain.accounts.authentication import authenticate, find_user, normalise_email
from marketplace.domain.accounts.mail import ComposeEmail
from marketplace.domain.accounts.models import LoginFailure, User
from marketplace.domain.db import UTCDateTime, transaction
from marketplace.domain.errors import RateLimited
from marketplace.domain.mail.mailer import queue_email

FREE_FAILURES = 5
CLIENT_FREE_FAILURES = 30
FIRST_DELAY = timedelta(seconds=30)
MAX_DELAY = timedelta(hours=1)
FORGET_AFTER = timedelta(days=1)
ALERT_AFTER = 10
ALERT_EVERY = timedelta(days=1)


class LoginThrottled(RateLimited):
    """This client typed too many wrong passwords for this address: it waits `retry_after` s."""

    code = "login_throttled"
    message = "Too many wrong passwords from here: wait before trying again."


@dataclass(frozen=True)
class LoginKeys:
    """Keyed digests of the address typed and of the client's address (nothing in clear);
    `any_account` stands for every address, to count the client's failures as a whole."""

    account: str
    client: str
    any_account: str


def login_keys(secret: str, email: object, client: str) -> LoginKeys:
    def digest(kind: str, value: str) -> str:
        return hmac.new(secret.encode(), f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()

    return LoginKeys(digest("account", normalise_email(email)), digest("client", client),
                     digest("any-account", ""))


def backoff(failures: int, free: int = FREE_FAILURES) -> timedelta:
    """How long a client waits after its `failures`-th wrong password in a row."""
    if failures <= free:
        return timedelta(0)
    doublings = min(failures - free - 1, 20)  # past the cap already; no overflow
    return min(FIRST_DELAY * 2 ** doublings, MAX_DELAY)


def _failures_row(session: Session, account_key: str, client_key: str) -> LoginFailure | None:
    return session.scalar(select(LoginFailure).where(LoginFailure.account_key == account_key,
                                                     LoginFailure.client_key == client_key))


def wait_before_trying(row: LoginFailure | None, now: datetime,
                       free: int = FREE_FAILURES) -> timedelta:
    """How long the client of `row` must still wait before trying again."""
    if row is None or row.last_failure_at <= now - FORGET_AFTER:
        return timedelta(0)
    return max(row.last_failure_at + backoff(row.failures, free) - now, timedelta(0))


def record_failure(session: Session, keys: LoginKeys, now: datetime) -> int:
    """Count one more wrong password for (address, client) and for the client, in the
    caller's transaction; return the first count."""
    failures = _count_failure(session, keys.account, keys.client, now)
    _count_failure(session, keys.any_account, keys.client, now)
    session.execute(delete(LoginFailure).where(  # what nobody needs any more
        LoginFailure.last_failure_at <= now - FORGET_AFTER))
    return failures


def _count_failure(session: Session, account_key: str, client_key: str, now: datetime) -> int:
    # One statement, so that concurrent workers never lose a failure.
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    at = literal(now, UTCDateTime())
    forgotten = LoginFailure.last_failure_at <= literal(now - FORGET_AFTER, UTCDateTime())
    statement = insert(LoginFailure).values(
        account_key=account_key, client_key=client_key, failures=1,
        first_failure_at=now, last_failure_at=now,
    ).on_conflict_do_update(
        index_elements=["account_key", "client_key"],
        set_={"failures": case((forgotten, 1), else_=LoginFailure.failures + 1),
              "first_failure_at": case((forgotten, at), else_=LoginFailure.first_failure_at),
              "last_failure_at": at},
    ).returning(LoginFailure.failures)
    return session.execute(statement).scalar_one()


def account_failures(session: Session, account_key: str, now: datetime) -> int:
    """Wrong passwords for one address within the last day, from every client."""
    return session.scalar(
        select(func.coalesce(func.sum(LoginFailure.failures), 0))
        .where(LoginFailure.account_key == account_key,
               LoginFailure.last_failure_at > now - FORGET_AFTER)) or 0


def attempt_login(session: Session, email: object, password: object, *, client: str,
                  now: datetime, secret: str, compose: ComposeEmail, throttle: bool = True,
                  locale: str | None = None) -> User | None:
    """The person with these credentials, or None; LoginThrottled while this client waits.

    With `throttle` off (RATELIMIT_ENABLED=0), no count is kept and nobody waits.
    """
    if not throttle:
        return authenticate(session, email, password, now, locale=locale)
    keys = login_keys(secret, email, client)
    row = _failures_row(session, keys.account, keys.client)
    wait = max(wait_before_trying(row, now),
               wait_before_trying(_failures_row(session, keys.any_account, keys.client), now,
                                  CLIENT_FREE_FAILURES))
    if wait > timedelta(0):
        raise LoginThrottled(retry_after=math.ceil(wait.total_seconds()))
    user = authenticate(session, email, password, now, locale=locale)
    if user is not None:
        if row is not None:
            with transaction(session):
                session.execute(delete(LoginFailure).where(LoginFailure.id == row.id))
        return user
    with transaction(session):
        record_failure(session, keys, now)
        _warn_owner(session, email, keys.account, now, compose)
    return None


def _warn_owner(session: Session, email: object, account_key: str, now: datetime,
                compose: ComposeEmail) -> None:
    failures = account_failures(session, account_key, now)
    if failures < ALERT_AFTER:
        return
    user = find_user(session, email)
    if user is None or not user.active or not user.password_hash:
        return
    # One conditional UPDATE decides, so that two workers never send the warning twice.
    claimed = session.execute(
        update(User).where(User.id == user.id,
                           or_(User.failed_login_alert_at.is_(None),
                               User.failed_login_alert_at <= now - ALERT_EVERY))
        .values(failed_login_alert_at=now).execution_options(synchronize_session=False))
    if not claimed.rowcount:
        return
    message = compose("login_alert", user=user, failures=failures, at=now)
    queue_email(session, dedup_key=f"login-alert:{user.id}:{now.timestamp():.0f}",
                to=user.email, subject=message.subject, body_text=message.text,
                body_html=message.html, now=now)
