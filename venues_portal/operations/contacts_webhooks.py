"""The webhook log's buttons: try a delivery again (sent after the commit, so a venue's
slow server never holds the page; the scheduler retries what fails), and send a test
event now, answering only delivered or not and the status code (DESIGN.md rule 9).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from marketplace.domain.accounts.access import can
from marketplace.domain.accounts.models import User
from marketplace.domain.catalog.models import Venue
from marketplace.domain.contacts.webhooks import WebhookTestResult, resend, send_test_event
from marketplace.domain.db import transaction
from marketplace.domain.errors import Conflict, Forbidden, NotFound
from marketplace.outbound import OutboundPolicy


def resend_delivery(session: Session, venue: Venue, *, actor: User, delivery_id: int,
                    now: datetime) -> None:
    """Put one of the venue's deliveries back in line at once, with a fresh 24 hours."""
    _check(actor, venue)
    with transaction(session):
        if not resend(session, venue, delivery_id, now):
            raise NotFound("This venue has no such delivery.", code="unknown_delivery")


def send_webhook_test(session: Session, venue: Venue, *, actor: User,
                      policy: OutboundPolicy, now: datetime) -> WebhookTestResult:
    """A manager's « Tester »: send a "test" event to the venue's address now."""
    _check(actor, venue)
    return send_webhook_test_for_venue(session, venue, policy=policy, now=now)


def send_webhook_test_for_venue(session: Session, venue: Venue, *, policy: OutboundPolicy,
                                now: datetime) -> WebhookTestResult:
    """The venue API's test (its token speaks for the venue); Conflict if no address."""
    with transaction(session):
        answer = send_test_event(session, venue, policy, now)
        if answer is None:
            raise Conflict("Give your tool's webhook address in the venue profile first.",
                           code="no_webhook_url")
    return answer


def _check(actor: User, venue: Venue) -> None:
    if not can(actor, venue.id, "manage"):
        raise Forbidden("Only a manager of the venue can handle its webhooks.")
