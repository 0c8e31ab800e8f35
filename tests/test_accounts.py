"""Accounts: logging in, passwords reset by a signed link, invitations, the team, API tokens."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from marketplace.domain.accounts.access import can
from marketplace.domain.accounts.authentication import authenticate, check_new_password
from marketplace.domain.accounts.mail import Email
from marketplace.domain.accounts.memberships import (
    accept_invitation,
    change_role,
    invitation_user,
    invite_member,
    remove_member,
    resend_invitation,
)
from marketplace.domain.accounts.models import ApiToken, Membership, User
from marketplace.domain.accounts.password_strength import (
    OWN_WORDS_HINT,
    ZXCVBN_FEEDBACK,
    WeakPassword,
)
from marketplace.domain.accounts.passwords import (
    change_password,
    request_password_reset,
    reset_link_user,
    reset_password,
)
from marketplace.domain.accounts.services import create_venue_token, find_token, revoke_token
from marketplace.domain.accounts.signed_links import InvalidLink, make_link_token
from marketplace.domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from marketplace.domain.mail.models import OutboundEmail
from tests.factories import STAFF_PASSWORD, MembershipFactory, StaffFactory, VenueFactory

SECRET = "test-secret"
ROOT = Path(__file__).resolve().parent.parent


class Outbox:
    """A composer that remembers what it was asked to write."""

    def __init__(self) -> None:
        self.composed: list[tuple[str, dict]] = []

    def __call__(self, kind: str, **context) -> Email:
        self.composed.append((kind, context))
        token = context.get("token") or ""
        return Email(subject=f"[{kind}]", text=f"link: /t/{token}", html=None)

    @property
    def last_token(self) -> str:
        return self.composed[-1][1]["token"]


@pytest.fixture
def outbox() -> Outbox:
    return Outbox()


def emails(db) -> list[OutboundEmail]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboundEmail).order_by(OutboundEmail.id)))


# Logging in -----------------------------------------------------------------------------


def test_the_right_password_logs_in_and_notes_the_time(db, now):
    user = StaffFactory(email="nadia@la-criee.example")
    db.session.commit()
    assert authenticate(db.session, " Nadia@La-Criee.example ", STAFF_PASSWORD, now) == user
    assert user.last_login_at == now


@pytest.mark.parametrize("password", ["wrong", "", None, STAFF_PASSWORD.upper()])
def test_a_wrong_password_logs_nobody_in(db, now, password):
    StaffFactory(email="nadia@la-criee.example")
    db.session.commit()
    assert authenticate(db.session, "nadia@la-criee.example", password, now) is None


def test_unknown_invited_and_deactivated_people_cannot_log_in(db, now):
    StaffFactory(email="gone@example.org", active=False)
    StaffFactory(email="invited@example.org", password_hash=None)
    db.session.commit()
    for email in ("gone@example.org", "invited@example.org", "nobody@example.org", None):
        assert authenticate(db.session, email, STAFF_PASSWORD, now) is None


def test_passwords_are_stored_as_scrypt_hashes(db):
    user = StaffFactory()
    user.set_password("a long enough password")
    assert user.password_hash.startswith("scrypt:")
    assert "a long enough password" not in user.password_hash


# Roles ----------------------------------------------------------------------------------


def test_a_manager_can_do_everything_and_the_box_office_sales_and_the_door(db):
    venue, other = VenueFactory(), VenueFactory()
    manager = MembershipFactory(venue=venue, role="manager").user
    box_office = MembershipFactory(venue=venue, role="box_office").user
    db.session.flush()
    assert all(can(manager, venue.id, c) for c in ("manage", "sales", "checkin"))
    assert can(box_office, venue.id, "sales") and can(box_office, venue.id, "checkin")
    assert not can(box_office, venue.id, "manage")
    assert not any(can(manager, other.id, c) for c in ("manage", "sales", "checkin"))
    with pytest.raises(ValueError):
        can(manager, venue.id, "everything")


def test_one_person_may_work_for_several_venues_in_different_roles(db):
    first, second = VenueFactory(), VenueFactory()
    person = StaffFactory()
    MembershipFactory(user=person, venue=first, role="manager")
    MembershipFactory(user=person, venue=second, role="box_office")
    db.session.flush()
    assert person.role_at(first.id) == "manager"
    assert person.role_at(second.id) == "box_office"
    assert can(person, first.id, "manage") and not can(person, second.id, "manage")


# Password reset -------------------------------------------------------------------------


def test_a_reset_link_sets_a_new_password_once(db, now, outbox):
    user = StaffFactory(email="camille@example.org")
    db.session.commit()
    request_password_reset(db.session, "Camille@example.org", secret=SECRET, now=now,
                           compose=outbox)
    [email] = emails(db)
    assert email.to_address == "camille@example.org"
    token = outbox.last_token
    assert token in email.body_text

    later = now + timedelta(minutes=30)
    assert reset_link_user(db.session, token, secret=SECRET, now=later) == user
    reset_password(db.session, token, "une nouvelle phrase secrète", secret=SECRET, now=later)
    assert authenticate(db.session, "camille@example.org", "une nouvelle phrase secrète", later)
    assert authenticate(db.session, "camille@example.org", STAFF_PASSWORD, later) is None
    with pytest.raises(InvalidLink):  # the password changed: the link is spent
        reset_password(db.session, token, "encore une autre phrase", secret=SECRET, now=later)


def test_a_reset_link_expires_after_two_hours(db, now, outbox):
    StaffFactory(email="camille@example.org")
    db.session.commit()
    request_password_reset(db.session, "camille@example.org", secret=SECRET, now=now,
                           compose=outbox)
    with pytest.raises(InvalidLink):
        reset_link_user(db.session, outbox.last_token, secret=SECRET,
                        now=now + timedelta(hours=2, minutes=1))


def test_a_reset_for_an_unknown_address_sends_nothing_and_says_nothing(db, now, outbox):
    assert request_password_reset(db.session, "nobody@example.org", secret=SECRET, now=now,
                                  compose=outbox) is None
    assert emails(db) == [] and outbox.composed == []


@pytest.mark.parametrize("forge", [
    lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
    lambda token: "",
    lambda token: "x" * 600,
])
def test_a_tampered_reset_link_is_refused(db, now, outbox, forge):
    StaffFactory(email="camille@example.org")
    db.session.commit()
    request_password_reset(db.session, "camille@example.org", secret=SECRET, now=now,
                           compose=outbox)
    with pytest.raises(InvalidLink):
        reset_link_user(db.session, forge(outbox.last_token), secret=SECRET, now=now)


def test_a_link_signed_with_another_secret_or_for_another_purpose_is_refused(db, now):
    user = StaffFactory()
    db.session.commit()
    with pytest.raises(InvalidLink):
        reset_link_user(db.session, make_link_token("other-secret", "password-reset", user, now),
                        secret=SECRET, now=now)
    with pytest.raises(InvalidLink):  # an invitation link does not reset a password
        reset_link_user(db.session, make_link_token(SECRET, "invitation", user, now),
                        secret=SECRET, now=now)


def test_a_new_password_must_be_long_enough(db, now, outbox):
    StaffFactory(email="camille@example.org")
    db.session.commit()
    request_password_reset(db.session, "camille@example.org", secret=SECRET, now=now,
                           compose=outbox)
    with pytest.raises(ValidationFailed) as refused:
        reset_password(db.session, outbox.last_token, "short", secret=SECRET, now=now)
    assert refused.value.field == "password"


def test_a_new_password_must_be_hard_to_guess_not_only_long(db, now, outbox):
    StaffFactory(email="camille.martin@example.org", name="Camille Martin")
    db.session.commit()
    request_password_reset(db.session, "camille.martin@example.org", secret=SECRET, now=now,
                           compose=outbox)
    with pytest.raises(WeakPassword) as common:
        reset_password(db.session, outbox.last_token, "motdepasse123", secret=SECRET, now=now)
    assert common.value.field == "password" and common.value.code == "weak_password"
    assert "This is similar to a commonly used password." in common.value.hints
    # Her own name is an easy guess for her, not for someone else.
    with pytest.raises(WeakPassword) as own:
        reset_password(db.session, outbox.last_token, "camille martin 2026", secret=SECRET,
                       now=now)
    assert OWN_WORDS_HINT in own.value.hints
    assert check_new_password("camille martin 2026", personal=("leo@example.org", "Léo"))
    reset_password(db.session, outbox.last_token, "la porte du fond", secret=SECRET, now=now)


def test_every_advice_of_the_strength_estimator_is_in_the_catalogue():
    """zxcvbn speaks English: each of its sentences is listed (and so translated) here."""
    import ast

    import zxcvbn.feedback
    from babel.support import Translations

    source = ast.parse(Path(zxcvbn.feedback.__file__).read_text())
    said = {ast.literal_eval(node.args[0]) for node in ast.walk(source)
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "_"}
    assert said == ZXCVBN_FEEDBACK
    french = Translations.load(str(ROOT / "venues_portal" / "translations"), ["fr"])
    untranslated = [m for m in [*said, OWN_WORDS_HINT, WeakPassword.message]
                    if french.gettext(m) == m]
    assert not untranslated


def test_changing_ones_password_needs_the_current_one(db):
    user = StaffFactory()
    db.session.commit()
    with pytest.raises(ValidationFailed) as refused:
        change_password(db.session, user, "not it", "une nouvelle phrase secrète")
    assert refused.value.field == "current_password"
    change_password(db.session, user, STAFF_PASSWORD, "une nouvelle phrase secrète")
    assert user.check_password("une nouvelle phrase secrète")


# Invitations and the team ---------------------------------------------------------------


def test_an_invited_newcomer_chooses_a_password_through_the_link(db, now, outbox):
    membership = MembershipFactory(role="manager")
    venue, manager = membership.venue, membership.user
    db.session.commit()
    invited = invite_member(db.session, venue, inviter=manager, email=" Leo@Example.org ",
                            name="Léo", role="box_office", secret=SECRET, now=now,
                            compose=outbox)
    assert invited.user.email == "leo@example.org"
    assert invited.user.password_hash is None and invited.role == "box_office"
    [email] = emails(db)
    assert email.to_address == "leo@example.org"
    kind, context = outbox.composed[-1]
    assert kind == "invitation" and context["venue"] == venue

    token = outbox.last_token
    assert invitation_user(db.session, token, secret=SECRET, now=now) == invited.user
    user = accept_invitation(db.session, token, name="Léo Martin",
                             password="la porte du fond", secret=SECRET,
                             now=now + timedelta(days=2))
    assert user.name == "Léo Martin"
    assert authenticate(db.session, "leo@example.org", "la porte du fond", now)
    with pytest.raises(InvalidLink):  # used once
        accept_invitation(db.session, token, name="X", password="encore une phrase",
                          secret=SECRET, now=now)


def test_an_invitation_expires_after_a_week(db, now, outbox):
    membership = MembershipFactory(role="manager")
    db.session.commit()
    invite_member(db.session, membership.venue, inviter=membership.user, email="leo@example.org",
                  name="", role="box_office", secret=SECRET, now=now, compose=outbox)
    with pytest.raises(InvalidLink):
        invitation_user(db.session, outbox.last_token, secret=SECRET,
                        now=now + timedelta(days=7, minutes=1))


def test_inviting_someone_who_has_an_account_adds_the_venue_to_it(db, now, outbox):
    membership = MembershipFactory(role="manager")
    elsewhere = MembershipFactory(role="manager")  # works for another venue already
    db.session.commit()
    added = invite_member(db.session, membership.venue, inviter=membership.user,
                          email=elsewhere.user.email, name="", role="box_office",
                          secret=SECRET, now=now, compose=outbox)
    assert added.user == elsewhere.user
    assert outbox.composed[-1][0] == "added_to_venue"
    assert {m.venue_id for m in added.user.memberships} == {membership.venue_id,
                                                           elsewhere.venue_id}
    with pytest.raises(Conflict):
        invite_member(db.session, membership.venue, inviter=membership.user,
                      email=elsewhere.user.email, name="", role="manager", secret=SECRET,
                      now=now, compose=outbox)


@pytest.mark.parametrize(("fields", "field"), [
    ({"email": "not an address", "role": "box_office"}, "email"),
    ({"email": "", "role": "box_office"}, "email"),
    ({"email": "leo@example.org", "role": "owner"}, "role"),
])
def test_a_bad_invitation_is_refused_and_changes_nothing(db, now, outbox, fields, field):
    membership = MembershipFactory(role="manager")
    db.session.commit()
    with pytest.raises(ValidationFailed) as refused:
        invite_member(db.session, membership.venue, inviter=membership.user, name="",
                      secret=SECRET, now=now, compose=outbox, **fields)
    assert refused.value.field == field
    assert db.session.scalars(select(User)).all() == [membership.user]
    assert emails(db) == []


def test_only_a_manager_invites(db, now, outbox):
    box_office = MembershipFactory(role="box_office")
    db.session.commit()
    with pytest.raises(Forbidden):
        invite_member(db.session, box_office.venue, inviter=box_office.user,
                      email="leo@example.org", name="", role="manager", secret=SECRET,
                      now=now, compose=outbox)


def test_an_invitation_can_be_sent_again_until_accepted(db, now, outbox):
    membership = MembershipFactory(role="manager")
    db.session.commit()
    invited = invite_member(db.session, membership.venue, inviter=membership.user,
                            email="leo@example.org", name="", role="box_office",
                            secret=SECRET, now=now, compose=outbox)
    resend_invitation(db.session, membership.venue, inviter=membership.user,
                      membership_id=invited.id, secret=SECRET, now=now + timedelta(days=6),
                      compose=outbox)
    assert len(emails(db)) == 2
    accept_invitation(db.session, outbox.last_token, name="Léo", password="la porte du fond",
                      secret=SECRET, now=now + timedelta(days=12))
    with pytest.raises(Conflict):
        resend_invitation(db.session, membership.venue, inviter=membership.user,
                          membership_id=invited.id, secret=SECRET, now=now, compose=outbox)


def test_a_venue_always_keeps_a_manager(db, now):
    only = MembershipFactory(role="manager")
    db.session.commit()
    venue, manager = only.venue, only.user
    with pytest.raises(Conflict):
        change_role(db.session, venue, actor=manager, membership_id=only.id, role="box_office",
                    now=now)
    with pytest.raises(Conflict):
        remove_member(db.session, venue, actor=manager, membership_id=only.id, now=now)
    second = MembershipFactory(venue=venue, role="manager")
    db.session.commit()
    change_role(db.session, venue, actor=manager, membership_id=only.id, role="box_office",
                now=now)
    assert only.role == "box_office"
    remove_member(db.session, venue, actor=second.user, membership_id=only.id, now=now)
    assert db.session.scalars(select(Membership.user_id)).all() == [second.user_id]


def test_another_venues_member_is_not_found(db, now):
    mine, theirs = MembershipFactory(role="manager"), MembershipFactory(role="manager")
    db.session.commit()
    for action in (
        lambda: change_role(db.session, mine.venue, actor=mine.user, membership_id=theirs.id,
                            role="box_office", now=now),
        lambda: remove_member(db.session, mine.venue, actor=mine.user, membership_id=theirs.id,
                              now=now),
    ):
        with pytest.raises(NotFound):
            action()
    assert theirs.role == "manager"


# API tokens -----------------------------------------------------------------------------


def test_a_token_is_shown_once_stored_hashed_and_stops_working_when_revoked(db, now):
    membership = MembershipFactory(role="manager")
    db.session.commit()
    venue, manager = membership.venue, membership.user
    token = create_venue_token(db.session, venue, actor=manager, label="Billetterie Sirius",
                               now=now)
    stored = db.session.scalar(select(ApiToken))
    assert stored.label == "Billetterie Sirius" and stored.venue_id == venue.id
    assert token not in (stored.token_hash, stored.prefix) and len(stored.token_hash) == 64
    assert find_token(db.session, token, "venue") == stored

    revoke_token(db.session, venue, actor=manager, token_id=stored.id, now=now)
    assert stored.revoked_at == now
    assert find_token(db.session, token, "venue") is None
    revoke_token(db.session, venue, actor=manager, token_id=stored.id,
                 now=now + timedelta(hours=1))
    assert stored.revoked_at == now  # revoking twice changes nothing


def test_tokens_need_a_name_a_manager_and_the_right_venue(db, now):
    membership = MembershipFactory(role="manager")
    box_office = MembershipFactory(venue=membership.venue, role="box_office")
    other = MembershipFactory(role="manager")
    db.session.commit()
    with pytest.raises(ValidationFailed):
        create_venue_token(db.session, membership.venue, actor=membership.user, label=" ",
                           now=now)
    with pytest.raises(Forbidden):
        create_venue_token(db.session, membership.venue, actor=box_office.user, label="x",
                           now=now)
    create_venue_token(db.session, other.venue, actor=other.user, label="theirs", now=now)
    theirs = db.session.scalar(select(ApiToken))
    with pytest.raises(NotFound):
        revoke_token(db.session, membership.venue, actor=membership.user, token_id=theirs.id,
                     now=now)
    assert theirs.revoked_at is None
