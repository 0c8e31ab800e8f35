"""Free text to coordinates without ever holding a worker on the geocoder.

Six spectators typing six unknown places used to queue six workers behind Nominatim's
one-request-a-second limiter, and the whole site waited with them. A GuardedGeocoder
wraps the real geocoder (Nominatim; a fake in tests) so that a request never waits long:

- one call slot shared by every worker (`min_interval` seconds apart: Nominatim's usage
  policy): a request that finds it taken is answered at once, GeocodingBusy;
- a short `timeout`: the call runs on a small thread pool and the request stops waiting
  then (GeocodingUnavailable); an answer that arrives later is still remembered;
- answers remembered, failures included: nothing found for a day, a failed or slow
  service for a minute, so the same text is not asked again meanwhile.

The slot and the answers live in Redis when there is one (shared by the workers), else
in this process; a Redis that fails is left alone for a few seconds.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as CallTimedOut

import redis

from marketplace.domain.catalog.geocoding import (
    Geocoder,
    GeocodingUnavailable,
    GeoPoint,
    normalise_query,
)

log = logging.getLogger(__name__)

NOTHING_FOUND_TTL = 24 * 3600
FAILURE_TTL = 60
_REDIS_REST_SECONDS = 5.0
_LOCAL_ANSWERS = 10_000
_NOTHING, _FAILED = "nothing", "failed"


class GeocodingBusy(GeocodingUnavailable):
    """Another request has just used the geocoder's slot: this one was not asked."""


class GeocoderMemo:
    """The call slot and the recent answers, in Redis if given, else in this process."""

    def __init__(self, redis_client: redis.Redis | None,
                 prefix: str = "kiosque:geocoder:") -> None:
        self._redis = redis_client
        self._prefix = prefix
        self._redis_rests_until = 0.0
        self._lock = threading.Lock()
        self._next_slot = 0.0
        self._answers: OrderedDict[str, tuple[float, str]] = OrderedDict()

    def take_slot(self, min_interval: float) -> bool:
        """True if the caller may call the geocoder now (and nobody else for min_interval)."""
        if min_interval <= 0:
            return True
        taken = self._in_redis(lambda r: r.set(self._prefix + "slot", "1", nx=True,
                                               px=max(1, int(min_interval * 1000))))
        if taken is not None:
            return bool(taken)
        with self._lock:
            now = time.monotonic()
            if now < self._next_slot:
                return False
            self._next_slot = now + min_interval
            return True

    def recall(self, key: str) -> str | None:
        """The answer kept for a normalised query: a point as JSON, nothing or failed."""
        found = self._in_redis(lambda r: r.get(self._prefix + "answer:" + key))
        if found is not None:
            return found.decode() if found else None
        with self._lock:
            kept = self._answers.get(key)
            if kept is None or kept[0] <= time.monotonic():
                return None
            return kept[1]

    def remember(self, key: str, answer: str, ttl: float, *, keep_older: bool = False) -> None:
        """Keep an answer for `ttl` seconds; `keep_older`: not over one already kept."""
        stored = self._in_redis(lambda r: r.set(self._prefix + "answer:" + key, answer,
                                                ex=max(1, int(ttl)), nx=keep_older) or True)
        if stored is not None:
            return
        with self._lock:
            if keep_older and self.recall_local(key) is not None:
                return
            self._answers[key] = (time.monotonic() + ttl, answer)
            self._answers.move_to_end(key)
            while len(self._answers) > _LOCAL_ANSWERS:
                self._answers.popitem(last=False)

    def recall_local(self, key: str) -> str | None:
        kept = self._answers.get(key)
        return kept[1] if kept is not None and kept[0] > time.monotonic() else None

    def _in_redis(self, operation):
        """The operation's result in Redis; None when there is no Redis or it failed
        (an empty answer comes back as b"", so that None always means "ask memory")."""
        if self._redis is None or time.monotonic() < self._redis_rests_until:
            return None
        try:
            result = operation(self._redis)
        except redis.RedisError as error:
            log.warning("Redis unavailable for the geocoder, using memory: %s", error)
            self._redis_rests_until = time.monotonic() + _REDIS_REST_SECONDS
            return None
        return b"" if result is None else result


class GuardedGeocoder:
    """A Geocoder that answers within `timeout` seconds, asks at most once per
    `min_interval` across workers, and remembers answers and failures."""

    def __init__(self, inner: Geocoder, memo: GeocoderMemo, *, timeout: float = 2.0,
                 min_interval: float = 1.0, patience: float = 0.0,
                 pool: ThreadPoolExecutor | None = None) -> None:
        self.inner = inner
        self.memo = memo
        self.timeout = timeout
        self.min_interval = min_interval
        self.patience = patience  # staff pages may wait this long for the slot
        self._pool = pool or ThreadPoolExecutor(max_workers=2, thread_name_prefix="geocoder")

    def geocode(self, query: str) -> GeoPoint | None:
        key = normalise_query(query)
        if not key:
            return None
        kept = self.memo.recall(key)
        if kept is not None:
            return _point_or_raise(kept)
        if not self._wait_for_slot():
            raise GeocodingBusy("the geocoder was used a moment ago")
        call = self._pool.submit(self.inner.geocode, query)
        call.add_done_callback(lambda done: self._keep(key, done))
        try:
            call.exception(timeout=self.timeout)
        except CallTimedOut:
            # Failed for now; the answer, when it comes, replaces this (see _keep).
            self.memo.remember(key, _FAILED, FAILURE_TTL, keep_older=True)
            raise GeocodingUnavailable(f"no answer within {self.timeout:g} s") from None
        # Kept here too, not only by the callback: the pool runs callbacks after waking
        # this thread, and the next request must already find the answer.
        self._keep(key, call)
        error = call.exception()
        if isinstance(error, GeocodingUnavailable):
            raise error
        if error is not None:  # a geocoder's own bug must not become a 500
            raise GeocodingUnavailable(type(error).__name__) from error
        return call.result()

    def _wait_for_slot(self) -> bool:
        give_up_at = time.monotonic() + self.patience
        while not self.memo.take_slot(self.min_interval):
            if time.monotonic() >= give_up_at:
                return False
            time.sleep(0.1)
        return True

    def _keep(self, key: str, call: Future) -> None:
        error = call.exception()
        if error is not None:
            self.memo.remember(key, _FAILED, FAILURE_TTL)
            return
        point = call.result()
        if point is None or not (-90 <= point.lat <= 90 and -180 <= point.lng <= 180):
            self.memo.remember(key, _NOTHING, NOTHING_FOUND_TTL)
            return
        # Found places are stored for good by locate(); this bridges a late answer to it.
        self.memo.remember(key, json.dumps([point.lat, point.lng, point.label]),
                           NOTHING_FOUND_TTL)


def _point_or_raise(kept: str) -> GeoPoint | None:
    if kept == _NOTHING:
        return None
    if kept == _FAILED:
        raise GeocodingUnavailable("the geocoder failed a moment ago")
    lat, lng, label = json.loads(kept)
    return GeoPoint(lat=lat, lng=lng, label=label)
