"""A safety net against a second scheduler started by mistake: one lock per job.

PostgreSQL: a session-level advisory lock held on a dedicated connection while the job
runs. Otherwise Redis `SET NX EX` when it is configured. On a laptop (SQLite, no Redis)
there is only one machine and the jobs are idempotent anyway (guarded UPDATEs and
unique keys), so a process-local lock is enough.
"""

from __future__ import annotations

import secrets
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager, suppress

import redis
from sqlalchemy import Engine, text

_LOCAL_LOCKS: dict[str, threading.Lock] = {}
_RELEASE_IF_OURS = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


@contextmanager
def job_lock(name: str, engine: Engine, redis_client: redis.Redis | None,
             ttl_seconds: int = 900) -> Iterator[bool]:
    """Yield True if this process holds the job's lock (and keeps it for the block)."""
    if engine.dialect.name == "postgresql":
        with _advisory_lock(name, engine) as held:
            yield held
    elif redis_client is not None:
        with _redis_lock(name, redis_client, ttl_seconds) as held:
            yield held
    else:
        lock = _LOCAL_LOCKS.setdefault(name, threading.Lock())
        held = lock.acquire(blocking=False)
        try:
            yield held
        finally:
            if held:
                lock.release()


@contextmanager
def _advisory_lock(name: str, engine: Engine) -> Iterator[bool]:
    key = zlib.crc32(f"kiosque-job:{name}".encode())
    with engine.connect() as conn:
        held = conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}).scalar()
        conn.commit()
        try:
            yield bool(held)
        finally:
            if held:
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
                conn.commit()


@contextmanager
def _redis_lock(name: str, client: redis.Redis, ttl_seconds: int) -> Iterator[bool]:
    key, token = f"kiosque:job-lock:{name}", secrets.token_hex(8)
    try:
        held = bool(client.set(key, token, nx=True, ex=ttl_seconds))
    except redis.RedisError:
        held = True  # Redis is an accelerator: without it, rely on idempotent jobs
        token = None
    try:
        yield held
    finally:
        if held and token:
            with suppress(redis.RedisError):  # the lock expires by itself
                client.eval(_RELEASE_IF_OURS, 1, key, token)
