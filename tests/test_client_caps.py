"""One client cannot keep a show's seats held: a cap on the seats it holds at once.

The service, directly: what a family, a box office and a shared connection can still do,
what no longer counts, what is stored (keys, never addresses), and the cap under real
concurrent threads (with a control run that proves the race is real on PostgreSQL).
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.domain.errors import Busy
from marketplace.domain.inventory import client_caps
from marketplace.domain.inventory.client_caps import (
    HoldClient,
    TooManySeatsHeld,
    hold_client,
    network_of,
)
from marketplace.domain.inventory.services import place_hold, release_hold
from marketplace.domain.models import Hold
from tests.buying import TTL, checkout, count, counters, pay
from tests.factories import ReleaseFactory

SECRET = "test-secret"


def client(address: str = "203.0.113.7", browser: str | None = "browser-a",
           **caps) -> HoldClient:
    return hold_client(SECRET, address, browser, **caps)


@pytest.fixture
def shows(db):
    """Three shows tonight, 20 seats each, up to 6 per order."""
    releases = [ReleaseFactory(quantity=20, max_per_order=6) for _ in range(3)]
    db.session.commit()
    return releases


def take(release, quantity, now, who):
    return place_hold(_session(), release.id, quantity, now, TTL, who)


def _session():
    from marketplace.extensions import db

    return db.session


def test_a_family_of_six_holds_for_two_shows_from_one_browser_but_not_a_third(db, shows,
                                                                             now):
    family = client()
    take(shows[0], 6, now, family)
    take(shows[1], 6, now, family)
    with pytest.raises(TooManySeatsHeld) as refused:
        take(shows[2], 1, now, family)
    assert refused.value.code == "too_many_seats_held" and refused.value.scope == "browser"
    assert refused.value.cap == 12 and 0 < refused.value.retry_after <= TTL + 1
    assert counters(shows[2].id) == (0, 0) and count(Hold) == 2  # the refusal changed nothing


def test_a_shared_connection_holds_up_to_its_own_cap_whatever_the_browsers(db, shows, now):
    office = [client(browser=f"colleague-{n}") for n in range(5)]
    for n, colleague in enumerate(office[:3]):
        take(shows[n], 6, now, colleague)
    take(shows[0], 4, now, office[3])  # two orders of one show: 10 of its 20 seats
    with pytest.raises(TooManySeatsHeld) as half:
        take(shows[0], 1, now, office[4])  # no address holds more than half of an offer
    assert half.value.scope == "offer_network" and half.value.cap == 10
    take(shows[1], 2, now, office[4])  # 24 seats from one address
    with pytest.raises(TooManySeatsHeld) as refused:
        take(shows[2], 1, now, office[4])
    assert refused.value.scope == "network" and refused.value.cap == 24
    take(shows[0], 6, now, client(address="198.51.100.9", browser="colleague-4"))  # at home


def test_seats_paid_for_given_back_or_lapsed_no_longer_count(app, db, shows, now):
    box_office = client(address="192.0.2.10", browser="caisse")
    sold = take(shows[0], 6, now, box_office)
    given_back = take(shows[1], 6, now, box_office)
    with pytest.raises(TooManySeatsHeld):
        take(shows[2], 6, now, box_office)
    pay(app, checkout(app, sold, now).order.id, now)  # paid: the hold is converted
    release_hold(db.session, given_back.id, now)
    take(shows[2], 6, now, box_office)
    take(shows[0], 6, now, box_office)
    with pytest.raises(TooManySeatsHeld):
        take(shows[1], 1, now, box_office)
    later = now + timedelta(seconds=TTL)  # both lapse, without a sweep
    take(shows[1], 6, later, box_office)


def test_without_a_client_nothing_is_capped(db, shows, now):
    """RATELIMIT_ENABLED off (benchmarks, acceptance checks): the views pass no client."""
    for _ in range(3):
        for show in shows:
            take(show, 6, now, None)
    assert count(Hold) == 9


def test_the_caps_are_settings(db, shows, now):
    small = client(max_seats_per_browser=2, max_seats_per_network=3)
    take(shows[0], 2, now, small)
    with pytest.raises(TooManySeatsHeld):
        take(shows[1], 1, now, small)
    take(shows[1], 1, now, client(browser="other", max_seats_per_browser=2,
                                  max_seats_per_network=3))
    with pytest.raises(TooManySeatsHeld) as refused:
        take(shows[2], 1, now, client(browser=None, max_seats_per_network=3))
    assert refused.value.scope == "network"


def test_a_hold_keeps_keyed_hashes_never_the_address(db, shows, now):
    hold = take(shows[0], 1, now, client(address="203.0.113.7", browser="browser-a"))
    stored = db.session.get(Hold, hold.id)
    keys = (stored.client_network_key, stored.client_browser_key)
    assert all(len(key) == 32 and "203" not in key for key in keys)
    assert keys[0] != keys[1]
    assert client().network_key == keys[0]  # the same client, the same key
    assert hold_client("another-secret", "203.0.113.7", None).network_key != keys[0]
    anonymous = take(shows[0], 1, now, None)
    assert db.session.get(Hold, anonymous.id).client_network_key is None


def test_the_keys_of_holds_that_are_over_are_forgotten(app, db, shows, now):
    from marketplace.domain.inventory.client_caps import forget_ended_hold_clients

    live = take(shows[0], 2, now, client())
    given_back = take(shows[1], 2, now, client())
    paid = take(shows[2], 2, now, client(browser="other"))
    release_hold(db.session, given_back.id, now)
    pay(app, checkout(app, paid, now).order.id, now)
    assert forget_ended_hold_clients(db.session) == 2
    assert forget_ended_hold_clients(db.session) == 0
    db.session.expire_all()
    keys = {h.id: (h.client_network_key, h.client_browser_key)
            for h in db.session.scalars(select(Hold))}
    assert keys[given_back.id] == keys[paid.id] == (None, None)
    assert None not in keys[live.id]  # still counted by the cap


def test_ipv6_counts_by_the_subscribers_block():
    assert network_of("2001:db8:1:2:aaaa::1") == network_of("2001:db8:1:2:ffff::9") \
        == "2001:db8:1:2::/64"
    assert network_of("2001:db8:1:3::1") != network_of("2001:db8:1:2::1")
    assert network_of("::ffff:192.0.2.1") == network_of("192.0.2.1") == "192.0.2.1"
    assert network_of("not an address") == "not an address"


# Under concurrency ------------------------------------------------------------------------


def _race(app, releases, who, now, threads: int = 12, quantity: int = 2):
    """`threads` holds of one client at once; the seats granted and the refusals."""
    from marketplace.extensions import db

    barrier = threading.Barrier(threads)
    granted, refused, errors = [], [], []

    def buy(n: int) -> None:
        with app.app_context(), Session(db.engine) as session:
            try:
                barrier.wait(timeout=30)
                hold = place_hold(session, releases[n % len(releases)].id, quantity, now, TTL,
                                  who)
                granted.append(hold.quantity)
            except (TooManySeatsHeld, Busy):
                # Busy: waited past the lock timeout behind the same client's other holds
                # (each slowed to 0.3 s here); a refusal all the same, never a seat too many.
                refused.append(n)
            except BaseException as error:  # reported below
                errors.append(error)

    workers = [threading.Thread(target=buy, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert not any(worker.is_alive() for worker in workers)
    assert errors == []
    return sum(granted), len(refused)


def _slow_lock(original):
    """The lock as it is, then a pause: every hold is in flight when the counting starts."""
    def lock(session, keys):
        original(session, keys)
        time.sleep(0.3)
    return lock


def test_parallel_holds_of_one_client_never_pass_the_cap(app, db, shows, now, monkeypatch):
    monkeypatch.setattr(client_caps, "_lock_keys", _slow_lock(client_caps._lock_keys))
    seats, refusals = _race(app, shows, client(max_seats_per_browser=6), now)
    assert (seats, refusals) == (6, 9)
    assert sum(counters(show.id)[1] for show in shows) == 6


@pytest.mark.skipif(not __import__("os").environ.get("TEST_DATABASE_URL"),
                    reason="PostgreSQL only: SQLite runs one writer at a time anyway")
def test_control_without_the_lock_parallel_holds_pass_the_cap(app, db, shows, now,
                                                              monkeypatch):
    """Proves the race above is real: with no lock, every hold counts only itself."""
    # Every hold waits for all the others to be written (not committed) before it counts:
    # the race happens whatever the machine's load (a pause alone let loaded runs serialise).
    everyone_wrote = threading.Barrier(12)
    monkeypatch.setattr(client_caps, "_lock_keys",
                        lambda session, keys: everyone_wrote.wait(timeout=30))
    seats, _refusals = _race(app, shows, client(max_seats_per_browser=6), now)
    assert seats > 6
    db.session.expire_all()
    assert len(db.session.scalars(select(Hold)).all()) == seats // 2


def test_one_browser_holds_one_orders_worth_of_an_offer_however_many_holds(db, shows, now):
    family = client(browser="famille")
    for _ in range(6):
        take(shows[0], 1, now, family)
    with pytest.raises(TooManySeatsHeld) as refused:
        take(shows[0], 1, now, family)
    assert refused.value.scope == "offer" and refused.value.cap == 6
    take(shows[1], 1, now, family)  # another show: its own order's worth
