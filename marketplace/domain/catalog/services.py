"""Writes on the catalogue: onboarding a venue (a unique, readable slug from its name)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from marketplace.domain.catalog.models import DISCIPLINES, Venue
from marketplace.domain.errors import ValidationFailed
from marketplace.domain.timeutil import utcnow
from marketplace.domain.validation import one_line

SLUG_MAX_LENGTH = 80
_SLUG_BASE_LENGTH = SLUG_MAX_LENGTH - 8  # room for a "-NNN" suffix on collision
_POSTCODE = re.compile(r"\d{5}")
# Letters NFKD does not decompose into a base letter and an accent.
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss", "ø": "o",
                            "Ø": "o", "ł": "l", "Ł": "l", "đ": "d", "Đ": "d"})


def fold_accents(text: str) -> str:
    """The text with accents dropped and ligatures spelt out ("Cœur d'Été" → "Coeur d'Ete")."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def slugify(name: str) -> str:
    """A lower-case ASCII slug of a name: "Théâtre du Gymnase" → "theatre-du-gymnase"."""
    # Whatever is left that is not a plain letter or digit separates words.
    slug = re.sub(r"[^a-z0-9]+", "-", fold_accents(name).lower()).strip("-")
    if len(slug) > _SLUG_BASE_LENGTH:
        slug = slug[:_SLUG_BASE_LENGTH].rsplit("-", 1)[0] or slug[:_SLUG_BASE_LENGTH]
    return slug or "venue"


def unique_slug(session: Session, name: str) -> str:
    """The slug of `name`, with "-2", "-3", … appended while another venue has it."""
    base = slugify(name)
    taken = set(session.scalars(select(Venue.slug).where(Venue.slug.startswith(base))))
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


@dataclass(frozen=True)
class VenueFields:
    """The checked identity and position of a venue."""

    name: str
    city: str
    postcode: str
    lat: float
    lng: float
    address: str = ""


def check_venue_fields(*, name: str, city: str, postcode: str, lat: float, lng: float,
                       address: str = "") -> VenueFields:
    """Trim and check a venue's fields; raise ValidationFailed naming the first bad one."""
    for field, value in (("name", name), ("city", city), ("postcode", postcode),
                         ("address", address)):
        if isinstance(value, str):
            one_line(value, field)
    name, city = (name or "").strip(), (city or "").strip()
    postcode, address = (postcode or "").strip(), (address or "").strip()
    if not name:
        raise ValidationFailed("The venue needs a name.", field="name")
    if len(name) > 200:
        raise ValidationFailed("The venue name is longer than 200 characters.", field="name")
    if not city:
        raise ValidationFailed("The venue needs a city.", field="city")
    if len(city) > 120:
        raise ValidationFailed("The city is longer than 120 characters.", field="city")
    if len(address) > 300:
        raise ValidationFailed("The address is longer than 300 characters.", field="address")
    if not _POSTCODE.fullmatch(postcode):
        raise ValidationFailed("The postcode must be 5 digits (got %(postcode)r).",
                               field="postcode", params={"postcode": postcode})
    lat, lng = _coordinate(lat, "lat", 90), _coordinate(lng, "lng", 180)
    return VenueFields(name=name, city=city, postcode=postcode, lat=lat, lng=lng,
                       address=address)


def _coordinate(value: float, field: str, bound: int) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValidationFailed("%(field)s must be a number (got %(value)r).", field=field,
                               params={"field": field, "value": value}) from None
    if not -bound <= number <= bound:  # also refuses NaN
        raise ValidationFailed(
            "%(field)s must be between -%(bound)d and %(bound)d (got %(value)s).",
            field=field, params={"field": field, "bound": bound, "value": value})
    return number


def add_venue(session: Session, *, name: str, city: str, postcode: str, lat: float, lng: float,
              address: str = "", discipline: str = "other", step_free_access: bool = False,
              access_notes: str = "", transport_notes: str = "", getting_home_notes: str = "",
              now: datetime | None = None) -> Venue:
    """Create an active venue under a new unique slug; flush only (the caller commits)."""
    fields = check_venue_fields(name=name, city=city, postcode=postcode, lat=lat, lng=lng,
                                address=address)
    if discipline not in DISCIPLINES:
        raise ValidationFailed("Unknown discipline %(discipline)r; expected one of %(choices)s.",
                               field="discipline", params={"discipline": discipline,
                                                           "choices": ", ".join(DISCIPLINES)})
    venue = Venue(
        name=fields.name, city=fields.city, postcode=fields.postcode, lat=fields.lat,
        lng=fields.lng, address=fields.address, discipline=discipline,
        step_free_access=step_free_access, access_notes=access_notes,
        transport_notes=transport_notes, getting_home_notes=getting_home_notes,
        status="active", created_at=now or utcnow(),
    )
    # Another writer may take the same slug between our read and our flush: try again.
    attempts = 0
    while True:
        venue.slug = unique_slug(session, fields.name)
        try:
            with session.begin_nested():
                session.add(venue)
                session.flush()
            return venue
        except IntegrityError:
            attempts += 1
            if attempts == 3:
                raise
