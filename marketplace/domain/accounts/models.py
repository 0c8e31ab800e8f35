"""People who log in (venue staff, agency staff) and the API tokens of venue systems."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from marketplace.domain.db import Base, UTCDateTime
from marketplace.domain.timeutil import utcnow

if TYPE_CHECKING:
    from marketplace.domain.catalog.models import Venue

ROLES = ("manager", "box_office")


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(
            "agency_role IS NULL OR agency_role IN ('staff', 'admin')", name="agency_role_known"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str | None] = mapped_column(String(300))
    agency_role: Mapped[str | None] = mapped_column(String(20))
    # The language they last chose ("fr" or "en"): their e-mails are written in it.
    locale: Mapped[str] = mapped_column(String(5), default="fr", server_default="fr")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When they were last told of wrong passwords typed for their address (at most daily).
    failed_login_alert_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set by the one-click "stop" of a digest e-mail: no daily or weekly digest any more.
    digests_stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    # The key of the login this object was loaded through or opened for (not a column):
    # marketplace.domain.accounts.logins sets it (an instance attribute; None on the class).
    login_key = None

    # What Flask-Login asks of a user object, written here so that this domain module needs
    # nothing of Flask (marketplace.blueprints.staff_accounts.sessions does the Flask side).
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:  # Flask-Login refuses sessions of deactivated users
        return self.active

    def get_id(self) -> str:
        """What Flask-Login keeps in the session and the "stay logged in" cookie: the key of
        this browser's login, not the user's id, so that ending the login (logging out, a
        new password) refuses every copy of those cookies."""
        if not self.login_key:
            raise RuntimeError("no login opened: use marketplace.domain.accounts.logins.open_login")
        return self.login_key

    # The same person is equal whichever login they came through (compared by user id).
    __hash__ = object.__hash__

    def __eq__(self, other: object) -> bool:
        if isinstance(other, User):
            return self is other or (self.id is not None and self.id == other.id)
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method="scrypt")

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    def role_at(self, venue_id: int) -> str | None:
        """This person's role at a venue, or None when they do not work there."""
        return next((m.role for m in self.memberships if m.venue_id == venue_id), None)


class Membership(Base):
    """A person's role at one venue; one person may work for several venues."""

    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("user_id", "venue_id"),
        CheckConstraint("role IN ('manager', 'box_office')", name="role_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    venue_id: Mapped[int] = mapped_column(ForeignKey("venues.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(back_populates="memberships")
    venue: Mapped[Venue] = relationship()


class LoginSession(Base):
    """One browser's login of a person (the phone at the door, the office laptop...).

    The browser's cookies carry a random key, stored here only as a hash; the login
    lasts while its row does, so deleting the row logs that browser out for good.
    """

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    remember: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class LoginFailure(Base):
    """Wrong passwords typed for one address from one client address, for the login backoff.

    Both addresses are kept only as keyed digests (HMAC with the app's secret): the
    table never holds an e-mail address or an IP address in clear.
    """

    __tablename__ = "login_failures"
    __table_args__ = (UniqueConstraint("account_key", "client_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_key: Mapped[str] = mapped_column(String(64), index=True)
    client_key: Mapped[str] = mapped_column(String(64))
    failures: Mapped[int] = mapped_column(Integer)
    first_failure_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_failure_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


def hash_token(token: str) -> str:
    """The stored form of an API token: its SHA-256 (tokens are random, no salt needed)."""
    return hashlib.sha256(token.encode()).hexdigest()


class ApiToken(Base):
    """A bearer token for a venue's system or for the agency, stored only as a hash."""

    __tablename__ = "api_tokens"
    __table_args__ = (
        CheckConstraint("scope IN ('venue', 'agency')", name="scope_known"),
        CheckConstraint(
            "(scope = 'venue' AND venue_id IS NOT NULL) OR (scope = 'agency' AND venue_id IS NULL)",
            name="scope_matches_venue",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    scope: Mapped[str] = mapped_column(String(10))
    venue_id: Mapped[int | None] = mapped_column(ForeignKey("venues.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    venue: Mapped[Venue | None] = relationship()

    @staticmethod
    def generate() -> str:
        """A new random token, prefixed so that leaked tokens are easy to recognise."""
        return "kq_" + secrets.token_urlsafe(32)
