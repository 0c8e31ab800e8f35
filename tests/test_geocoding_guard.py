"""The geocoder's guard, directly: one call slot shared by workers, answers and failures
remembered, a short timeout; in Redis (fakeredis here) or in memory, and without a Redis
that stopped answering. No test reaches a real geocoder."""

from __future__ import annotations

import threading
import time

import fakeredis
import pytest
import redis

from marketplace.domain.catalog.geocoding import GeocodingUnavailable, GeoPoint
from marketplace.domain.catalog.geocoding_guard import GeocoderMemo, GeocodingBusy, GuardedGeocoder

BEDOIN = GeoPoint(44.1247, 5.1797, "Bédoin, Vaucluse")


class Fake:
    def __init__(self, answer=BEDOIN, error: Exception | None = None, delay: float = 0.0):
        self.answer, self.error, self.delay = answer, error, delay
        self.asked: list[str] = []

    def geocode(self, query: str):
        self.asked.append(query)
        time.sleep(self.delay)
        if self.error is not None:
            raise self.error
        return self.answer


def broken_redis() -> redis.Redis:
    """A Redis that refuses every connection (nothing listens on port 1)."""
    return redis.Redis(host="127.0.0.1", port=1, socket_timeout=0.2,
                       socket_connect_timeout=0.2)


@pytest.fixture(params=["memory", "redis", "redis down"])
def memo(request):
    if request.param == "memory":
        return GeocoderMemo(None)
    if request.param == "redis":
        return GeocoderMemo(fakeredis.FakeRedis(server=fakeredis.FakeServer()))  # its own
    return GeocoderMemo(broken_redis())


def test_one_slot_per_interval(memo):
    assert memo.take_slot(0.2) is True
    assert memo.take_slot(0.2) is False
    time.sleep(0.25)
    assert memo.take_slot(0.2) is True


def test_answers_are_kept_for_their_time(memo):
    memo.remember("sault", "nothing", 1)
    assert memo.recall("sault") == "nothing"
    memo.remember("sault", "failed", 1, keep_older=True)
    assert memo.recall("sault") == "nothing"  # an older answer stands
    assert memo.recall("bedoin") is None


def test_workers_share_the_slot_through_redis():
    server = fakeredis.FakeServer()
    first = GeocoderMemo(fakeredis.FakeRedis(server=server))
    second = GeocoderMemo(fakeredis.FakeRedis(server=server))  # another worker
    assert first.take_slot(5) is True
    assert second.take_slot(5) is False
    first.remember("atlantide", "nothing", 60)
    assert second.recall("atlantide") == "nothing"


def test_the_guard_asks_once_and_remembers_found_and_nothing(memo):
    found = GuardedGeocoder(Fake(), memo, min_interval=0.0)
    assert found.geocode("Bédoin") == BEDOIN
    assert found.geocode("  BÉDOIN ") == BEDOIN
    nothing = GuardedGeocoder(Fake(answer=None), memo, min_interval=0.0)
    assert nothing.geocode("Atlantide") is None
    assert nothing.geocode("atlantide") is None
    assert found.inner.asked == ["Bédoin"] and nothing.inner.asked == ["Atlantide"]


def test_the_guard_turns_any_failure_into_unavailable_and_remembers_it(memo):
    crashing = GuardedGeocoder(Fake(error=ValueError("bug")), memo, min_interval=0.0)
    with pytest.raises(GeocodingUnavailable):
        crashing.geocode("Sault")
    with pytest.raises(GeocodingUnavailable):
        crashing.geocode("Sault")
    assert crashing.inner.asked == ["Sault"]


def test_an_impossible_point_counts_as_nothing_found(memo):
    wild = GuardedGeocoder(Fake(answer=GeoPoint(91.0, 5.0, "?")), memo, min_interval=0.0)
    wild.geocode("Nulle part")
    assert memo.recall("nulle part") == "nothing"


def test_the_guard_gives_up_after_its_timeout_and_keeps_the_late_answer():
    memo = GeocoderMemo(None)
    slow = GuardedGeocoder(Fake(delay=0.4), memo, timeout=0.05, min_interval=0.0)
    started = time.perf_counter()
    with pytest.raises(GeocodingUnavailable):
        slow.geocode("Bédoin")
    assert time.perf_counter() - started < 0.3
    deadline = time.monotonic() + 5
    while memo.recall("bédoin") in (None, "failed") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert slow.geocode("Bédoin") == BEDOIN and slow.inner.asked == ["Bédoin"]


def test_a_busy_slot_answers_at_once_and_staff_may_wait_for_it():
    memo = GeocoderMemo(None)
    spectator = GuardedGeocoder(Fake(), memo, min_interval=0.3)
    staff = GuardedGeocoder(Fake(), memo, min_interval=0.3, patience=1.0)
    spectator.geocode("Bédoin")
    with pytest.raises(GeocodingBusy):
        spectator.geocode("Sault")
    assert staff.geocode("Sault") == BEDOIN  # waited for the slot (0.3 s)


def test_parallel_callers_make_one_call_per_interval():
    memo = GeocoderMemo(fakeredis.FakeRedis())
    fake = Fake(delay=0.1)
    guard = GuardedGeocoder(fake, memo, timeout=1.0, min_interval=5.0)
    outcomes: list[str] = []

    def ask(n: int) -> None:
        try:
            guard.geocode(f"Lieu {n}")
            outcomes.append("answered")
        except GeocodingBusy:
            outcomes.append("busy")

    threads = [threading.Thread(target=ask, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert sorted(outcomes) == ["answered"] + ["busy"] * 7
    assert len(fake.asked) == 1
