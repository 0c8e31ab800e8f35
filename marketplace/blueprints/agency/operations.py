"""The agency's writes: onboarding venues (invite, suspend, reinstate) and its own team.

Each function checks the actor's agency role, owns its transaction, and queues its
e-mail inside it (sent after the commit). Invitations use the accounts' signed links:
an invited venue manager chooses a password on the portal's invitation page, an
invited colleague on the agency's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from marketplace.blueprints.agency.access import AGENCY_ROLES, agency_can
from marketplace.domain.accounts.authentication import check_email, find_user
from marketplace.domain.accounts.mail import ComposeEmail
from marketplace.domain.accounts.memberships import INVITATION_LIFETIME
from marketplace.domain.accounts.memberships import PURPOSE as INVITATION
from marketplace.domain.accounts.models import Membership, User
from marketplace.domain.accounts.signed_links import make_link_token
from marketplace.domain.catalog.geocoding import Geocoder, locate
from marketplace.domain.catalog.models import Venue
from marketplace.domain.catalog.services import add_venue, check_venue_fields
from marketplace.domain.catalog.towns import find_town
from marketplace.domain.db import transaction
from marketplace.domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from marketplace.domain.mail.mailer import queue_email
from marketplace.domain.validation import text

VENUE_STATUSES = ("active", "suspended")


def _require(actor: User, capability: str) -> None:
    if not agency_can(actor, capability):
        raise Forbidden("Only the agency's staff can do this.")


# Venues -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class VenueOverview:
    venue: Venue
    team: int  # people with access to the venue
    pending: int  # of whom invited but without a password yet


def venues_overview(session: Session) -> list[VenueOverview]:
    """Every venue, by name, with the size of its team and the invitations not yet taken."""
    counts = {venue_id: (team, pending) for venue_id, team, pending in session.execute(
        select(Membership.venue_id, func.count(Membership.id),
               func.count(User.id).filter(User.password_hash.is_(None)))
        .join(User, User.id == Membership.user_id).group_by(Membership.venue_id))}
    venues = session.scalars(select(Venue).order_by(func.lower(Venue.name), Venue.id))
    return [VenueOverview(venue, *counts.get(venue.id, (0, 0))) for venue in venues]


def invite_venue(session: Session, *, actor: User, fields: Mapping[str, Any],
                 manager_email: object, manager_name: object, geocoder: Geocoder | None,
                 secret: str, now: datetime, compose: ComposeEmail) -> Venue:
    """Create a venue and e-mail its manager an invitation to the portal.

    Without coordinates the address is located (stored answers, the geocoder, then the
    region's table of towns by postcode); ValidationFailed when nothing places it.
    """
    _require(actor, "onboard")
    email = check_email(manager_email, field="manager_email")
    name = text(manager_name, "manager_name", "The manager's name", 200)
    with transaction(session):
        lat, lng = _position(session, fields, geocoder, now)
        venue = add_venue(session, name=fields.get("name"), city=fields.get("city"),
                          postcode=fields.get("postcode"), lat=lat, lng=lng,
                          address=fields.get("address") or "",
                          discipline=fields.get("discipline") or "other", now=now)
        manager = find_user(session, email)
        if manager is None:
            manager = User(email=email, name=name, password_hash=None, active=True,
                           created_at=now)
            session.add(manager)
            session.flush()
        session.add(Membership(user=manager, venue_id=venue.id, role="manager", created_at=now))
        session.flush()
        _queue_manager_email(session, venue, manager, actor, secret, now, compose)
    return venue


def resend_venue_invitation(session: Session, *, actor: User, venue_id: object, secret: str,
                            now: datetime, compose: ComposeEmail) -> list[User]:
    """Invite again (fresh links) the venue's managers who have not chosen a password."""
    _require(actor, "onboard")
    with transaction(session):
        venue = _venue(session, venue_id)
        waiting = list(session.scalars(
            select(User).join(Membership, Membership.user_id == User.id)
            .where(Membership.venue_id == venue.id, Membership.role == "manager",
                   User.password_hash.is_(None)).order_by(User.id)))
        if not waiting:
            raise Conflict("Every manager of this venue has already chosen a password.",
                           code="already_active")
        for manager in waiting:
            _queue_manager_email(session, venue, manager, actor, secret, now, compose)
    return waiting


def set_venue_status(session: Session, *, actor: User, venue_id: object, status: str,
                     now: datetime) -> Venue:
    """Suspend a venue (its offers leave the storefront, its API tokens stop) or reinstate it."""
    _require(actor, "onboard")
    if status not in VENUE_STATUSES:
        raise ValidationFailed("Unknown venue status.", field="status")
    with transaction(session):
        venue = _venue(session, venue_id)
        venue.status = status
    return venue


def _venue(session: Session, venue_id: object) -> Venue:
    venue = (session.get(Venue, venue_id)
             if isinstance(venue_id, int) and not isinstance(venue_id, bool) else None)
    if venue is None:
        raise NotFound("No such venue.", code="unknown_venue")
    return venue


def _position(session: Session, fields: Mapping[str, Any], geocoder: Geocoder | None,
              now: datetime) -> tuple[float, float]:
    lat, lng = fields.get("lat"), fields.get("lng")
    if lat is not None and lng is not None:
        return lat, lng
    # Check the address first, so that a bad postcode is reported as such.
    checked = check_venue_fields(name=fields.get("name") or "", city=fields.get("city") or "",
                                 postcode=fields.get("postcode") or "", lat=0, lng=0,
                                 address=fields.get("address") or "")
    if geocoder is not None:
        query = ", ".join(p for p in (checked.address, f"{checked.postcode} {checked.city}") if p)
        point = locate(session, geocoder, query, now)
        if point is not None:
            return point.lat, point.lng
    found = find_town(checked.postcode)
    if found is not None:
        return found[0].lat, found[0].lng
    raise ValidationFailed("This address could not be placed on the map: type its latitude "
                           "and longitude.", field="lat")


def _queue_manager_email(session: Session, venue: Venue, manager: User, inviter: User,
                         secret: str, now: datetime, compose: ComposeEmail) -> None:
    if manager.password_hash is None:
        token = make_link_token(secret, INVITATION, manager, now, v=venue.id)
        message = compose("venue_invitation", user=manager, venue=venue, inviter=inviter,
                          token=token, valid_days=INVITATION_LIFETIME.days)
    else:
        message = compose("venue_added", user=manager, venue=venue, inviter=inviter)
    queue_email(session, dedup_key=f"agency-venue:{venue.id}:{manager.id}:{now.timestamp():.0f}",
                to=manager.email, subject=message.subject, body_text=message.text,
                body_html=message.html, now=now)


# The agency's team ------------------------------------------------------------------------


def agency_team(session: Session) -> list[User]:
    """The people with an agency role, admins first, then by name."""
    return list(session.scalars(select(User).where(User.agency_role.is_not(None))
                                .order_by(User.agency_role, User.name, User.email)))


def invite_colleague(session: Session, *, actor: User, email: object, name: object,
                     role: object, secret: str, now: datetime, compose: ComposeEmail) -> User:
    """Give someone an agency role and e-mail them (a link to choose a password if new)."""
    _require(actor, "team")
    email = check_email(email)
    name = text(name, "name", "The name", 200)
    if role not in AGENCY_ROLES:
        raise ValidationFailed("Choose a role.", field="role")
    with transaction(session):
        user = find_user(session, email)
        if user is not None and user.agency_role is not None:
            raise Conflict("This person is already on the agency's team.",
                           code="already_member", field="email")
        if user is None:
            user = User(email=email, name=name, password_hash=None, active=True,
                        created_at=now)
            session.add(user)
        user.agency_role = role
        session.flush()
        if user.password_hash is None:
            token = make_link_token(secret, INVITATION, user, now, a=role)
            message = compose("colleague_invitation", user=user, inviter=actor, role=role,
                              token=token, valid_days=INVITATION_LIFETIME.days)
        else:
            message = compose("colleague_added", user=user, inviter=actor, role=role)
        queue_email(session, dedup_key=f"agency-team:{user.id}:{now.timestamp():.0f}",
                    to=user.email, subject=message.subject, body_text=message.text,
                    body_html=message.html, now=now)
    return user


def remove_colleague(session: Session, *, actor: User, user_id: object) -> User:
    """Take someone's agency role away (their account stays for any venue they work for)."""
    _require(actor, "team")
    with transaction(session):
        user = (session.get(User, user_id)
                if isinstance(user_id, int) and not isinstance(user_id, bool) else None)
        if user is None or user.agency_role is None:
            raise NotFound("This person is not on the agency's team.", code="unknown_member")
        if user.id == actor.id:
            raise Conflict("You cannot take away your own access; ask another admin.",
                           code="own_access")
        user.agency_role = None
    return user
