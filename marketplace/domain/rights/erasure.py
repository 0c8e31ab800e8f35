"""Erasure (DESIGN.md rule 10): afterwards no table holds the spectator's e-mail, name,
postcode or year of birth, and each venue that held them is told (`contact.erased`).

One scrubber per place where such details live, all listed in SCRUBBERS. A new table
that holds a spectator's details (the waiting list, say) adds one function here and one
line to the list. tests/test_privacy.py reads every text and JSON column of every table
after an erasure, so a forgotten table fails it as soon as the test's buyer is put in it.
The accounting stays: orders keep their seats, amounts and dates; contacts their counts.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import String, case, cast, delete, func, literal, select, update
from sqlalchemy.orm import Session

from marketplace.domain.catalog.models import Venue
from marketplace.domain.contacts.models import Contact, DataLink
from marketplace.domain.contacts.webhooks import forget_in_log, queue_erased_event
from marketplace.domain.feedback.models import Feedback
from marketplace.domain.follows.models import Follow, FollowNotice
from marketplace.domain.inventory.models import WaitlistEntry
from marketplace.domain.mail.models import OutboundEmail
from marketplace.domain.orders.models import Order, PaymentEvent
from marketplace.domain.push.models import PushSubscription
from marketplace.domain.watches.models import Watch, WatchAlert

ERASED = "(erased)"
ERASED_ADDRESS = "erased@invalid"
# Keys of a payment provider's event that name or locate the payer, whatever their value.
PERSONAL_KEYS = frozenset({"email", "customer_email", "receipt_email", "name", "phone",
                           "address", "customer_details", "shipping_details",
                           "billing_details", "birth_year"})


@dataclass(frozen=True)
class Erased:
    """The person being erased: their address, what is theirs, and the values to scrub."""

    email: str  # trimmed, lower-cased
    order_ids: tuple[str, ...]
    contacts: tuple[tuple[int, int], ...]  # (contact id, venue id)
    needles: tuple[str, ...]  # e-mail, names and postcodes, lower-cased, for text and JSON


Scrubber = Callable[[Session, Erased, datetime], int]


def erase_person(session: Session, email: str, now: datetime) -> dict[str, int]:
    """Scrub `email`'s details everywhere and queue `contact.erased` events; flushes only.

    Returns how many rows each scrubber changed, by table."""
    person = _person(session, email)
    counts = {table: scrub(session, person, now) for table, scrub in SCRUBBERS}
    for contact_id, venue_id in person.contacts:
        queue_erased_event(session, session.get(Venue, venue_id), contact_id, person.email, now)
    session.flush()
    return counts


def redacted(value: object, needles: tuple[str, ...]) -> object:
    """`value` (decoded JSON) without personal keys, and with "(erased)" for any string
    that contains one of `needles`."""
    if isinstance(value, dict):
        return {key: None if key in PERSONAL_KEYS else redacted(item, needles)
                for key, item in value.items()}
    if isinstance(value, list):
        return [redacted(item, needles) for item in value]
    if isinstance(value, str) and any(needle in value.lower() for needle in needles):
        return ERASED
    return value


def orders_of(email: str):
    """Orders bought with `email`, whatever case or spaces it was typed with."""
    return func.lower(func.trim(Order.buyer_email)) == email


def _person(session: Session, email: str) -> Erased:
    orders = session.execute(
        select(Order.id, Order.buyer_name, Order.buyer_postcode).where(orders_of(email))
    ).all()
    contacts = session.execute(
        select(Contact.id, Contact.venue_id, Contact.name, Contact.postcode)
        .where(Contact.email == email).order_by(Contact.id)
    ).all()
    values = {email} | {v for o in orders for v in (o.buyer_name, o.buyer_postcode)} \
        | {v for c in contacts for v in (c.name, c.postcode)}
    needles = tuple(sorted({v.strip().lower() for v in values if v and len(v.strip()) >= 3}))
    return Erased(email=email, order_ids=tuple(o.id for o in orders),
                  contacts=tuple((c.id, c.venue_id) for c in contacts), needles=needles)


def _webhook_log(session: Session, person: Erased, now: datetime) -> int:
    return forget_in_log(session, person.email, now)


def _payment_events(session: Session, person: Erased, now: datetime) -> int:
    # The provider's own copy of the checkout (Stripe's session names and e-mails the payer).
    events = session.scalars(
        select(PaymentEvent).where(PaymentEvent.order_id.in_(person.order_ids))).all()
    for event in events:
        event.payload = redacted(event.payload, person.needles)
    return len(events)


def _feedback(session: Session, person: Erased, now: datetime) -> int:
    # A comment is free text: it may sign with a name. The rating stays, anonymous.
    return session.execute(
        update(Feedback).where(Feedback.order_id.in_(person.order_ids))
        .values(comment="", updated_at=now).execution_options(synchronize_session=False)
    ).rowcount


def _emails(session: Session, person: Erased, now: datetime) -> int:
    """The e-mail log: addressee, subject and bodies go; e-mails not yet sent never will."""
    row = OutboundEmail
    return session.execute(
        update(row).where(func.lower(func.trim(row.to_address)) == person.email)
        .values(to_address=ERASED_ADDRESS, subject=ERASED, body_text=ERASED, body_html=None,
                unsubscribe_url=None,
                status=case((row.status == "queued", "failed"), else_=row.status),
                # An SMTP refusal quotes the address it refused.
                last_error=case((row.status == "queued", "not sent: erased"), else_=None),
                # Keys of older e-mails (links asked for) carried the address itself.
                dedup_key=case((func.lower(row.dedup_key).contains(person.email, autoescape=True),
                                literal("erased:") + cast(row.id, String)),
                               else_=row.dedup_key))
        .execution_options(synchronize_session=False)
    ).rowcount


def _watches(session: Session, person: Erased, now: datetime) -> int:
    theirs = select(Watch.id).where(Watch.email == person.email)
    session.execute(delete(WatchAlert).where(WatchAlert.watch_id.in_(theirs))
                    .execution_options(synchronize_session=False))
    return session.execute(delete(Watch).where(Watch.email == person.email)
                           .execution_options(synchronize_session=False)).rowcount


def _follows(session: Session, person: Erased, now: datetime) -> int:
    theirs = select(Follow.id).where(Follow.email == person.email)
    session.execute(delete(FollowNotice).where(FollowNotice.follow_id.in_(theirs))
                    .execution_options(synchronize_session=False))
    return session.execute(delete(Follow).where(Follow.email == person.email)
                           .execution_options(synchronize_session=False)).rowcount


def _push_subscriptions(session: Session, person: Erased, now: datetime) -> int:
    # A browser's endpoint and keys are theirs too: no notification reaches it any more.
    return session.execute(delete(PushSubscription)
                           .where(PushSubscription.email == person.email)
                           .execution_options(synchronize_session=False)).rowcount


def _data_links(session: Session, person: Erased, now: datetime) -> int:
    # The link that asked for the erasure dies with it.
    return session.execute(delete(DataLink).where(DataLink.email == person.email)
                           .execution_options(synchronize_session=False)).rowcount


def _orders(session: Session, person: Erased, now: datetime) -> int:
    return session.execute(
        update(Order).where(Order.id.in_(person.order_ids))
        .values(buyer_email=None, buyer_name=None, buyer_postcode=None, buyer_birth_year=None,
                anonymised_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount


def _contacts(session: Session, person: Erased, now: datetime) -> int:
    tag = hashlib.sha256(person.email.encode()).hexdigest()[:12]
    return session.execute(
        update(Contact).where(Contact.email == person.email)
        .values(email=literal(f"erased-{tag}-") + cast(Contact.id, String) + "@invalid",
                name="", postcode="", birth_year=None, marketing_consent=False,
                consent_text=None, notes="", search_text="", updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount


def _waitlist(session: Session, person: Erased, now: datetime) -> int:
    # The line's figures stay (the agency counts entries); the person leaves it.
    tag = hashlib.sha256(person.email.encode()).hexdigest()[:12]
    return session.execute(
        update(WaitlistEntry).where(WaitlistEntry.email == person.email)
        .values(email=literal(f"erased-{tag}-") + cast(WaitlistEntry.id, String) + "@invalid",
                status=case((WaitlistEntry.status.in_(("waiting", "offered")), "left"),
                            else_=WaitlistEntry.status),
                ended_at=func.coalesce(WaitlistEntry.ended_at, now))
        .execution_options(synchronize_session=False)
    ).rowcount


# Every place a spectator's details live. Each works from what `_person` read beforehand,
# so their order does not matter.
SCRUBBERS: tuple[tuple[str, Scrubber], ...] = (
    ("webhook_deliveries", _webhook_log),
    ("payment_events", _payment_events),
    ("feedback", _feedback),
    ("outbound_emails", _emails),
    ("watches", _watches),
    ("follows", _follows),
    ("push_subscriptions", _push_subscriptions),
    ("data_links", _data_links),
    ("orders", _orders),
    ("contacts", _contacts),
    ("waitlist_entries", _waitlist),
)
