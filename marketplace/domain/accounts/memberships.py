"""The team of a venue: invitations by e-mail, roles, and leaving; always one manager left."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from marketplace.domain.accounts.access import can
from marketplace.domain.accounts.authentication import check_email, check_new_password, find_user
from marketplace.domain.accounts.mail import ComposeEmail
from marketplace.domain.accounts.models import ROLES, Membership, User
from marketplace.domain.accounts.signed_links import linked_user, make_link_token
from marketplace.domain.catalog.models import Venue
from marketplace.domain.db import transaction
from marketplace.domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from marketplace.domain.mail.mailer import queue_email
from marketplace.domain.validation import text

PURPOSE = "invitation"
INVITATION_LIFETIME = timedelta(days=7)


def venue_team(session: Session, venue: Venue) -> list[Membership]:
    """The people who work for the venue, managers first, then by name."""
    return list(session.scalars(
        select(Membership).join(User).where(Membership.venue_id == venue.id)
        .order_by(Membership.role.desc(), User.name, User.email)))


def invite_member(session: Session, venue: Venue, *, inviter: User, email: object,
                  name: object, role: object, secret: str, now: datetime,
                  compose: ComposeEmail) -> Membership:
    """Give someone a role at the venue and e-mail them (a link to choose a password if new)."""
    _require_manager(inviter, venue)
    email = check_email(email)
    name = text(name, "name", "The name", 200)
    if role not in ROLES:
        raise ValidationFailed("Choose a role.", field="role")
    try:
        with transaction(session):
            user = find_user(session, email)
            if user is None:
                user = User(email=email, name=name, password_hash=None, active=True,
                            created_at=now)
                session.add(user)
                session.flush()
            elif user.role_at(venue.id) is not None:
                raise Conflict("This person already works for the venue.",
                               code="already_member", field="email")
            membership = Membership(user=user, venue_id=venue.id, role=role, created_at=now)
            session.add(membership)
            session.flush()
            _queue_welcome(session, membership, venue, inviter, secret, now, compose)
    except IntegrityError:  # the same person invited at the same moment by someone else
        raise Conflict("This person was just added by someone else; reload the page.",
                       code="already_member", field="email") from None
    return membership


def resend_invitation(session: Session, venue: Venue, *, inviter: User, membership_id: object,
                      secret: str, now: datetime, compose: ComposeEmail) -> Membership:
    """Send the invitation again (a fresh link) to someone who has not chosen a password."""
    _require_manager(inviter, venue)
    with transaction(session):
        membership = _venue_membership(session, venue, membership_id)
        if membership.user.password_hash is not None:
            raise Conflict("This person has already chosen a password.", code="already_active")
        _queue_welcome(session, membership, venue, inviter, secret, now, compose)
    return membership


def invitation_user(session: Session, token: str, *, secret: str, now: datetime) -> User:
    """The invited person a live invitation link is for, else InvalidLink."""
    return linked_user(session, secret, PURPOSE, token, now, INVITATION_LIFETIME)


def accept_invitation(session: Session, token: str, *, name: object, password: object,
                      secret: str, now: datetime) -> User:
    """The invited person chooses their password (and name); the link then stops working."""
    user = invitation_user(session, token, secret=secret, now=now)
    name = text(name, "name", "The name", 200, required=True)
    password = check_new_password(password, personal=(user.email, name, user.name))
    with transaction(session):
        user.name = name
        user.set_password(password)
        user.last_login_at = now
    return user


def change_role(session: Session, venue: Venue, *, actor: User, membership_id: object,
                role: object, now: datetime) -> Membership:
    """Make a member manager or box office; the venue always keeps a manager."""
    _require_manager(actor, venue)
    if role not in ROLES:
        raise ValidationFailed("Choose a role.", field="role")
    with transaction(session):
        membership = _venue_membership(session, venue, membership_id)
        if membership.role == "manager" and role != "manager":
            _keep_a_manager(session, venue, leaving=membership)
        membership.role = role
    return membership


def remove_member(session: Session, venue: Venue, *, actor: User, membership_id: object,
                  now: datetime) -> None:
    """Take away someone's access to the venue (their account stays for other venues)."""
    _require_manager(actor, venue)
    with transaction(session):
        membership = _venue_membership(session, venue, membership_id)
        if membership.role == "manager":
            _keep_a_manager(session, venue, leaving=membership)
        session.delete(membership)


def _queue_welcome(session: Session, membership: Membership, venue: Venue, inviter: User,
                   secret: str, now: datetime, compose: ComposeEmail) -> None:
    user = membership.user
    if user.password_hash is None:
        token = make_link_token(secret, PURPOSE, user, now, v=venue.id)
        message = compose("invitation", user=user, venue=venue, inviter=inviter,
                          role=membership.role, token=token,
                          valid_days=INVITATION_LIFETIME.days)
    else:
        message = compose("added_to_venue", user=user, venue=venue, inviter=inviter,
                          role=membership.role)
    queue_email(session, dedup_key=f"invitation:{membership.id}:{now.timestamp():.0f}",
                to=user.email, subject=message.subject, body_text=message.text,
                body_html=message.html, now=now)


def _require_manager(user: User, venue: Venue) -> None:
    if not can(user, venue.id, "manage"):
        raise Forbidden("Only a manager of the venue can change its team.")


def _venue_membership(session: Session, venue: Venue, membership_id: object) -> Membership:
    membership = (session.get(Membership, membership_id)
                  if isinstance(membership_id, int) and not isinstance(membership_id, bool)
                  else None)
    if membership is None or membership.venue_id != venue.id:
        raise NotFound("This person does not work for the venue.", code="unknown_member")
    return membership


def _keep_a_manager(session: Session, venue: Venue, leaving: Membership) -> None:
    # Lock the venue's managers, so that two managers demoting each other at the same
    # moment cannot leave the venue with none (PostgreSQL; SQLite runs one writer at a time).
    managers = session.scalars(
        select(Membership.id).where(Membership.venue_id == venue.id,
                                    Membership.role == "manager").with_for_update()).all()
    if set(managers) <= {leaving.id}:
        raise Conflict("A venue needs at least one manager: name another manager first.",
                       code="last_manager")
