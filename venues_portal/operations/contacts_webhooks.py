"""The portal's writes on the webhook log: try a delivery again, send a test event.

Both commit, so that the delivery goes out right after (marketplace.web.after_commit);
a venue's slow server never holds the page, and the scheduler retries what fails.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from marketplace.accounts.access import can
from marketplace.accounts.models import User
from marketplace.catalog.models import Venue
from marketplace.contacts.models import WebhookDelivery
from marketplace.contacts.webhooks import queue_test_event, resend
from marketplace.errors import Conflict, Forbidden, NotFound
from marketplace.inventory.locking import transaction


def resend_delivery(session: Session, venue: Venue, *, actor: User, delivery_id: int,
                    now: datetime) -> None:
    """Put one of the venue's deliveries back in line at once, with a fresh 24 hours."""
    _check(actor, venue)
    with transaction(session):
        if not resend(session, venue, delivery_id, now):
            raise NotFound("This venue has no such delivery.", code="unknown_delivery")


def send_test_event(session: Session, venue: Venue, *, actor: User,
                    now: datetime) -> WebhookDelivery:
    """Send a "test" event to the venue's webhook address (Conflict if it has none)."""
    _check(actor, venue)
    with transaction(session):
        delivery = queue_test_event(session, venue, now)
        if delivery is None:
            raise Conflict("Give your tool's webhook address in the venue profile first.",
                           code="no_webhook_url")
    return delivery


def _check(actor: User, venue: Venue) -> None:
    if not can(actor, venue.id, "manage"):
        raise Forbidden("Only a manager of the venue can handle its webhooks.")
