"""Where the demo's spectators live, and who they are (invented people, reserved domains)."""

from __future__ import annotations

import itertools
import math
import random
from dataclasses import dataclass

from marketplace.domain.catalog.services import fold_accents

# The demo's spectators live in the same towns the storefront knows.
from marketplace.domain.catalog.towns import TOWNS, Town

FIRST_NAMES = (
    "Camille", "Léa", "Manon", "Chloé", "Inès", "Sarah", "Jade", "Louise", "Emma", "Zoé",
    "Lucie", "Anaïs", "Mathilde", "Margaux", "Nadia", "Sophie", "Claire", "Isabelle", "Nathalie",
    "Sylvie", "Christine", "Martine", "Françoise", "Hélène", "Yasmine", "Fatima", "Océane",
    "Julie", "Élodie", "Mireille", "Lucas", "Hugo", "Louis", "Jules", "Gabriel", "Nathan",
    "Théo", "Thomas", "Antoine", "Maxime", "Julien", "Nicolas", "Sébastien", "Olivier",
    "Laurent", "Philippe", "Michel", "Pierre", "Jean", "François", "Karim", "Mehdi", "Yanis",
    "Rayan", "Marius", "Raphaël", "Baptiste", "Romain", "Frédéric", "Didier",
)
LAST_NAMES = (
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
    "Moreau", "Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "David", "Bertrand", "Roux",
    "Vincent", "Fournier", "Morel", "Girard", "André", "Mercier", "Blanc", "Guérin", "Boyer",
    "Garnier", "Chevalier", "François", "Legrand", "Gauthier", "Perrin", "Robin", "Clément",
    "Morin", "Nicolas", "Henry", "Roussel", "Mathieu", "Gautier", "Masson", "Marchand",
    "Duval", "Denis", "Dumont", "Marie", "Lemaire", "Noël", "Meyer", "Fabre", "Olivier",
    "Rey", "Gilbert", "Arnaud", "Giraud", "Brun", "Bonnet", "Aubert", "Rossi", "Ferrari",
    "Benali", "Haddad", "Nguyen", "Castellano", "Pellegrin", "Jourdan", "Bonifay", "Audibert",
    "Maurel", "Arnoux", "Ricard", "Imbert", "Barthélemy", "Reynaud",
)
_DOMAINS = ("example.org", "example.com", "example.net")


@dataclass(frozen=True)
class Person:
    """An invented spectator: how they type their e-mail, where they live, what they share."""

    email: str  # as typed at checkout; contacts keep it lower-cased
    name: str
    town: Town
    birth_year: int | None
    consent_rate: float  # how often they tick the newsletter box
    appetite: float  # relative frequency of going out
    locale: str


def _email_local(first: str, last: str) -> str:
    folded = fold_accents(f"{first}.{last}").lower()
    return "".join(c for c in folded if c.isascii() and (c.isalnum() or c == "."))


def make_people(rng: random.Random, count: int) -> list[Person]:
    """`count` distinct invented spectators, drawn from `rng`."""
    people, taken = [], set()
    while len(people) < count:
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        local = _email_local(first, last)
        if local in taken:
            local = f"{local}{rng.randint(2, 99)}"
        if local in taken:
            continue
        taken.add(local)
        email = f"{local}@{rng.choice(_DOMAINS)}"
        if rng.random() < 0.08:  # some type their address with capitals; contacts fold them
            email = email[0].upper() + email[1:]
        born = rng.randint(1948, 2008) if rng.random() < 0.7 else None
        people.append(Person(
            email=email, name=f"{first} {last}", town=rng.choice(TOWNS), birth_year=born,
            consent_rate=rng.choice((0.0, 0.0, 0.2, 0.5, 0.9)),
            appetite=rng.paretovariate(1.5), locale="en" if rng.random() < 0.05 else "fr",
        ))
    return people


def distance_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance (haversine), good to a few metres at this scale."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 12742 * math.asin(math.sqrt(a))


def nearest_town(lat: float, lng: float) -> Town:
    """The listed town closest to a point."""
    return min(TOWNS, key=lambda t: distance_km(lat, lng, t.lat, t.lng))


class Audience:
    """Who buys at a venue: mostly people living nearby, some from across the region."""

    def __init__(self, people: list[Person]) -> None:
        self._people = people
        self._anyone = list(itertools.accumulate(p.appetite for p in people))
        self._near: dict[tuple[float, float], list[float]] = {}

    def pick(self, rng: random.Random, lat: float, lng: float) -> Person:
        """A buyer for a venue at (lat, lng)."""
        if rng.random() < 0.2:
            return rng.choices(self._people, cum_weights=self._anyone)[0]
        if (lat, lng) not in self._near:
            self._near[(lat, lng)] = list(itertools.accumulate(
                p.appetite * math.exp(-distance_km(lat, lng, p.town.lat, p.town.lng) / 20)
                for p in self._people))
        return rng.choices(self._people, cum_weights=self._near[(lat, lng)])[0]
