"""factory-boy factories for the domain models, persisted through the app's session."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import factory
from factory.alchemy import SQLAlchemyModelFactory

from marketplace.domain.models import Hold, Performance, Release, Show, User, Venue
from marketplace.extensions import db

BASE_TIME = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)


class BaseFactory(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "flush"


class VenueFactory(BaseFactory):
    class Meta:
        model = Venue

    slug = factory.Sequence(lambda n: f"venue-{n}")
    name = factory.Sequence(lambda n: f"Théâtre n°{n}")
    address = "1 place de la Comédie"
    postcode = "13001"
    city = "Marseille"
    lat = 43.2965
    lng = 5.3698
    discipline = "theatre"


class ShowFactory(BaseFactory):
    class Meta:
        model = Show

    venue = factory.SubFactory(VenueFactory)
    title = factory.Sequence(lambda n: f"Le Spectacle {n}")
    discipline = "theatre"
    duration_minutes = 90


class PerformanceFactory(BaseFactory):
    class Meta:
        model = Performance

    show = factory.SubFactory(ShowFactory)
    venue = factory.SelfAttribute("show.venue")
    starts_at = BASE_TIME + timedelta(hours=4)


class ReleaseFactory(BaseFactory):
    """A release on sale since two days before curtain, at its deepest one hour before."""

    class Meta:
        model = Release

    performance = factory.SubFactory(PerformanceFactory)
    venue_id = factory.SelfAttribute("performance.venue.id")
    category = "Placement libre"
    face_price_cents = 3000
    quantity = 20
    start_discount = 25
    max_discount = 80
    curve = "linear"
    sales_open_at = factory.LazyAttribute(lambda o: o.performance.starts_at - timedelta(days=2))
    max_discount_at = factory.LazyAttribute(lambda o: o.performance.starts_at - timedelta(hours=1))
    sales_close_at = factory.LazyAttribute(lambda o: o.performance.starts_at)
    max_per_order = 6
    status = "open"


class HoldFactory(BaseFactory):
    class Meta:
        model = Hold

    release = factory.SubFactory(ReleaseFactory)
    quantity = 1
    unit_price_cents = 1500
    expires_at = BASE_TIME + timedelta(minutes=10)


class UserFactory(BaseFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    name = factory.Sequence(lambda n: f"Person {n}")
    password_hash = None


# Venue staff (the portal) ---------------------------------------------------------------

from marketplace.domain.accounts.models import Membership  # noqa: E402  (this section is appended)

STAFF_PASSWORD = "un mot de passe de test"
_staff_hashes: dict[str, str] = {}


def _staff_password_hash() -> str:
    # scrypt is slow on purpose: hash the shared test password once per run.
    if "hash" not in _staff_hashes:
        from werkzeug.security import generate_password_hash

        _staff_hashes["hash"] = generate_password_hash(STAFF_PASSWORD, method="scrypt")
    return _staff_hashes["hash"]


class StaffFactory(UserFactory):
    """Someone who logs in to the portal with STAFF_PASSWORD."""

    password_hash = factory.LazyFunction(_staff_password_hash)


class MembershipFactory(BaseFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(StaffFactory)
    venue = factory.SubFactory(VenueFactory)
    role = "manager"


def log_in(client, user) -> None:
    """Log `user` (a StaffFactory person) in to the portal through its login form."""
    response = client.post("/portal/login", data={"email": user.email,
                                                  "password": STAFF_PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
