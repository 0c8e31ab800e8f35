"""Onboarding a venue: checked fields, and a unique readable slug from its name."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from marketplace.domain.catalog.models import Venue
from marketplace.domain.catalog.services import SLUG_MAX_LENGTH, add_venue, slugify
from marketplace.domain.errors import ValidationFailed
from tests.factories import VenueFactory

GYMNASE = {"name": "Théâtre du Gymnase", "city": "Marseille", "postcode": "13001",
           "lat": 43.2986, "lng": 5.3795, "address": "4 rue du Théâtre-Français"}


@pytest.mark.parametrize(("name", "slug"), [
    ("Théâtre du Gymnase", "theatre-du-gymnase"),
    ("La Criée – Théâtre national de Marseille", "la-criee-theatre-national-de-marseille"),
    ("Théâtre d'Arles", "theatre-d-arles"),
    ("  Cœur de Scène & Cie  ", "coeur-de-scene-cie"),
    ("Salle n°2 — Ça Déménage !", "salle-n-2-ca-demenage"),
    ("!!!", "venue"),
])
def test_slug_folds_accents_and_punctuation(name, slug):
    assert slugify(name) == slug


def test_slug_of_a_very_long_name_fits_with_room_for_a_suffix():
    slug = slugify("Théâtre " * 40)
    assert len(slug) <= SLUG_MAX_LENGTH - 8
    assert not slug.endswith("-")
    assert slug.startswith("theatre-theatre")


def test_add_venue_stores_the_checked_fields_under_its_slug(db, now):
    venue = add_venue(db.session, **GYMNASE, discipline="theatre", now=now)
    assert venue.id is not None  # flushed, for the caller to commit
    assert venue.slug == "theatre-du-gymnase"
    assert (venue.name, venue.city, venue.postcode) == ("Théâtre du Gymnase", "Marseille", "13001")
    assert (venue.lat, venue.lng) == (43.2986, 5.3795)
    assert venue.status == "active"
    assert venue.created_at == now


def test_a_second_venue_of_the_same_name_gets_a_numbered_slug(db, now):
    VenueFactory(slug="theatre-du-gymnase-nord")  # a longer slug sharing the prefix is no clash
    slugs = [add_venue(db.session, **GYMNASE, now=now).slug for _ in range(3)]
    assert slugs == ["theatre-du-gymnase", "theatre-du-gymnase-2", "theatre-du-gymnase-3"]


@pytest.mark.parametrize(("change", "field"), [
    ({"name": "   "}, "name"),
    ({"city": ""}, "city"),
    ({"postcode": "1300"}, "postcode"),
    ({"postcode": "13 001"}, "postcode"),
    ({"postcode": "ABCDE"}, "postcode"),
    ({"lat": 91}, "lat"),
    ({"lat": float("nan")}, "lat"),
    ({"lng": -180.5}, "lng"),
    ({"lng": "east"}, "lng"),
])
def test_bad_fields_are_refused_and_nothing_is_added(db, now, change, field):
    with pytest.raises(ValidationFailed) as refused:
        add_venue(db.session, **(GYMNASE | change), now=now)
    assert refused.value.field == field
    assert refused.value.message
    assert db.session.scalar(select(func.count(Venue.id))) == 0


def test_unknown_discipline_is_refused(db, now):
    with pytest.raises(ValidationFailed) as refused:
        add_venue(db.session, **GYMNASE, discipline="karaoke", now=now)
    assert refused.value.field == "discipline"
