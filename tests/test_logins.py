"""Logins the server can end, and the backoff on wrong passwords (domain functions, no HTTP).

The pages that use them (and the cookies) are tested in test_portal_auth.py.
"""

from __future__ import annotations

import operator
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from marketplace.domain.accounts.login_attempts import (
    ALERT_AFTER,
    CLIENT_FREE_FAILURES,
    FREE_FAILURES,
    LoginThrottled,
    attempt_login,
    backoff,
    login_keys,
    record_failure,
)
from marketplace.domain.accounts.logins import (
    LOGIN_LIFETIME,
    end_login,
    log_out_everywhere,
    open_login,
    user_of_login,
)
from marketplace.domain.accounts.mail import Email
from marketplace.domain.accounts.models import LoginFailure, LoginSession, User
from marketplace.domain.mail.models import OutboundEmail
from tests.factories import STAFF_PASSWORD, StaffFactory

SECRET = "test-secret"
GUESSER, OWNER = "203.0.113.9", "198.51.100.4"


class Composer:
    def __init__(self) -> None:
        self.composed: list[tuple[str, dict]] = []

    def __call__(self, kind: str, **context) -> Email:
        self.composed.append((kind, context))
        return Email(subject=f"[{kind}]", text=f"{context.get('failures')} tries", html=None)


def try_login(db, email, password, client, at, composer=None, throttle=True):
    return attempt_login(db.session, email, password, client=client, now=at, secret=SECRET,
                         compose=composer or Composer(), throttle=throttle)


# Logins ---------------------------------------------------------------------------------


def test_a_login_lives_until_it_is_ended_or_too_old(db, now):
    user = StaffFactory()
    db.session.commit()
    phone = open_login(db.session, user, remember=True, now=now)
    laptop = open_login(db.session, user, remember=False, now=now)
    assert phone != laptop and user.get_id() == laptop  # what Flask-Login stores
    assert user_of_login(db.session, phone, now + timedelta(days=13)) == user
    assert user_of_login(db.session, phone, now + LOGIN_LIFETIME) is None  # too old
    end_login(db.session, laptop)
    assert user_of_login(db.session, laptop, now) is None
    assert user_of_login(db.session, phone, now) == user  # the other device stays
    # Keys are stored hashed: the table cannot be used to log in.
    assert phone not in {row.key_hash for row in db.session.scalars(select(LoginSession))}


@pytest.mark.parametrize("key", ["", "1", str(10**6), "x" * 500, None, 42])
def test_anything_but_a_live_key_names_nobody(db, now, key):
    user = StaffFactory()
    db.session.commit()
    open_login(db.session, user, remember=False, now=now)
    assert user_of_login(db.session, key, now) is None  # the user's plain id, say


def test_logging_out_everywhere_ends_every_login_of_that_person_only(db, now):
    camille, leo = StaffFactory(), StaffFactory()
    db.session.commit()
    keys = [open_login(db.session, camille, remember=r, now=now) for r in (True, False)]
    other = open_login(db.session, leo, remember=False, now=now)
    assert log_out_everywhere(db.session, camille) == 2
    assert all(user_of_login(db.session, key, now) is None for key in keys)
    assert user_of_login(db.session, other, now) == leo


def test_a_deactivated_persons_logins_are_refused(db, now):
    user = StaffFactory()
    db.session.commit()
    key = open_login(db.session, user, remember=True, now=now)
    user.active = False
    db.session.commit()
    assert user_of_login(db.session, key, now) is None


def test_old_logins_are_cleared_when_the_person_logs_in_again(db, now):
    user = StaffFactory()
    db.session.commit()
    open_login(db.session, user, remember=True, now=now)
    open_login(db.session, user, remember=True, now=now + LOGIN_LIFETIME + timedelta(hours=1))
    assert db.session.scalar(select(func.count(LoginSession.id))) == 1


# The backoff ----------------------------------------------------------------------------


def test_the_wait_doubles_after_the_free_failures_up_to_an_hour():
    assert [backoff(n) for n in range(FREE_FAILURES + 1)] == [timedelta(0)] * 6
    assert [backoff(n).total_seconds() for n in range(6, 11)] == [30, 60, 120, 240, 480]
    assert backoff(13) == timedelta(hours=1) and backoff(10**6) == timedelta(hours=1)


def test_wrong_passwords_slow_down_that_client_for_that_address_only(db, now):
    StaffFactory(email="camille@example.org")
    db.session.commit()
    for n in range(FREE_FAILURES + 1):
        assert try_login(db, "camille@example.org", f"guess {n}", GUESSER, now) is None
    with pytest.raises(LoginThrottled) as refused:  # even the right password waits
        try_login(db, "camille@example.org", STAFF_PASSWORD, GUESSER, now + timedelta(seconds=5))
    assert refused.value.retry_after == 25
    # The owner, elsewhere, is not slowed; nor is the guesser on another address.
    assert try_login(db, "Camille@example.org", STAFF_PASSWORD, OWNER, now) is not None
    assert try_login(db, "leo@example.org", "guess", GUESSER, now) is None
    # Waiting is enough; one more wrong guess doubles the wait.
    later = now + timedelta(seconds=30)
    assert try_login(db, "camille@example.org", "guess 7", GUESSER, later) is None
    with pytest.raises(LoginThrottled) as refused:
        try_login(db, "camille@example.org", "guess 8", GUESSER, later + timedelta(seconds=59))
    assert refused.value.retry_after == 1


