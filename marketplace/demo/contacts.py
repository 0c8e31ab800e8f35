"""The demo's buyers in each venue's contact base, consistent with their paid orders."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from marketplace.demo.sales import SalesRows
from marketplace.domain.contacts.models import Contact
from marketplace.domain.contacts.stages import stage_for
from marketplace.domain.orders.models import Order

_FOLDED = ("name", "postcode", "birth_year", "stage", "purchases", "amount_cents", "disciplines",
           "first_purchase_at", "last_purchase_at", "marketing_consent", "consent_at",
           "consent_text", "updated_at")


def settle_contacts(session: Session, rows: SalesRows, now: datetime) -> int:
    """Set each paid order's `new_to_venue` and `contact_id`, upsert its buyer.

    Returns how many contacts were created. Stages come from the same rule as live sales.
    """
    paid = sorted((o for o in rows.orders if o["status"] == "paid"),
                  key=lambda o: (o["paid_at"], o["id"]))
    venue_ids = {o["venue_id"] for o in paid}
    existing = {(c.venue_id, c.email): c for c in session.scalars(
        select(Contact).where(Contact.venue_id.in_(venue_ids)))} if venue_ids else {}
    folded = {key: {name: getattr(c, name) for name in _FOLDED} for key, c in existing.items()}
    times = {key: list(session.scalars(select(Order.paid_at).where(
        Order.contact_id == c.id, Order.status == "paid"))) for key, c in existing.items()}
    created = {}
    for order in rows.orders:
        order["contact_id"] = None
    for order in paid:
        key = (order["venue_id"], order["buyer_email"].strip().lower())
        contact = folded.get(key) or created.get(key)
        order["new_to_venue"] = contact is None or not contact["purchases"]
        if contact is None:
            contact = created[key] = _new_contact(order)
        times.setdefault(key, []).append(order["paid_at"])
        _fold(contact, order, rows.order_disciplines[order["id"]])
        contact["stage"] = stage_for(times[key], now)
    for key, values in folded.items():
        if values["purchases"] != existing[key].purchases:
            for name, value in values.items():
                setattr(existing[key], name, value)
    if created:
        session.execute(insert(Contact.__table__), [
            {"venue_id": venue_id, "email": email, **values}
            for (venue_id, email), values in created.items()
        ])
    ids = {(c.venue_id, c.email): c.id for c in session.scalars(
        select(Contact).where(Contact.venue_id.in_(venue_ids)))} if venue_ids else {}
    for order in paid:
        order["contact_id"] = ids[(order["venue_id"], order["buyer_email"].strip().lower())]
    return len(created)


def _new_contact(order: dict) -> dict:
    return {
        "name": "", "postcode": "", "birth_year": None, "source": "kiosque",
        "stage": "contact", "purchases": 0, "amount_cents": 0, "disciplines": [],
        "first_purchase_at": None, "last_purchase_at": None, "marketing_consent": False,
        "consent_at": None, "consent_text": None, "notes": "", "created_at": order["paid_at"],
        "updated_at": order["paid_at"],
    }


def _fold(contact: dict, order: dict, discipline: str) -> None:
    """Add one paid order (the latest so far) to a contact's history."""
    paid_at = order["paid_at"]
    contact["purchases"] += 1
    contact["amount_cents"] += order["total_cents"]
    contact["first_purchase_at"] = min(filter(None, (contact["first_purchase_at"], paid_at)))
    contact["last_purchase_at"] = max(filter(None, (contact["last_purchase_at"], paid_at)))
    contact["name"], contact["postcode"] = order["buyer_name"], order["buyer_postcode"]
    if order["buyer_birth_year"] is not None:
        contact["birth_year"] = order["buyer_birth_year"]
    contact["disciplines"] = sorted({*(contact["disciplines"] or []), discipline})
    if order["marketing_consent"] and not contact["marketing_consent"]:
        contact["marketing_consent"] = True
        contact["consent_at"] = paid_at
        contact["consent_text"] = order["consent_text"]
    contact["updated_at"] = max(contact["updated_at"] or paid_at, paid_at)
