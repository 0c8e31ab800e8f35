"""Every model, imported once so the metadata is complete (Alembic and create_all read it)."""

from marketplace.accounts.models import ApiToken, Membership, User
from marketplace.catalog.models import DISCIPLINES, GeocodedPlace, Performance, Show, Venue
from marketplace.contacts.models import Contact, DataLink, WebhookDelivery
from marketplace.feedback.models import Feedback
from marketplace.inventory.models import Hold, Release
from marketplace.mail.models import JobRun, OutboundEmail
from marketplace.orders.models import Order, Payment, PaymentEvent, Ticket
from marketplace.watches.models import Watch, WatchAlert

__all__ = [
    "DISCIPLINES",
    "ApiToken",
    "Contact",
    "DataLink",
    "Feedback",
    "GeocodedPlace",
    "Hold",
    "JobRun",
    "Membership",
    "Order",
    "OutboundEmail",
    "Payment",
    "PaymentEvent",
    "Performance",
    "Release",
    "Show",
    "Ticket",
    "User",
    "Venue",
    "Watch",
    "WatchAlert",
    "WebhookDelivery",
]
