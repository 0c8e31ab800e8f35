"""A venue's profile: address (located on save), access, transport, contact, webhook; and
the settings its own systems may change through the API (PATCH /venue/me)."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from marketplace.domain.accounts.access import can
from marketplace.domain.accounts.authentication import check_email
from marketplace.domain.accounts.models import User
from marketplace.domain.catalog.geocoding import Geocoder, locate
from marketplace.domain.catalog.models import Venue
from marketplace.domain.catalog.services import check_venue_fields
from marketplace.domain.db import transaction
from marketplace.domain.errors import Forbidden, ValidationFailed
from marketplace.domain.validation import text
from marketplace.outbound import OutboundPolicy, check_url

NOTE_MAX_LENGTH = 2000
# Moving the pin by less than this (about a centimetre) is not moving it.
COORDINATE_EPSILON = 1e-7

NOT_NEEDED, LOCATED, NOT_FOUND, MOVED_BY_HAND = "not_needed", "located", "not_found", "by_hand"


@dataclass(frozen=True)
class ProfileSaved:
    venue: Venue
    position: str  # NOT_NEEDED, LOCATED, NOT_FOUND (coordinates kept) or MOVED_BY_HAND


def new_webhook_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(24)


def update_venue_profile(session: Session, venue: Venue, *, actor: User,
                         fields: Mapping[str, Any], geocoder: Geocoder,
                         webhook_policy: OutboundPolicy, now: datetime) -> ProfileSaved:
    """Save the profile. A changed address is located anew unless the pin was moved by hand;
    a changed webhook address must be one rule 9 allows."""
    if not can(actor, venue.id, "manage"):
        raise Forbidden("Only a manager of the venue can change its profile.")
    checked = check_venue_fields(name=fields.get("name"), city=fields.get("city"),
                                 postcode=fields.get("postcode"), lat=fields.get("lat"),
                                 lng=fields.get("lng"), address=fields.get("address"))
    values = {
        "step_free_access": bool(fields.get("step_free_access")),
        "access_notes": text(fields.get("access_notes"), "access_notes", "The access notes",
                             NOTE_MAX_LENGTH, multiline=True),
        "transport_notes": text(fields.get("transport_notes"), "transport_notes",
                                "The transport notes", NOTE_MAX_LENGTH, multiline=True),
        "getting_home_notes": text(fields.get("getting_home_notes"), "getting_home_notes",
                                   "The getting-home notes", NOTE_MAX_LENGTH, multiline=True),
        "phone": text(fields.get("phone"), "phone", "The phone number", 40),
        "email": check_email(fields["email"]) if fields.get("email") else "",
        "website": _web_address(fields.get("website"), "website", 300),
        **_webhook(venue, fields, webhook_policy),
    }
    lat, lng = checked.lat, checked.lng
    moved = (abs(lat - venue.lat) > COORDINATE_EPSILON
             or abs(lng - venue.lng) > COORDINATE_EPSILON)
    readdressed = ((checked.address, checked.postcode, checked.city)
                   != (venue.address, venue.postcode, venue.city))
    position = MOVED_BY_HAND if moved else NOT_NEEDED
    with transaction(session):
        if readdressed and not moved:
            query = ", ".join(p for p in (checked.address,
                                          f"{checked.postcode} {checked.city}") if p)
            point = locate(session, geocoder, query, now)
            if point is None:
                position = NOT_FOUND
            else:
                lat, lng, position = point.lat, point.lng, LOCATED
        venue.name, venue.city, venue.postcode = checked.name, checked.city, checked.postcode
        venue.address, venue.lat, venue.lng = checked.address, lat, lng
        for name, value in values.items():
            setattr(venue, name, value)
    return ProfileSaved(venue=venue, position=position)


@dataclass(frozen=True)
class SettingsSaved:
    venue: Venue
    generated_secret: str | None  # shown once, to whoever set an address without a secret


def update_venue_settings(session: Session, venue: Venue, *, changes: Mapping[str, Any],
                          webhook_policy: OutboundPolicy) -> SettingsSaved:
    """The venue API's PATCH /venue/me: change only the settings given, all or none.

    Each setting is one entry here; a field the schema does not know never arrives.
    """
    values: dict[str, Any] = {}
    generated = None
    if "webhook_url" in changes or "webhook_secret" in changes:
        given = changes.get("webhook_secret")
        values.update(_webhook(venue, {"webhook_url": changes.get("webhook_url",
                                                                  venue.webhook_url),
                                       "webhook_secret": given}, webhook_policy))
        if values["webhook_url"] and not (given or venue.webhook_secret):
            generated = values["webhook_secret"]
    with transaction(session):
        for name, value in values.items():
            setattr(venue, name, value)
    return SettingsSaved(venue=venue, generated_secret=generated)


def _web_address(value: object, field: str, max_length: int) -> str:
    url = text(value, field, "The address", max_length)
    if url and not url.startswith(("https://", "http://")):
        raise ValidationFailed("A web address starts with https:// or http://.", field=field)
    return url


def _webhook(venue: Venue, fields: Mapping[str, Any],
             policy: OutboundPolicy) -> dict[str, str | None]:
    url = text(fields.get("webhook_url"), "webhook_url", "The webhook address", 500) or None
    if url is None:
        return {"webhook_url": None, "webhook_secret": fields.get("webhook_secret")
                or venue.webhook_secret}
    # Rule 9 on a new address. An unchanged one is not looked up again here (a resolver
    # hiccup must not block editing the venue's opening hours): every call checks it.
    if url != venue.webhook_url:
        check_url(url, policy, field="webhook_url")
    secret = fields.get("webhook_secret") or venue.webhook_secret
    if fields.get("new_webhook_secret") or not secret:
        secret = new_webhook_secret()
    return {"webhook_url": url, "webhook_secret": secret}
