"""Command line: `flask --app wsgi …` (demo seed, venue add, token issue, transit import,
scheduler).

Each command is a request handler of its own: parse, call one service, commit once, print.
Errors a user can make go to stderr with a non-zero exit; stdout carries only the result.
"""

from __future__ import annotations

import time
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from marketplace.demo.report import print_report
from marketplace.demo.seed import seed_demo
from marketplace.demo.summary import summarize
from marketplace.demo.transit import seed_demo_transit
from marketplace.domain.accounts.services import issue_token
from marketplace.domain.catalog.models import DISCIPLINES, Venue
from marketplace.domain.catalog.services import add_venue
from marketplace.domain.errors import DomainError
from marketplace.domain.push.channel import generate_key_pair
from marketplace.domain.timeutil import utcnow
from marketplace.domain.transit.gtfs import FeedError
from marketplace.domain.transit.importer import import_feed
from marketplace.extensions import db
from marketplace.scheduler.command import scheduler_command

demo_cli = AppGroup("demo", help="The demo region.")
venue_cli = AppGroup("venue", help="Venues.")
token_cli = AppGroup("token", help="API tokens for venue systems and the agency.")
push_cli = AppGroup("push", help="Web Push notifications.")
transit_cli = AppGroup("transit", help="Public transport timetables (GTFS feeds).")


def register_cli(app: Flask) -> None:
    app.cli.add_command(demo_cli)
    app.cli.add_command(venue_cli)
    app.cli.add_command(token_cli)
    app.cli.add_command(push_cli)
    app.cli.add_command(transit_cli)
    app.cli.add_command(scheduler_command)


@demo_cli.command("seed")
@click.option("--scale", type=click.IntRange(min=0), default=0, show_default=True,
              metavar="N", help="Also create N synthetic venues (~20 performances each over "
                                "the next 30 days, two releases each), for benchmarks.")
def demo_seed(scale: int) -> None:
    """Create the demo region (idempotent: running it again the same day changes nothing)."""
    started, now = time.perf_counter(), utcnow()
    report = seed_demo(db.session, now=now, scale=scale)
    db.session.commit()
    feed = seed_demo_transit(db.session, now)  # demonstration timetables, own transaction
    if feed is not None:
        click.echo(f"demonstration timetable {feed.name}: {feed.stops} stops, "
                   f"{feed.routes} routes, {feed.trips} trips")
    print_report(report, summarize(db.session, now), seconds=time.perf_counter() - started)


@venue_cli.command("add")
@click.option("--name", required=True, help="The venue's public name.")
@click.option("--city", required=True)
@click.option("--postcode", required=True, help="5 digits.")
@click.option("--lat", type=float, required=True, help="Latitude, -90 to 90.")
@click.option("--lng", type=float, required=True, help="Longitude, -180 to 180.")
@click.option("--address", default="", help="Street address.")
@click.option("--discipline", type=click.Choice(DISCIPLINES), default="other",
              show_default=True, help="The venue's main discipline.")
def venue_add(name: str, city: str, postcode: str, lat: float, lng: float, address: str,
              discipline: str) -> None:
    """Create a venue and print its slug (and nothing else)."""
    try:
        venue = add_venue(db.session, name=name, city=city, postcode=postcode, lat=lat,
                          lng=lng, address=address, discipline=discipline, now=utcnow())
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from None
    db.session.commit()
    click.echo(venue.slug)


@token_cli.command("issue")
@click.option("--venue", "venue_slug", metavar="SLUG", help="A token for this venue's system.")
@click.option("--agency", is_flag=True, help="A token for the regional agency.")
@click.option("--label", default="issued from the command line", show_default=True,
              help="What the token is for (shown to whoever manages tokens).")
def token_issue(venue_slug: str | None, agency: bool, label: str) -> None:
    """Print one new API token (and nothing else): keep it, it is shown only once."""
    if (venue_slug is None) == (not agency):
        raise click.UsageError("Give exactly one of --venue SLUG or --agency.")
    venue = None
    if venue_slug is not None:
        venue = db.session.scalar(select(Venue).where(Venue.slug == venue_slug))
        if venue is None:
            raise click.ClickException(f"Unknown venue {venue_slug!r}: no venue has that slug.")
        if venue.status != "active":
            click.echo(f"Warning: venue {venue_slug!r} is {venue.status}; its tokens are refused "
                       "until it is active again.", err=True)
    token = issue_token(db.session, venue=venue, label=label, now=utcnow())
    db.session.commit()
    click.echo(token)


@push_cli.command("keys")
def push_keys() -> None:
    """Print a new VAPID key pair: VAPID_PRIVATE_KEY=… (keep it secret) and the public key."""
    private, public = generate_key_pair()
    click.echo(f"VAPID_PRIVATE_KEY={private}")
    click.echo(f"# public key (browsers subscribe with it; the app derives it): {public}")


@transit_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--name", default=None, help="The feed's name (default: the file's name); "
                                           "importing under a name already used replaces "
                                           "that feed.")
def transit_import(path: Path, name: str | None) -> None:
    """Import (or replace) one GTFS feed; print its name and its counts, or why it was
    refused (then nothing changed)."""
    started = time.perf_counter()
    try:
        summary = import_feed(db.session, str(path), name or path.stem, utcnow())
    except FeedError as error:
        raise click.ClickException(f"Feed refused, nothing imported: {error}") from None
    window = (f", service days {summary.starts_on} to {summary.ends_on}"
              if summary.starts_on else "")
    click.echo(f"{summary.name}: {summary.stops} stops, {summary.routes} routes, "
               f"{summary.trips} trips, {summary.stop_times} stop times{window} "
               f"({time.perf_counter() - started:.1f} s)")
