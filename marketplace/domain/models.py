"""Every model, imported once so the metadata is complete (Alembic and create_all read it)."""

from marketplace.domain.accounts.models import ApiToken, Membership, User
from marketplace.domain.catalog.models import DISCIPLINES, GeocodedPlace, Performance, Show, Venue
from marketplace.domain.contacts.models import Contact, DataLink, WebhookDelivery
from marketplace.domain.feedback.models import Feedback
from marketplace.domain.follows.models import Follow, FollowNotice
from marketplace.domain.inventory.models import Hold, Release, WaitlistEntry
from marketplace.domain.mail.models import JobRun, OutboundEmail
from marketplace.domain.orders.models import Order, Payment, PaymentEvent, Ticket
from marketplace.domain.push.models import Notification, PushSubscription
from marketplace.domain.transit.models import (
    TransitFeed,
    TransitRoute,
    TransitServiceDay,
    TransitStop,
    TransitTrip,
    TransitTripStop,
)
from marketplace.domain.watches.models import Watch, WatchAlert

__all__ = [
    "DISCIPLINES",
    "ApiToken",
    "Contact",
    "DataLink",
    "Feedback",
    "Follow",
    "FollowNotice",
    "GeocodedPlace",
    "Hold",
    "JobRun",
    "Membership",
    "Notification",
    "Order",
    "OutboundEmail",
    "Payment",
    "PaymentEvent",
    "Performance",
    "PushSubscription",
    "Release",
    "Show",
    "Ticket",
    "TransitFeed",
    "TransitRoute",
    "TransitServiceDay",
    "TransitStop",
    "TransitTrip",
    "TransitTripStop",
    "User",
    "Venue",
    "WaitlistEntry",
    "Watch",
    "WatchAlert",
    "WebhookDelivery",
]
