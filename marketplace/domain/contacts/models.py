"""Each venue's own contact base, and the webhooks that carry it to the venue's tools."""

from __future__ import annotations

import unicodedata
from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.domain.db import Base, UTCDateTime
from marketplace.domain.timeutil import utcnow

STAGES = ("contact", "first_time", "regular", "lapsed")
SEARCH_TEXT_LENGTH = 600


def folded(text: str | None) -> str:
    """`text` as searches compare it: lower-case, without accents ("Hélène" → "helene")."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def search_text_for(name: str | None, email: str | None, postcode: str | None) -> str:
    """What the portal's search box looks into: name, e-mail and postcode, folded."""
    return " ".join(folded(part).strip() for part in (name, email, postcode)
                    if part)[:SEARCH_TEXT_LENGTH]


def _search_text_default(context) -> str:
    # Core INSERTs too (insert_once, the demo seed): computed from the row being inserted.
    row = context.get_current_parameters()
    return search_text_for(row.get("name"), row.get("email"), row.get("postcode"))

# An erased contact's e-mail becomes "erased-<tag>-<id>@invalid" (SQL LIKE pattern).
ERASED_EMAIL_PATTERN = "erased-%@invalid"


class Contact(Base):
    __tablename__ = "contacts"
    __table_args__ = (
        # The e-mail is stored trimmed and lower-cased, so this is case-insensitive.
        UniqueConstraint("venue_id", "email"),
        CheckConstraint(
            "stage IN ('contact', 'first_time', 'regular', 'lapsed')", name="stage_known"
        ),
        CheckConstraint("purchases >= 0", name="purchases_not_negative"),
        CheckConstraint("amount_cents >= 0", name="amount_not_negative"),
        Index("ix_contacts_venue_updated", "venue_id", "updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    venue_id: Mapped[int] = mapped_column(ForeignKey("venues.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(200), default="")
    postcode: Mapped[str] = mapped_column(String(10), default="")
    birth_year: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(20), default="kiosque")
    stage: Mapped[str] = mapped_column(String(20), default="contact")
    purchases: Mapped[int] = mapped_column(Integer, default=0)
    amount_cents: Mapped[int] = mapped_column(Integer, default=0)
    disciplines: Mapped[list] = mapped_column(JSON, default=list)
    first_purchase_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_purchase_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    marketing_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    consent_text: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # Kept in step with name, e-mail and postcode (on insert and on every ORM update).
    search_text: Mapped[str] = mapped_column(String(SEARCH_TEXT_LENGTH),
                                             default=_search_text_default, server_default="")


@event.listens_for(Contact, "before_update")
def _refresh_search_text(_mapper, _connection, contact: Contact) -> None:
    contact.search_text = search_text_for(contact.name, contact.email, contact.postcode)


class WebhookDelivery(Base):
    """One signed notification to a venue's own system, retried until it lands."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        CheckConstraint(
            "status IN ('pending', 'delivered', 'failed')", name="status_known"
        ),
        Index("ix_webhook_deliveries_status_next", "status", "next_attempt_at"),
        # The portal's delivery log: a venue's newest first, a page at a time.
        Index("ix_webhook_deliveries_venue_created", "venue_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    venue_id: Mapped[int] = mapped_column(ForeignKey("venues.id", ondelete="CASCADE"), index=True)
    event: Mapped[str] = mapped_column(String(60))
    dedup_key: Mapped[str] = mapped_column(String(200), unique=True)
    payload: Mapped[dict] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DataLink(Base):
    """A "Mes données" link asked for by an e-mail address: its token, hashed, until it expires.

    The link carries only the random token; the address it opens stays here. An erasure
    deletes the address's links, so the link that asked for it stops working at once.
    """

    __tablename__ = "data_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
