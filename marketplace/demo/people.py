"""Where the demo's spectators live, and who they are (invented people, reserved domains)."""

from __future__ import annotations

import itertools
import math
import random
from dataclasses import dataclass
from typing import NamedTuple

from marketplace.catalog.services import fold_accents


class Town(NamedTuple):
    postcode: str
    city: str
    lat: float
    lng: float


# Approximate town centres of the Région Sud, by postcode.
TOWNS: tuple[Town, ...] = (
    Town("13001", "Marseille", 43.2999, 5.3840), Town("13003", "Marseille", 43.3120, 5.3800),
    Town("13004", "Marseille", 43.3060, 5.4000), Town("13005", "Marseille", 43.2930, 5.3960),
    Town("13006", "Marseille", 43.2880, 5.3800), Town("13007", "Marseille", 43.2830, 5.3620),
    Town("13008", "Marseille", 43.2550, 5.3800), Town("13009", "Marseille", 43.2500, 5.4300),
    Town("13010", "Marseille", 43.2760, 5.4260), Town("13012", "Marseille", 43.3080, 5.4380),
    Town("13013", "Marseille", 43.3480, 5.4300), Town("13014", "Marseille", 43.3450, 5.3900),
    Town("13015", "Marseille", 43.3600, 5.3600), Town("13100", "Aix-en-Provence", 43.5297, 5.4474),
    Town("13090", "Aix-en-Provence", 43.5260, 5.4100), Town("13400", "Aubagne", 43.2927, 5.5707),
    Town("13600", "La Ciotat", 43.1748, 5.6046), Town("13260", "Cassis", 43.2148, 5.5396),
    Town("13500", "Martigues", 43.4053, 5.0476), Town("13200", "Arles", 43.6768, 4.6303),
    Town("13300", "Salon-de-Provence", 43.6403, 5.0970), Town("13800", "Istres", 43.5150, 4.9895),
    Town("13127", "Vitrolles", 43.4600, 5.2486), Town("13700", "Marignane", 43.4160, 5.2145),
    Town("13120", "Gardanne", 43.4548, 5.4691), Town("13190", "Allauch", 43.3369, 5.4823),
    Town("13150", "Tarascon", 43.8058, 4.6603),
    Town("13210", "Saint-Rémy-de-Provence", 43.7890, 4.8317),
    Town("13140", "Miramas", 43.5822, 5.0019), Town("83000", "Toulon", 43.1242, 5.9280),
    Town("83100", "Toulon", 43.1300, 5.9600), Town("83200", "Toulon", 43.1300, 5.9000),
    Town("83500", "La Seyne-sur-Mer", 43.1007, 5.8788),
    Town("83190", "Ollioules", 43.1396, 5.8470), Town("83400", "Hyères", 43.1204, 6.1286),
    Town("83140", "Six-Fours-les-Plages", 43.0937, 5.8390),
    Town("83110", "Sanary-sur-Mer", 43.1192, 5.8016),
    Town("83160", "La Valette-du-Var", 43.1376, 5.9832), Town("83600", "Fréjus", 43.4330, 6.7370),
    Town("83700", "Saint-Raphaël", 43.4253, 6.7684), Town("83300", "Draguignan", 43.5366, 6.4646),
    Town("83170", "Brignoles", 43.4058, 6.0615), Town("06000", "Nice", 43.6990, 7.2680),
    Town("06100", "Nice", 43.7230, 7.2590), Town("06200", "Nice", 43.6760, 7.2230),
    Town("06300", "Nice", 43.7000, 7.2850), Town("06600", "Antibes", 43.5808, 7.1251),
    Town("06400", "Cannes", 43.5528, 7.0174), Town("06130", "Grasse", 43.6580, 6.9225),
    Town("06800", "Cagnes-sur-Mer", 43.6637, 7.1489), Town("06140", "Vence", 43.7225, 7.1119),
    Town("06500", "Menton", 43.7747, 7.4975), Town("06560", "Valbonne", 43.6410, 7.0090),
    Town("06110", "Le Cannet", 43.5769, 7.0191), Town("84000", "Avignon", 43.9493, 4.8055),
    Town("84300", "Cavaillon", 43.8376, 5.0381), Town("84200", "Carpentras", 44.0556, 5.0481),
    Town("84100", "Orange", 44.1381, 4.8075), Town("84400", "Apt", 43.8764, 5.3964),
    Town("84120", "Pertuis", 43.6946, 5.5018),
    Town("84800", "L'Isle-sur-la-Sorgue", 43.9194, 5.0514),
    Town("04000", "Digne-les-Bains", 44.0925, 6.2356), Town("04100", "Manosque", 43.8352, 5.7911),
    Town("04200", "Sisteron", 44.1951, 5.9437), Town("04300", "Forcalquier", 43.9597, 5.7806),
    Town("04160", "Château-Arnoux-Saint-Auban", 44.0945, 6.0100),
    Town("05000", "Gap", 44.5594, 6.0786), Town("05100", "Briançon", 44.8987, 6.6430),
    Town("05200", "Embrun", 44.5640, 6.4950),
)

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
