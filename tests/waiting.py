"""Bounded waiting for tests that run threads: every wait in the suite ends.

A thread that never finishes must fail its test within a known time, not hold the
suite (a monitor that samples until the workers end would otherwise spin for ever).
"""

from __future__ import annotations

import threading
import time


class Deadline:
    """A point in time (monotonic clock, which no time travel moves) shared by waits."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.at = time.monotonic() + seconds

    def remaining(self) -> float:
        return max(0.0, self.at - time.monotonic())

    def passed(self) -> bool:
        return time.monotonic() >= self.at


def join_all(threads: list[threading.Thread], seconds: float) -> None:
    """Join every thread within `seconds` in all (not each); fail naming those still alive."""
    deadline = Deadline(seconds)
    for thread in threads:
        thread.join(timeout=deadline.remaining())
    alive = [thread.name for thread in threads if thread.is_alive()]
    assert not alive, f"still running after {seconds:.0f} s: {', '.join(alive)}"


def wait_for(predicate, seconds: float = 5) -> bool:
    """Poll `predicate` until it is true or `seconds` have passed; whether it became true."""
    deadline = Deadline(seconds)
    while not deadline.passed():
        if predicate():
            return True
        time.sleep(0.02)
    return False
