"""The venue profile: a new address is located on save (a fake geocoder, never the network)."""

from __future__ import annotations

from html import unescape

import pytest
from sqlalchemy import func, select

from marketplace.domain.catalog.geocoding import GeocodingUnavailable, GeoPoint, locate
from marketplace.domain.models import GeocodedPlace
from tests.factories import MembershipFactory, VenueFactory, log_in
from tests.webhook_receiver import PUBLIC_IP


class FakeGeocoder:
    """Knows a few addresses; counts the questions asked."""

    def __init__(self, places: dict[str, GeoPoint] | None = None, down: bool = False) -> None:
        self.places = places or {}
        self.down = down
        self.asked: list[str] = []

    def geocode(self, query: str) -> GeoPoint | None:
        self.asked.append(query)
        if self.down:
            raise GeocodingUnavailable("no network")
        return self.places.get(query)


GYMNASE = "4 rue du Théâtre Français, 13001 Marseille"
GYMNASE_POINT = GeoPoint(43.2988, 5.3801, "Théâtre du Gymnase, Marseille")


@pytest.fixture
def geocoder(app):
    fake = FakeGeocoder({GYMNASE: GYMNASE_POINT})
    app.config["GEOCODER"] = fake
    yield fake
    app.config.pop("GEOCODER")


@pytest.fixture
def manager(db, client):
    membership = MembershipFactory(role="manager", venue=VenueFactory(
        name="Théâtre du Gymnase", address="1 place de la Comédie", postcode="13001",
        city="Marseille", lat=43.29, lng=5.37))
    db.session.commit()
    log_in(client, membership.user)
    return membership


def profile_form(venue, **changes) -> dict:
    data = {"name": venue.name, "address": venue.address, "postcode": venue.postcode,
            "city": venue.city, "lat": str(venue.lat), "lng": str(venue.lng),
            "access_notes": "", "transport_notes": "", "getting_home_notes": "", "phone": "",
            "email": "", "website": "", "webhook_url": ""}
    data.update(changes)
    return data


def save(client, manager, **changes):
    return client.post(f"/portal/venues/{manager.venue.slug}/profile",
                       data=profile_form(manager.venue, **changes))


def test_a_new_address_is_located_when_saved(db, client, manager, geocoder):
    response = save(client, manager, address="4 rue du Théâtre Français", step_free_access="y",
                    transport_notes="Métro Noailles.", getting_home_notes="Dernier métro 0h30.")
    assert response.status_code == 302
    venue = manager.venue
    db.session.expire_all()
    assert (venue.lat, venue.lng) == (43.2988, 5.3801)
    assert venue.step_free_access and venue.transport_notes == "Métro Noailles."
    assert geocoder.asked == [GYMNASE]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "vérifiez le repère" in page


def test_an_address_is_asked_once_then_remembered(db, now, geocoder):
    assert locate(db.session, geocoder, GYMNASE, now) == GYMNASE_POINT
    assert locate(db.session, geocoder, "  4 Rue du Théâtre FRANÇAIS,  13001 marseille", now) \
        == GeoPoint(GYMNASE_POINT.lat, GYMNASE_POINT.lng, GYMNASE_POINT.label)
    assert geocoder.asked == [GYMNASE]
    assert db.session.scalar(select(func.count()).select_from(GeocodedPlace)) == 1


def test_an_address_nobody_knows_keeps_the_pin_and_says_so(db, client, manager, geocoder):
    response = save(client, manager, address="99 impasse Inconnue")
    db.session.expire_all()
    assert manager.venue.address == "99 impasse Inconnue"
    assert (manager.venue.lat, manager.venue.lng) == (43.29, 5.37)
    assert "Placez-le à la main" in client.get(response.headers["Location"]).get_data(
        as_text=True)


def test_without_network_the_profile_still_saves(db, client, manager, geocoder):
    geocoder.down = True
    assert save(client, manager, address="4 rue du Théâtre Français").status_code == 302
    db.session.expire_all()
    assert manager.venue.address == "4 rue du Théâtre Français"
    assert (manager.venue.lat, manager.venue.lng) == (43.29, 5.37)


def test_a_pin_moved_by_hand_wins_over_the_geocoder(db, client, manager, geocoder):
    save(client, manager, address="4 rue du Théâtre Français", lat="43.29881", lng="5.38022")
    db.session.expire_all()
    assert (manager.venue.lat, manager.venue.lng) == (43.29881, 5.38022)
    assert geocoder.asked == []


def test_nothing_changed_asks_nothing(db, client, manager, geocoder):
    save(client, manager, phone="04 91 24 35 24")
    assert geocoder.asked == []
    db.session.expire_all()
    assert manager.venue.phone == "04 91 24 35 24"


@pytest.mark.parametrize(("changes", "message"), [
    ({"postcode": "1300"}, "Un code postal français a 5 chiffres."),
    ({"name": ""}, "Le lieu a besoin d'un nom."),
    ({"lat": "91"}, "Une latitude est comprise entre -90 et 90."),
    ({"website": "www.gymnase.fr"}, "Une adresse web commence par https:// ou http://."),
    ({"email": "billetterie"}, "Cette adresse e-mail ne semble pas correcte."),
])
def test_bad_profile_fields_are_explained_and_nothing_changes(db, client, manager, geocoder,
                                                              changes, message):
    response = save(client, manager, **changes)
    assert response.status_code == 422
    assert message in unescape(response.get_data(as_text=True))
    db.session.expire_all()
    assert manager.venue.postcode == "13001" and manager.venue.website == ""


def test_a_webhook_gets_a_signing_secret_that_can_be_renewed(db, client, manager, geocoder,
                                                              dns):
    dns.answers["crm.gymnase.example"] = [PUBLIC_IP]
    save(client, manager, webhook_url="https://crm.gymnase.example/kiosque")
    db.session.expire_all()
    secret = manager.venue.webhook_secret
    assert manager.venue.webhook_url == "https://crm.gymnase.example/kiosque"
    assert secret.startswith("whsec_") and len(secret) > 30
    assert secret in client.get(f"/portal/venues/{manager.venue.slug}/profile").get_data(
        as_text=True)
    save(client, manager, webhook_url="https://crm.gymnase.example/kiosque")
    db.session.expire_all()
    assert manager.venue.webhook_secret == secret
    save(client, manager, webhook_url="https://crm.gymnase.example/kiosque",
         new_webhook_secret="y")
    db.session.expire_all()
    assert manager.venue.webhook_secret != secret
