"""Every paid order lands in the selling venue's own contact base (DESIGN.md rule 6).

These functions run inside the caller's transaction (the payment confirmation or the
cancellation), flush, and never commit: the buyer lands exactly when the order is paid.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from marketplace.domain.catalog.models import Performance, Show, Venue
from marketplace.domain.contacts.models import Contact
from marketplace.domain.contacts.stages import WINDOW, stage_for
from marketplace.domain.contacts.webhooks import contact_payload, queue_webhook
from marketplace.domain.db import insert_once
from marketplace.domain.inventory.models import Release
from marketplace.domain.orders.models import Order


def normalise_email(email: str) -> str:
    """The form an e-mail is stored and matched in: trimmed and lower-cased."""
    return email.strip().lower()


def record_paid_order(session: Session, order: Order, now: datetime) -> Contact:
    """Upsert the buyer into the venue's contacts, fold the order into their history.

    Sets `order.contact_id` and `order.new_to_venue`, and queues the venue's webhook.
    """
    email = normalise_email(order.buyer_email or "")
    insert_once(session, Contact, {
        "venue_id": order.venue_id, "email": email, "name": order.buyer_name or "",
        "postcode": order.buyer_postcode or "", "source": "kiosque", "stage": "contact",
        "purchases": 0, "amount_cents": 0, "disciplines": [], "marketing_consent": False,
        "notes": "", "created_at": now, "updated_at": now,
    }, key=("venue_id", "email"))
    # Lock the row: two orders of one buyer paid at once must both be counted.
    contact = session.scalars(
        select(Contact).where(Contact.venue_id == order.venue_id, Contact.email == email)
        .with_for_update().execution_options(populate_existing=True)
    ).one()
    order.new_to_venue = contact.purchases == 0
    order.contact_id = contact.id
    contact.name = order.buyer_name or contact.name
    contact.postcode = order.buyer_postcode or contact.postcode
    contact.birth_year = order.buyer_birth_year or contact.birth_year
    discipline = _discipline_of(session, order)
    contact.disciplines = sorted({*(contact.disciplines or []), discipline})
    if order.marketing_consent and not contact.marketing_consent:
        # Opt-in only: an unticked box at a later purchase does not withdraw consent.
        contact.marketing_consent = True
        contact.consent_at = now
        contact.consent_text = order.consent_text
    session.flush()
    _refold_history(session, contact, now)
    queue_webhook(session, session.get(Venue, order.venue_id), event="contact.purchase",
                  dedup_key=f"contact.purchase:{order.id}", now=now,
                  payload=contact_payload(contact, order=order))
    return contact


def record_cancelled_order(session: Session, order: Order, now: datetime) -> Contact | None:
    """Take a cancelled or refunded order out of its buyer's history (after its status changed)."""
    if order.contact_id is None:
        return None  # never paid, or paid and refunded at once: it never landed
    session.flush()  # the new status, for the history refolded from the paid orders
    contact = session.scalars(
        select(Contact).where(Contact.id == order.contact_id)
        .with_for_update().execution_options(populate_existing=True)
    ).one()
    _refold_history(session, contact, now)
    queue_webhook(session, session.get(Venue, order.venue_id), event="contact.order_cancelled",
                  dedup_key=f"contact.order_cancelled:{order.id}", now=now,
                  payload=contact_payload(contact, order=order))
    return contact


def refresh_stages(session: Session, now: datetime) -> int:
    """Move contacts whose stage changed with time (lapsing, ageing out); return how many."""
    # Only contacts whose last purchase crossed a 12-month boundary can change stage.
    candidates = session.scalars(
        select(Contact).where(Contact.stage.in_(("first_time", "regular")),
                              Contact.first_purchase_at <= now - WINDOW)
    ).all()
    changed = 0
    for contact in candidates:
        stage = stage_for(_purchase_times(session, contact.id), now)
        if stage != contact.stage:
            contact.stage, contact.updated_at = stage, now
            changed += 1
    session.flush()
    return changed


def _refold_history(session: Session, contact: Contact, now: datetime) -> None:
    """Recompute counts, amounts, first/last purchase and stage from the paid orders."""
    purchases, amount, first, last = session.execute(
        select(func.count(Order.id), func.coalesce(func.sum(Order.total_cents), 0),
               func.min(Order.paid_at), func.max(Order.paid_at))
        .where(Order.contact_id == contact.id, Order.status == "paid")
    ).one()
    contact.purchases, contact.amount_cents = purchases, amount
    contact.first_purchase_at, contact.last_purchase_at = first, last
    contact.stage = stage_for(_purchase_times(session, contact.id), now)
    contact.updated_at = now
    session.flush()


def _purchase_times(session: Session, contact_id: int) -> list[datetime]:
    return list(session.scalars(
        select(Order.paid_at).where(Order.contact_id == contact_id, Order.status == "paid",
                                    Order.paid_at.is_not(None))
    ))


def _discipline_of(session: Session, order: Order) -> str:
    return session.scalar(
        select(Show.discipline)
        .join(Performance, Performance.show_id == Show.id)
        .join(Release, Release.performance_id == Performance.id)
        .where(Release.id == order.release_id)
    )
