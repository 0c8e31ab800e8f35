"""What the demo region looks like on a given day: a pure function of (venue, calendar date).

Every choice comes from a random generator seeded with a fixed value and the natural key of
what it describes, so the plan of a day never changes: seeding again, the same day or a
later one, finds what it plans already there and adds only the days it has not seen yet.
"""

from __future__ import annotations

import csv
import random
import zlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from importlib import resources

from marketplace.demo.people import nearest_town
from marketplace.demo.programmes import SHOW_POOL, ShowSpec, programme_for
from marketplace.demo.venue_notes import VenueNotes, notes_for
from marketplace.domain.catalog.models import DISCIPLINES
from marketplace.domain.catalog.services import check_venue_fields
from marketplace.domain.timeutil import PARIS

SEED = "kiosque-demo-1"


def rng_for(*key: object) -> random.Random:
    """A generator seeded with the fixed seed and a natural key (stable across runs)."""
    return random.Random(":".join([SEED, *map(str, key)]))


def paris_time(day: date, at: time) -> datetime:
    """The instant (in UTC) a wall clock of the region shows `at` on `day`."""
    # UTC, so that arithmetic on it counts real time across daylight-saving changes.
    return datetime.combine(day, at, tzinfo=PARIS).astimezone(UTC)


def paris_midnight(day: date) -> datetime:
    """The instant (in UTC) a calendar day starts on the region's wall clocks."""
    return paris_time(day, time(0))


@dataclass(frozen=True)
class VenuePlan:
    slug: str
    name: str
    address: str
    postcode: str
    city: str
    lat: float
    lng: float
    discipline: str
    notes: VenueNotes
    shows: tuple[ShowSpec, ...]
    synthetic: bool = False


@dataclass(frozen=True)
class ReleaseSpec:
    category: str
    face_price_cents: int
    quantity: int
    start_discount: int
    max_discount: int
    curve: str
    step_minutes: int | None
    sales_open_at: datetime
    max_discount_at: datetime
    sales_close_at: datetime
    max_per_order: int
    status: str
    demand: str  # "normal" | "nearly_sold_out" | "sold_out" | "none"
    fill: float  # share of the seats sold by curtain when demand is "normal"


@dataclass(frozen=True)
class PerformanceSpec:
    show: ShowSpec
    starts_at: datetime
    releases: tuple[ReleaseSpec, ...]


def region_venues() -> list[VenuePlan]:
    """The real venues of the Région Sud shipped with the app (marketplace/demo/data)."""
    source = resources.files("marketplace.demo").joinpath("data", "venues.csv")
    with source.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    plans = []
    for row in rows:
        fields = check_venue_fields(name=row["name"], city=row["city"], postcode=row["postcode"],
                                    lat=row["lat"], lng=row["lng"], address=row["address"])
        plans.append(VenuePlan(
            slug=row["slug"], name=fields.name, address=fields.address,
            postcode=fields.postcode, city=fields.city, lat=fields.lat, lng=fields.lng,
            discipline=row["kind"] if row["kind"] in DISCIPLINES else "other",
            notes=notes_for(row["slug"]), shows=tuple(programme_for(row["slug"])),
        ))
    return plans


_SYNTHETIC_KINDS = ("Scène", "Salle", "Théâtre", "Espace culturel", "Chapiteau", "Auditorium")


def synthetic_venues(count: int) -> list[VenuePlan]:
    """`count` invented venues spread over the region's bounding box, for benchmarks."""
    plans = []
    for number in range(1, count + 1):
        rng = rng_for("synthetic-venue", number)
        lat, lng = round(rng.uniform(42.98, 44.6), 5), round(rng.uniform(4.6, 7.6), 5)
        town = nearest_town(lat, lng)
        shows = tuple(rng.sample(SHOW_POOL, 3))
        plans.append(VenuePlan(
            slug=f"synthetique-{number:04d}",
            name=f"{rng.choice(_SYNTHETIC_KINDS)} synthétique n° {number} – {town.city}",
            address=f"{rng.randint(1, 120)} avenue de la République", postcode=town.postcode,
            city=town.city, lat=lat, lng=lng, discipline=shows[0].discipline,
            notes=notes_for(""), shows=shows, synthetic=True,
        ))
    return plans


def plan_day(venue: VenuePlan, day: date) -> list[PerformanceSpec]:
    """The performances a venue gives on a calendar day, with their releases."""
    if venue.synthetic:
        return _synthetic_day(venue, day)
    rng = rng_for(venue.slug, day.isoformat())
    evening = [s for s in venue.shows if s.discipline != "family"]
    family = [s for s in venue.shows if s.discipline == "family"]
    # A show runs for a few days in a row before the next one takes the stage.
    run = (day.toordinal() + zlib.crc32(venue.slug.encode())) // 4
    weekday = day.weekday()
    performances = []
    if evening and weekday != 0 and rng.random() < (0.45 if weekday == 6 else 0.75):
        show = evening[run % len(evening)]
        performances.append(_performance(rng, show, day, _curtain(show)))
    if family and weekday in (2, 5, 6) and rng.random() < 0.8:
        show = family[run % len(family)]
        performances.append(_performance(rng, show, day, {2: time(14, 30), 5: time(15, 0),
                                                          6: time(16, 0)}[weekday]))
    return performances


