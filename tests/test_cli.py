"""The command line: `token issue` and `venue add` print their result and nothing else."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from marketplace.domain.accounts.models import ApiToken
from marketplace.domain.catalog.models import Venue
from tests.factories import VenueFactory


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(args=list(args))


def _count(db, column) -> int:
    return db.session.scalar(select(func.count(column)))


def test_venue_token_is_one_line_that_opens_the_venue_api(db, cli, client):
    VenueFactory(slug="la-criee", name="La Criée")
    db.session.commit()
    result = cli("token", "issue", "--venue", "la-criee")
    assert result.exit_code == 0, result.output
    assert result.stdout.count("\n") == 1
    token = result.stdout.strip()
    assert result.stdout == token + "\n"
    response = client.get("/api/v1/venue/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.get_json()["slug"] == "la-criee"


def test_agency_token_is_one_line_that_does_not_open_the_venue_api(db, cli, client):
    result = cli("token", "issue", "--agency")
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    assert result.stdout == token + "\n" and " " not in token
    stored = db.session.scalar(select(ApiToken))
    assert (stored.scope, stored.venue_id) == ("agency", None)
    response = client.get("/api/v1/venue/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


def test_token_for_an_unknown_venue_fails_on_stderr(db, cli):
    result = cli("token", "issue", "--venue", "nowhere")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "nowhere" in result.stderr
    assert _count(db, ApiToken.id) == 0


@pytest.mark.parametrize("args", [(), ("--agency", "--venue", "la-criee")])
def test_token_needs_exactly_one_of_venue_or_agency(db, cli, args):
    VenueFactory(slug="la-criee")
    db.session.commit()
    result = cli("token", "issue", *args)
    assert result.exit_code != 0
    assert result.stdout == ""
    assert "exactly one" in result.stderr
    assert _count(db, ApiToken.id) == 0


def test_venue_add_prints_only_the_new_slug(db, cli):
    result = cli("venue", "add", "--name", "Théâtre du Gymnase", "--city", "Marseille",
                 "--postcode", "13001", "--lat", "43.2986", "--lng", "5.3795",
                 "--address", "4 rue du Théâtre-Français")
    assert result.exit_code == 0, result.output
    assert result.stdout == "theatre-du-gymnase\n"
    venue = db.session.scalar(select(Venue))
    assert (venue.slug, venue.city, venue.postcode) == ("theatre-du-gymnase", "Marseille", "13001")
    assert venue.address == "4 rue du Théâtre-Français"
    again = cli("venue", "add", "--name", "Théâtre du Gymnase", "--city", "Marseille",
                "--postcode", "13001", "--lat", "43.2986", "--lng", "5.3795")
    assert again.stdout == "theatre-du-gymnase-2\n"


@pytest.mark.parametrize(("option", "value", "hint"), [
    ("--name", "  ", "name"),
    ("--postcode", "1300", "postcode"),
    ("--postcode", "13a01", "postcode"),
    ("--lat", "91", "lat"),
    ("--lng", "-200", "lng"),
    ("--lat", "north", "lat"),
])
def test_venue_add_refuses_bad_input_and_adds_nothing(db, cli, option, value, hint):
    fields = {"--name": "Le Silo", "--city": "Marseille", "--postcode": "13002",
              "--lat": "43.3108", "--lng": "5.3663"} | {option: value}
    result = cli("venue", "add", *[part for pair in fields.items() for part in pair])
    assert result.exit_code != 0
    assert result.stdout == ""
    assert hint in result.stderr
    assert _count(db, Venue.id) == 0


def test_push_keys_prints_a_vapid_pair_the_app_can_use(cli):
    from marketplace.domain.push.channel import push_channel

    result = cli("push", "keys")
    assert result.exit_code == 0
    private_line, public_line = result.output.strip().splitlines()
    private = private_line.removeprefix("VAPID_PRIVATE_KEY=")
    public = public_line.rsplit(" ", 1)[1]
    assert push_channel({"VAPID_PRIVATE_KEY": private}).public_key == public
    assert cli("push", "keys").output != result.output  # a new pair each time
