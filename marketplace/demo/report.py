"""What `demo seed` prints: what the region holds now, what this run added, how to log in."""

from __future__ import annotations

import click

from marketplace.demo.seed import (
    AGENCY_EMAIL,
    PASSWORDS,
    SYNTHETIC_DAYS,
    SeedReport,
    staff_email,
)
from marketplace.demo.summary import SYNTHETIC_SLUG_PREFIX, RegionSummary


def print_report(report: SeedReport, summary: RegionSummary, *, seconds: float) -> None:
    """Print the seed summary and the demo logins on stdout."""
    created = report.created
    added = sum(created.values())
    click.echo(f"Demo region for {report.today.isoformat()} (Europe/Paris): "
               + (f"{added} rows added" if added else "already up to date, nothing added")
               + f" in {seconds:.1f} s.")
    click.echo(f"  venues          {summary.venues:>7}   (+{created['venues']})")
    click.echo(f"  performances    {summary.performances:>7}   (+{created['performances']}); "
               f"{summary.next_week_performances} in the next 7 days")
    click.echo(f"  releases        {summary.releases:>7}   (+{created['releases']}); "
               f"{summary.open_offers} open offers right now")
    click.echo(f"  past orders     {summary.past_paid_orders:>7}   paid (+{created['orders']} "
               f"orders, +{created['tickets']} tickets)")
    click.echo(f"  contacts        {summary.contacts:>7}   (+{created['contacts']})")
    if report.synthetic_venues:
        last = f"{SYNTHETIC_SLUG_PREFIX}{report.synthetic_venues:04d}"
        click.echo(f"Synthetic region (--scale {report.synthetic_venues}): "
                   f"{summary.synthetic_venues} synthetic venues in the database "
                   f"({SYNTHETIC_SLUG_PREFIX}0001 … {last}), ~20 performances each over the "
                   f"next {SYNTHETIC_DAYS} days, two releases each.")
    click.echo("Demo logins (venue portal /portal, agency /agency):")
    example = "la-criee"
    click.echo(f"  venue manager   {staff_email('manager', '<venue-slug>'):<40} "
               f"password {PASSWORDS['manager']}   (e.g. {staff_email('manager', example)})")
    click.echo(f"  box office      {staff_email('box_office', '<venue-slug>'):<40} "
               f"password {PASSWORDS['box_office']}")
    click.echo(f"  agency          {AGENCY_EMAIL:<40} password {PASSWORDS['agency']}")