def _synthetic_day(venue: VenuePlan, day: date) -> list[PerformanceSpec]:
    rng = rng_for(venue.slug, day.isoformat())
    if rng.random() >= 2 / 3:
        return []
    show = rng.choice(venue.shows)
    at = time(15, 0) if show.discipline == "family" else _curtain(show)
    starts_at = paris_time(day, at)
    releases = tuple(
        _release(rng, category, _face_price(show, category, euros), starts_at, day,
                 synthetic=True)
        for category, euros in (("Catégorie 1", (22, 38)), ("Catégorie 2", (12, 22))))
    return [PerformanceSpec(show, starts_at, releases)]


def _curtain(show: ShowSpec) -> time:
    """The evening curtain time of a show: every performance of it starts at the same time."""
    choices = ((19, 0), (19, 30)) if show.duration_minutes >= 150 else (
        (19, 0), (19, 30), (20, 0), (20, 30), (21, 0))
    hour, minute = choices[zlib.crc32(show.title.encode()) % len(choices)]
    return time(hour, minute)


# Seat categories and face prices (euros) by discipline: one lot, or two.
_CATEGORIES = {
    "opera": ((("Catégorie 1", (35, 45)), ("Catégorie 2", (22, 32))),),
    "music": ((("Placement libre", (15, 32)),), (("Fosse", (15, 25)), ("Balcon assis", (20, 35)))),
    "theatre": ((("Placement libre", (18, 30)),), (("Orchestre", (24, 38)), ("Balcon", (14, 24)))),
    "dance": ((("Placement libre", (18, 30)),), (("Orchestre", (22, 35)), ("Balcon", (14, 22)))),
    "circus": ((("Gradins", (15, 26)),), (("Gradins", (15, 24)), ("Bord de piste", (24, 32)))),
    "comedy": ((("Placement libre", (15, 25)),),),
    "family": ((("Tarif unique", (12, 15)),),),
    "other": ((("Placement libre", (12, 18)),),),
}


def _performance(rng: random.Random, show: ShowSpec, day: date, at: time) -> PerformanceSpec:
    starts_at = paris_time(day, at)
    options = _CATEGORIES[show.discipline]
    lots = options[-1] if len(options) > 1 and rng.random() < 0.45 else options[0]
    releases = tuple(_release(rng, category, _face_price(show, category, euros), starts_at, day)
                     for category, euros in lots)
    return PerformanceSpec(show, starts_at, releases)


def _face_price(show: ShowSpec, category: str, euros: tuple[int, int]) -> int:
    """A show's face price in a category, the same at every performance (cents)."""
    return rng_for("price", show.title, category).randint(*euros) * 100


def _release(rng: random.Random, category: str, face_price_cents: int, starts_at: datetime,
             day: date, *, synthetic: bool = False) -> ReleaseSpec:
    """One lot with a discount schedule at a random stage of the usual patterns."""
    kinds = ("linear", "steps") if synthetic else ("linear", "steps", "same_day", "early_max",
                                                   "flat")
    kind = rng.choices(kinds, (40, 25, 15, 12, 8)[: len(kinds)])[0]
    close = starts_at - timedelta(minutes=30) if rng.random() < 0.15 else starts_at
    deepest = starts_at - timedelta(hours=1)
    curve, step = "linear", None
    if kind == "linear":
        opens = paris_midnight(day - timedelta(days=rng.randint(2, 7)))
        d0, d1 = rng.choice((25, 25, 30, 35)), rng.choice((50, 60, 70, 80))
    elif kind == "steps":  # mostly one drop a day, at midnight
        opens = paris_midnight(day - timedelta(days=rng.randint(2, 6)))
        d0, d1 = 25, rng.choice((50, 60, 70))
        curve, step = "steps", rng.choice((360, 720, 1440, 1440, 1440))
    elif kind == "same_day":  # the last-minute lot: opens the same morning, -80 % at the end
        opens = min(paris_time(day, time(10, 0)),
                    starts_at - timedelta(hours=4))
        d0, d1 = 40, 80
    elif kind == "early_max":  # deepest from noon on the day
        opens = paris_midnight(day - timedelta(days=rng.randint(1, 3)))
        d0, d1, deepest = 30, 60, paris_time(day, time(12, 0))
    else:  # one flat last-minute price from the start
        opens = paris_midnight(day - timedelta(days=rng.randint(1, 4)))
        d0 = d1 = rng.choice((40, 50))
        deepest = opens
    deepest = max(opens, min(deepest, close))
    if synthetic:
        demand = "normal" if rng.random() < 0.1 else "none"
        fill = rng.uniform(0.05, 0.2)
        status = "open"
    else:
        demand = rng.choices(("normal", "nearly_sold_out", "sold_out"), (82, 10, 8))[0]
        fill = rng.uniform(0.2, 0.95)
        status = rng.choices(("open", "withdrawn", "closed"), (92, 4, 4))[0]
    return ReleaseSpec(
        category=category, face_price_cents=face_price_cents,
        quantity=rng.randint(8, 60) if category != "Tarif unique" else rng.randint(8, 40),
        start_discount=d0, max_discount=d1, curve=curve, step_minutes=step,
        sales_open_at=opens, max_discount_at=deepest, sales_close_at=close,
        max_per_order=rng.choice((6, 6, 6, 4)), status=status, demand=demand, fill=fill,
    )
