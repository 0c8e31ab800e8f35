"""A private redis-server for the outage scenarios, broken in the middle of the load.

`stop`: the server exits (SIGTERM) and is started again, empty, some seconds later: every
connection is refused at once. `freeze`: the server is suspended (SIGSTOP) and resumed
(SIGCONT): connections hang, as when a network path or the Redis host stalls.
"""

from __future__ import annotations

import asyncio
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field

import redis


@dataclass
class PrivateRedis:
    port: int
    process: subprocess.Popen | None = None
    events: dict[str, float] = field(default_factory=dict)  # what happened, when (run time)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        if shutil.which("redis-server") is None:
            raise SystemExit("--redis-outage needs redis-server on the PATH")
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--daemonize", "no"], stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                redis.Redis(port=self.port).ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise SystemExit("the private redis-server did not come up")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)  # a frozen server must hear SIGTERM
            self.process.terminate()  # SIGTERM: Redis shuts down at once (nothing to save)
            self.process.wait(timeout=10)

    def app_keys(self) -> int:
        """Keys the app wrote (rate-limit counters); 0 when Redis does not answer."""
        try:
            return sum(1 for _ in redis.Redis(port=self.port, socket_timeout=1)
                       .scan_iter(count=1000))
        except redis.RedisError:
            return 0


    def freeze(self) -> None:
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        self.process.send_signal(signal.SIGCONT)


async def outage(server: PrivateRedis, fault: str, clock, at: float, seconds: float,
                 until: float) -> None:
    """Break Redis `at` seconds into the run (`fault`: stop or freeze), mend it `seconds`
    later, then watch the app come back to it (new rate-limit keys appear in Redis)."""
    await asyncio.sleep(max(0.0, at - clock()))
    server.events["keys before the outage"] = await asyncio.to_thread(server.app_keys)
    await asyncio.to_thread(server.stop if fault == "stop" else server.freeze)
    server.events["down"] = clock()
    await asyncio.sleep(seconds)
    await asyncio.to_thread(server.start if fault == "stop" else server.thaw)
    server.events["up"] = clock()
    known = await asyncio.to_thread(server.app_keys)
    while clock() < until:
        if await asyncio.to_thread(server.app_keys) > known:
            server.events["app back on Redis"] = clock()
            break
        await asyncio.sleep(0.25)
    await asyncio.sleep(max(0.0, until - clock()))
    server.events["keys at the end"] = await asyncio.to_thread(server.app_keys)
