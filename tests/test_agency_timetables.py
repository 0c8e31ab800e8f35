"""The agency's timetables page: staff see the feeds; admins upload (the CLI's import) and
delete them; a broken feed is refused whole; venues and strangers never reach it."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from marketplace.blueprints.agency.timetables import FEED_UPLOAD_LIMIT
from marketplace.domain.transit.gtfs import build_zip
from marketplace.domain.transit.models import TransitFeed, TransitTripStop
from tests.factories import MembershipFactory, StaffFactory, log_in
from tests.transit_feeds import city_feed, regional_feed


def upload(client, data: bytes, name: str = "zou", filename: str = "zou.zip"):
    return client.post("/agency/timetables", data={
        "name": name, "feed": (io.BytesIO(data), filename)},
        content_type="multipart/form-data")


def feeds(db) -> list[tuple[str, int, int]]:
    return [(f.name, f.stops_count, f.trips_count) for f in db.session.scalars(
        select(TransitFeed).order_by(TransitFeed.name))]


@pytest.fixture
def admin(db, client):
    person = StaffFactory(agency_role="admin")
    db.session.commit()
    log_in(client, person)
    return person


def test_an_admin_uploads_a_feed_and_sees_its_counts_and_service_window(db, client, admin):
    response = upload(client, regional_feed())
    assert response.status_code == 302
    french = client.get("/agency/timetables").get_data(as_text=True)
    assert "Horaires « zou » importés : 3 arrêts, 3 lignes, 6 courses." in french
    page = client.get("/agency/timetables?lang=en").get_data(as_text=True)
    assert feeds(db) == [("zou", 3, 6)]
    assert "3 stops, 3 lines, 6 trips" in page
    assert "Service from 1 Nov 2026 to 31 Dec 2026" in page


def test_uploading_under_a_name_again_replaces_that_feed_only(db, client, admin):
    upload(client, regional_feed())
    upload(client, city_feed(), name="rtm", filename="rtm.zip")
    upload(client, city_feed(route="M2"), name="zou")
    assert feeds(db) == [("rtm", 2, 1), ("zou", 2, 1)]
    assert "2 arrêts, 1 ligne, 1 course" in client.get("/agency/timetables").get_data(
        as_text=True)


@pytest.mark.parametrize("data, reason", [
    (b"not a zip at all", "zip"),
    (build_zip({"agency.txt": [{"agency_timezone": "Europe/Paris"}]}), "stops.txt"),
])
def test_a_broken_feed_is_refused_with_its_reason_and_nothing_changes(db, client, admin,
                                                                     data, reason):
    upload(client, regional_feed())
    before = db.session.scalar(select(func.count()).select_from(TransitTripStop))
    response = upload(client, data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Horaires refusés, rien n’a été importé" in page and reason in page
    assert feeds(db) == [("zou", 3, 6)]
    assert db.session.scalar(select(func.count()).select_from(TransitTripStop)) == before


@pytest.mark.parametrize("form, message", [
    ({"name": "zou"}, "Choisissez le fichier .zip des horaires."),
    ({"name": "", "feed": (io.BytesIO(b"x"), "zou.zip")}, "Donnez un nom aux horaires."),
    ({"name": "zou", "feed": (io.BytesIO(b"x"), "zou.txt")},
     "Des horaires GTFS sont un fichier .zip."),
    ({"name": "zoü", "feed": (io.BytesIO(b"x"), "zou.zip")}, "Lettres sans accents"),
])
def test_a_form_without_a_usable_file_or_name_says_what_is_missing(db, client, admin, form,
                                                                  message):
    response = client.post("/agency/timetables", data=form,
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert feeds(db) == []


def test_a_feed_bigger_than_the_limit_is_refused_before_it_is_read(app, db, client, admin,
                                                                   monkeypatch):
    monkeypatch.setattr("marketplace.blueprints.agency.timetables.FEED_UPLOAD_LIMIT", 1000)
    response = upload(client, regional_feed() + b"\0" * 2000)
    assert response.status_code == 413
    assert feeds(db) == []


def test_the_upload_limit_is_far_above_the_sites_other_forms(app):
    assert FEED_UPLOAD_LIMIT == 200 * 1024 * 1024 > app.config["MAX_CONTENT_LENGTH"]



def test_a_feed_above_the_sites_form_limit_is_accepted(app, db, client, admin, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 100)
    assert upload(client, regional_feed()).status_code == 302
    assert feeds(db) == [("zou", 3, 6)]


def test_an_admin_deletes_a_feed_and_everything_of_it(db, client, admin):
    upload(client, regional_feed())
    upload(client, city_feed(), name="rtm")
    feed_id = db.session.scalar(select(TransitFeed.id).where(TransitFeed.name == "zou"))
    response = client.post(f"/agency/timetables/{feed_id}/delete", follow_redirects=True)
    assert "Horaires « zou » supprimés." in response.get_data(as_text=True)
    assert feeds(db) == [("rtm", 2, 1)]
    assert db.session.scalar(select(func.count()).select_from(TransitTripStop)) == 2
    again = client.post(f"/agency/timetables/{feed_id}/delete", follow_redirects=True)
    assert "Ces horaires étaient déjà supprimés." in again.get_data(as_text=True)


def test_agency_staff_see_the_feeds_but_cannot_upload_or_delete(db, client, admin):
    upload(client, regional_feed())
    feed_id = db.session.scalar(select(TransitFeed.id))
    client.post("/portal/logout")
    staff = StaffFactory(agency_role="staff")
    db.session.commit()
    log_in(client, staff)
    page = client.get("/agency/timetables")
    assert page.status_code == 200 and "zou" in page.get_data(as_text=True)
    assert 'enctype="multipart/form-data"' not in page.get_data(as_text=True)
    assert upload(client, city_feed(), name="rtm").status_code == 403
    assert client.post(f"/agency/timetables/{feed_id}/delete").status_code == 403
    assert feeds(db) == [("zou", 3, 6)]


def test_venue_staff_and_strangers_never_reach_the_timetables(db, client):
    assert client.get("/agency/timetables").status_code == 302  # to the login page
    assert upload(client, regional_feed()).status_code == 302
    manager = MembershipFactory(role="manager")
    db.session.commit()
    log_in(client, manager.user)
    assert client.get("/agency/timetables").status_code == 403
    assert upload(client, regional_feed()).status_code == 403
    assert feeds(db) == []
