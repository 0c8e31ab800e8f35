"""People who log in (venue staff, agency staff) and the API tokens of venue systems."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from marketplace.db import Base, UTCDateTime
from marketplace.timeutil import utcnow

if TYPE_CHECKING:
    from marketplace.catalog.models import Venue

ROLES = ("manager", "box_office")


class User(UserMixin, Base):
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
    # Set by the one-click "stop" of a digest e-mail: no daily or weekly digest any more.
    digests_stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    @property
    def is_active(self) -> bool:  # Flask-Login refuses sessions of deactivated users
        return self.active

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