def test_the_right_password_or_a_quiet_day_clears_the_count(db, now):
    StaffFactory(email="camille@example.org")
    db.session.commit()
    for n in range(FREE_FAILURES):
        try_login(db, "camille@example.org", f"guess {n}", GUESSER, now)
    assert try_login(db, "camille@example.org", STAFF_PASSWORD, GUESSER, now) is not None
    keys = login_keys(SECRET, "camille@example.org", GUESSER)
    assert db.session.scalar(select(func.count(LoginFailure.id))
                             .where(LoginFailure.account_key == keys.account)) == 0
    for n in range(FREE_FAILURES + 1):
        try_login(db, "camille@example.org", f"guess {n}", GUESSER, now)
    next_day = now + timedelta(days=1, seconds=1)
    assert try_login(db, "camille@example.org", "guess", GUESSER, next_day) is None
    assert db.session.scalar(select(LoginFailure.failures)
                             .where(LoginFailure.account_key == keys.account)) == 1


def test_a_client_trying_many_addresses_waits_for_all_of_them(db, now):
    StaffFactory(email="camille@example.org")
    db.session.commit()
    for n in range(CLIENT_FREE_FAILURES + 1):  # one password, many accounts
        assert try_login(db, f"person{n}@example.org", "Printemps2026", GUESSER, now) is None
    with pytest.raises(LoginThrottled):
        try_login(db, "camille@example.org", STAFF_PASSWORD, GUESSER, now)
    assert try_login(db, "camille@example.org", STAFF_PASSWORD, OWNER, now) is not None


def test_no_address_is_kept_in_clear(db, now):
    try_login(db, "camille@example.org", "guess", GUESSER, now)
    rows = db.session.scalars(select(LoginFailure)).all()
    assert len(rows) == 2  # the address from this client, and this client for any address
    stored = " ".join(f"{row.account_key} {row.client_key}" for row in rows)
    assert "camille" not in stored and GUESSER not in stored
    # Keyed with the app's secret: another secret gives other digests.
    assert login_keys("another secret", "camille@example.org", GUESSER).account not in stored


def test_the_owner_is_told_once_a_day_when_someone_keeps_guessing(db, now):
    StaffFactory(email="camille@example.org", name="Camille")
    db.session.commit()
    composer = Composer()
    clients = [f"192.0.2.{n}" for n in range(ALERT_AFTER)]  # a guesser with many addresses
    for client in clients[:-1]:
        try_login(db, "camille@example.org", "guess", client, now, composer)
    assert composer.composed == []
    try_login(db, "camille@example.org", "guess", clients[-1], now, composer)
    [(kind, context)] = composer.composed
    assert kind == "login_alert" and context["failures"] == ALERT_AFTER
    assert context["user"].email == "camille@example.org"
    for n in range(5):  # more guesses the same day: no more e-mail
        try_login(db, "camille@example.org", "guess", f"192.0.2.{50 + n}", now, composer)
    tomorrow = now + timedelta(days=1, hours=1)
    for client in clients:
        try_login(db, "camille@example.org", "guess", client, tomorrow, composer)
    assert len(composer.composed) == 2
    db.session.expire_all()
    assert [e.to_address for e in db.session.scalars(select(OutboundEmail))] \
        == ["camille@example.org"] * 2


def test_guesses_at_an_unknown_address_tell_nobody(db, now):
    composer = Composer()
    for n in range(ALERT_AFTER + 2):
        try_login(db, "nobody@example.org", "guess", f"192.0.2.{n}", now, composer)
    assert composer.composed == []


def test_with_limits_off_nothing_is_counted(db, now):
    StaffFactory(email="camille@example.org")
    db.session.commit()
    for _ in range(FREE_FAILURES + 5):
        try_login(db, "camille@example.org", "guess", GUESSER, now, throttle=False)
    assert try_login(db, "camille@example.org", STAFF_PASSWORD, GUESSER, now,
                     throttle=False) is not None
    assert db.session.scalar(select(func.count(LoginFailure.id))) == 0


def test_concurrent_failures_are_all_counted(app, db, now):
    """Workers recording failures at the same moment: one statement each, none lost."""
    keys = login_keys(SECRET, "camille@example.org", GUESSER)
    workers, errors = 8, []

    def fail_once():
        from marketplace.extensions import db as shared

        with app.app_context():
            try:
                record_failure(shared.session, keys, now)
                shared.session.commit()
            except Exception as error:  # noqa: BLE001  (reported below)
                errors.append(error)

    threads = [threading.Thread(target=fail_once) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors and not any(thread.is_alive() for thread in threads)
    db.session.expire_all()
    assert db.session.scalar(select(LoginFailure.failures)) == workers


def test_users_compare_as_people_whatever_their_login(db, now):
    user = StaffFactory()
    db.session.commit()
    open_login(db.session, user, remember=False, now=now)
    db.session.refresh(user)
    db.session.expunge(user)
    copy = db.session.get(User, user.id)  # another object, without a login
    assert copy is not user and copy == user and operator.ne(copy, user) is False
    assert StaffFactory() != user
