"""The traffic of a busy evening: spectators browsing and buying, venue staff at work.

Every spectator visit is a new person: a new aiohttp session bound to its own loopback
address (127.1.x.y), so the production rate limits apply per person exactly as they do
behind a proxy that hands the app each client's address. Venue staff keep one session
each, refresh their sales and scan the tickets bought for their performances tonight.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlencode

import aiohttp

# Where spectators are: the Vieux-Port, Aix, Toulon, Nice, Avignon.
PLACES = ((43.2951, 5.3744), (43.5297, 5.4474), (43.1242, 5.9280), (43.7102, 7.2620),
          (43.9493, 4.8055))
WHENS = ("tonight", "tomorrow", "tomorrow", "weekend", "all")
DISCIPLINES = ("theatre", "dance", "music", "circus", "comedy", "family")
# Answers that are the business saying no, not a failure (counted apart from errors).
BUSINESS = {
    "GET /offers/{id}": {404},
    "GET /api/v1/offers/{id}": {404},
    "POST /api/v1/holds": {409},
    "POST /api/v1/venue/checkins": {409},
}
SUCCESS = {"POST /api/v1/holds": {201}, "POST /api/v1/holds/{id}/checkout": {201},
           "DELETE /api/v1/holds/{id}": {204}}


@dataclass
class Answer:
    route: str
    status: int  # 0: no HTTP answer (refused, reset, timed out)
    at: float  # seconds since the start of the run
    ms: float
    code: str = ""  # the JSON error code of a refusal


@dataclass
class Door:
    """Tickets waiting to be scanned at one staffed venue, and those already admitted."""

    token: str
    queue: asyncio.Queue = field(default_factory=asyncio.Queue)
    admitted: list[str] = field(default_factory=list)


@dataclass
class Run:
    base: str
    deadline: float
    think: float
    buy_share: float
    door_offers: list[dict]
    doors: dict[str, Door]
    started: float = field(default_factory=time.perf_counter)
    answers: list[Answer] = field(default_factory=list)
    purchases: list[tuple[float, str, int]] = field(default_factory=list)  # (at, order, seats)
    outcomes: Counter = field(default_factory=Counter)
    addresses: itertools.count = field(default_factory=lambda: itertools.count(1))

    def over(self) -> bool:
        return time.perf_counter() >= self.deadline

    def next_address(self) -> str:
        n = next(self.addresses) % 65000 + 1
        return f"127.1.{n // 256}.{n % 256}"

    def expected(self, route: str, status: int) -> bool:
        return status in SUCCESS.get(route, {200})

    async def call(self, session: aiohttp.ClientSession, method: str, route: str, path: str,
                   **kwargs) -> tuple[int, dict | None]:
        """One request: its answer is recorded under `route`; JSON bodies are decoded."""
        started = time.perf_counter()
        try:
            async with session.request(method, self.base + path, **kwargs) as response:
                status = response.status
                raw = await response.read()
                json_body = (response.content_type == "application/json" and raw)
                body = await response.json() if json_body else None
        except (TimeoutError, aiohttp.ClientError):
            status, body = 0, None
        now = time.perf_counter()
        code = body.get("error", "") if isinstance(body, dict) and status >= 400 else ""
        self.answers.append(Answer(route, status, started - self.started,
                                   (now - started) * 1000, str(code)))
        return status, body

    async def pause(self, rng: random.Random) -> None:
        await asyncio.sleep(rng.uniform(0, self.think))


def _session(address: str) -> aiohttp.ClientSession:
    connector = aiohttp.TCPConnector(local_addr=(address, 0), limit=4)
    return aiohttp.ClientSession(connector=connector,
                                 timeout=aiohttp.ClientTimeout(total=30))


async def spectators(run: Run, seed: int) -> None:
    """One spectator after another until the end of the run, each a new person."""
    rng = random.Random(seed)
    while not run.over():
        async with _session(run.next_address()) as session:
            await visit(run, session, rng)


async def visit(run: Run, session: aiohttp.ClientSession, rng: random.Random) -> None:
    lat, lng = rng.choice(PLACES)
    when = rng.choice(WHENS)
    seen: list[dict] = []
    if rng.random() < 0.7:
        cookie = {"where": urlencode({"lat": lat, "lng": lng, "label": ""})}
        await run.call(session, "GET", "GET /", "/?" + urlencode({"radius": 25, "when": when}),
                       cookies=cookie)
        await run.pause(rng)
    query = {"lat": lat, "lng": lng, "radius_km": rng.choice((10, 25, 50)), "when": when}
    if rng.random() < 0.3:
        query["discipline"] = rng.choice(DISCIPLINES)
    if rng.random() < 0.3:
        query["sort"] = rng.choice(("distance", "starts_at", "price", "discount"))
    status, body = await run.call(session, "GET", "GET /api/v1/offers",
                                  "/api/v1/offers?" + urlencode(query))
    if status == 200:
        seen += body["offers"]
    await run.pause(rng)
    if rng.random() < 0.5:
        status, body = await run.call(session, "GET", "GET /api/v1/carousel",
                                      "/api/v1/carousel?" + urlencode(
                                          {"lat": lat, "lng": lng, "size": 10}))
        if status == 200:
            seen += [item["offer"] for item in body["items"]]
        await run.pause(rng)
    for offer in rng.sample(seen, min(len(seen), rng.randint(1, 3))):
        if rng.random() < 0.6:
            await run.call(session, "GET", "GET /offers/{id}", f"/offers/{offer['id']}")
        else:
            await run.call(session, "GET", "GET /api/v1/offers/{id}",
                           f"/api/v1/offers/{offer['id']}")
        await run.pause(rng)
    if rng.random() < run.buy_share:
        # Some buyers follow a venue's own link to tonight's show rather than the list.
        pool = run.door_offers if run.door_offers and rng.random() < 0.4 else seen
        if pool:
            await buy(run, session, rng, rng.choice(pool))


async def buy(run: Run, session: aiohttp.ClientSession, rng: random.Random,
              offer: dict) -> None:
    """Hold, then (mostly) check out, pay with the demo gateway and keep the tickets."""
    quantity = min(rng.randint(1, 4), offer["max_per_order"])
    status, hold = await run.call(session, "POST", "POST /api/v1/holds", "/api/v1/holds",
                                  json={"offer_id": offer["id"], "quantity": quantity})
    if status != 201:
        run.outcomes["hold refused (sold out)" if status == 409 else "hold failed"] += 1
        return
    await run.pause(rng)
    if rng.random() < 0.1:  # changed their mind: the seats go back at once
        await run.call(session, "DELETE", "DELETE /api/v1/holds/{id}",
                       f"/api/v1/holds/{hold['hold_id']}")
        run.outcomes["hold released"] += 1
        return
    n = next(run.addresses)
    status, order = await run.call(
        session, "POST", "POST /api/v1/holds/{id}/checkout",
        f"/api/v1/holds/{hold['hold_id']}/checkout",
        json={"email": f"spectateur{n}@example.org", "name": f"Spectateur {n}",
              "postcode": "13001", "marketing_consent": rng.random() < 0.4})
    if status != 201:
        run.outcomes["checkout failed"] += 1
        return
    status, paid = await run.call(session, "POST", "POST /api/v1/payments/demo/{id}/succeed",
                                  f"/api/v1/payments/demo/{order['order_id']}/succeed?"
                                  + urlencode({"token": order["order_token"]}))
    if status != 200 or paid.get("status") != "paid":
        run.outcomes["payment not confirmed"] += 1
        return
    run.purchases.append((time.perf_counter() - run.started, order["order_id"], quantity))
    run.outcomes["purchase completed"] += 1
    status, detail = await run.call(
        session, "GET", "GET /api/v1/orders/{id}",
        f"/api/v1/orders/{order['order_id']}?" + urlencode({"token": order["order_token"]}))
    door = run.doors.get(offer["venue"]["slug"])
    if status == 200 and door is not None:
        for ticket in detail["tickets"]:
            door.queue.put_nowait(ticket["code"])


async def venue_staff(run: Run, slug: str, address: str, since: datetime) -> None:
    """A box office: refreshes its sales every few seconds and admits tonight's ticket holders."""
    door = run.doors[slug]
    headers = {"Authorization": f"Bearer {door.token}"}
    rng = random.Random(slug)
    refreshed = 0.0
    async with _session(address) as session:
        while not run.over():
            if time.perf_counter() - refreshed > 2:
                refreshed = time.perf_counter()
                await run.call(session, "GET", "GET /api/v1/venue/sales",
                               "/api/v1/venue/sales?" + urlencode(
                                   {"since": since.isoformat(), "per_page": 50}),
                               headers=headers)
            try:
                code = door.queue.get_nowait()
            except asyncio.QueueEmpty:
                await asyncio.sleep(0.2)
                continue
            status, _ = await run.call(session, "POST", "POST /api/v1/venue/checkins",
                                       "/api/v1/venue/checkins", json={"code": code},
                                       headers=headers)
            if status == 200:
                door.admitted.append(code)
                if rng.random() < 0.05:  # the same ticket shown twice at the door
                    await run.call(session, "POST", "POST /api/v1/venue/checkins",
                                   "/api/v1/venue/checkins", json={"code": code},
                                   headers=headers)
            await run.pause(rng)


async def drive(run: Run, users: int, since: datetime, extra: list | None = None) -> None:
    """Run every spectator and staff member (plus `extra` coroutines) until the deadline."""
    tasks = [spectators(run, 1000 + i) for i in range(users)]
    tasks += [venue_staff(run, slug, f"127.2.0.{i + 1}", since)
              for i, slug in enumerate(run.doors)]
    await asyncio.gather(*tasks, *(extra or []))


def by_route(answers: list[Answer]) -> dict[str, list[Answer]]:
    routes: dict[str, list[Answer]] = defaultdict(list)
    for answer in answers:
        routes[answer.route].append(answer)
    return routes


def door_window(now: datetime) -> tuple[datetime, datetime]:
    """Curtains whose tickets the door accepts now (12 hours before to 6 hours after)."""
    return now - timedelta(hours=6), now + timedelta(hours=12)
