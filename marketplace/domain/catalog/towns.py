"""The region's towns and postcodes, shipped with the code: "where am I" without a network.

A spectator who types "13001", "Aix" or "Saint-Rémy" is answered from this table; only
what it does not know goes to the geocoder (marketplace.domain.catalog.places). Coordinates are
approximate town centres (a few hundred metres), plenty to sort offers by distance.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from marketplace.domain.catalog.services import fold_accents


class Town(NamedTuple):
    postcode: str
    city: str
    lat: float
    lng: float


# The first town of a name is the one a bare name finds (Marseille: the Vieux-Port).
TOWNS: tuple[Town, ...] = (
    # Bouches-du-Rhône
    Town("13001", "Marseille", 43.2965, 5.3698), Town("13002", "Marseille", 43.3080, 5.3650),
    Town("13003", "Marseille", 43.3120, 5.3800), Town("13004", "Marseille", 43.3060, 5.4000),
    Town("13005", "Marseille", 43.2930, 5.3960), Town("13006", "Marseille", 43.2880, 5.3800),
    Town("13007", "Marseille", 43.2830, 5.3620), Town("13008", "Marseille", 43.2550, 5.3800),
    Town("13009", "Marseille", 43.2500, 5.4300), Town("13010", "Marseille", 43.2760, 5.4260),
    Town("13011", "Marseille", 43.2880, 5.4830), Town("13012", "Marseille", 43.3080, 5.4380),
    Town("13013", "Marseille", 43.3480, 5.4300), Town("13014", "Marseille", 43.3450, 5.3900),
    Town("13015", "Marseille", 43.3600, 5.3600), Town("13016", "Marseille", 43.3636, 5.3147),
    Town("13100", "Aix-en-Provence", 43.5297, 5.4474),
    Town("13090", "Aix-en-Provence", 43.5260, 5.4100), Town("13400", "Aubagne", 43.2927, 5.5707),
    Town("13600", "La Ciotat", 43.1748, 5.6046), Town("13260", "Cassis", 43.2148, 5.5396),
    Town("13500", "Martigues", 43.4053, 5.0476), Town("13200", "Arles", 43.6768, 4.6303),
    Town("13300", "Salon-de-Provence", 43.6403, 5.0970), Town("13800", "Istres", 43.5150, 4.9895),
    Town("13127", "Vitrolles", 43.4600, 5.2486), Town("13700", "Marignane", 43.4160, 5.2145),
    Town("13120", "Gardanne", 43.4548, 5.4691), Town("13190", "Allauch", 43.3369, 5.4823),
    Town("13150", "Tarascon", 43.8058, 4.6603),
    Town("13210", "Saint-Rémy-de-Provence", 43.7890, 4.8317),
    Town("13140", "Miramas", 43.5822, 5.0019), Town("13160", "Châteaurenard", 43.8826, 4.8545),
    Town("13460", "Saintes-Maries-de-la-Mer", 43.4522, 4.4286),
    Town("13110", "Port-de-Bouc", 43.4050, 4.9880), Town("13270", "Fos-sur-Mer", 43.4378, 4.9447),
    Town("13170", "Les Pennes-Mirabeau", 43.4100, 5.3100), Town("13530", "Trets", 43.4478, 5.6836),
    # Var
    Town("83000", "Toulon", 43.1242, 5.9280), Town("83100", "Toulon", 43.1300, 5.9600),
    Town("83200", "Toulon", 43.1300, 5.9000), Town("83500", "La Seyne-sur-Mer", 43.1007, 5.8788),
    Town("83190", "Ollioules", 43.1396, 5.8470), Town("83400", "Hyères", 43.1204, 6.1286),
    Town("83140", "Six-Fours-les-Plages", 43.0937, 5.8390),
    Town("83110", "Sanary-sur-Mer", 43.1192, 5.8016), Town("83150", "Bandol", 43.1364, 5.7528),
    Town("83160", "La Valette-du-Var", 43.1376, 5.9832), Town("83600", "Fréjus", 43.4330, 6.7370),
    Town("83700", "Saint-Raphaël", 43.4253, 6.7684), Town("83300", "Draguignan", 43.5366, 6.4646),
    Town("83170", "Brignoles", 43.4058, 6.0615), Town("83990", "Saint-Tropez", 43.2727, 6.6406),
    Town("83120", "Sainte-Maxime", 43.3090, 6.6360),
    Town("83470", "Saint-Maximin-la-Sainte-Baume", 43.4527, 5.8614),
    # Alpes-Maritimes
    Town("06000", "Nice", 43.6990, 7.2680), Town("06100", "Nice", 43.7230, 7.2590),
    Town("06200", "Nice", 43.6760, 7.2230), Town("06300", "Nice", 43.7000, 7.2850),
    Town("06600", "Antibes", 43.5808, 7.1251), Town("06160", "Antibes", 43.5690, 7.1100),
    Town("06400", "Cannes", 43.5528, 7.0174), Town("06130", "Grasse", 43.6580, 6.9225),
    Town("06800", "Cagnes-sur-Mer", 43.6637, 7.1489), Town("06140", "Vence", 43.7225, 7.1119),
    Town("06500", "Menton", 43.7747, 7.4975), Town("06560", "Valbonne", 43.6410, 7.0090),
    Town("06110", "Le Cannet", 43.5769, 7.0191), Town("06250", "Mougins", 43.6000, 6.9950),
    Town("06700", "Saint-Laurent-du-Var", 43.6734, 7.1900),
    Town("06230", "Villefranche-sur-Mer", 43.7040, 7.3110),
    Town("06240", "Beausoleil", 43.7420, 7.4220),
    # Vaucluse
    Town("84000", "Avignon", 43.9493, 4.8055), Town("84300", "Cavaillon", 43.8376, 5.0381),
    Town("84200", "Carpentras", 44.0556, 5.0481), Town("84100", "Orange", 44.1381, 4.8075),
    Town("84400", "Apt", 43.8764, 5.3964), Town("84120", "Pertuis", 43.6946, 5.5018),
    Town("84800", "L'Isle-sur-la-Sorgue", 43.9194, 5.0514),
    Town("84130", "Le Pontet", 43.9616, 4.8608), Town("84700", "Sorgues", 44.0083, 4.8725),
    Town("84110", "Vaison-la-Romaine", 44.2408, 5.0747), Town("84500", "Bollène", 44.2811, 4.7486),
    # Alpes-de-Haute-Provence and Hautes-Alpes
    Town("04000", "Digne-les-Bains", 44.0925, 6.2356), Town("04100", "Manosque", 43.8352, 5.7911),
    Town("04200", "Sisteron", 44.1951, 5.9437), Town("04300", "Forcalquier", 43.9597, 5.7806),
    Town("04160", "Château-Arnoux-Saint-Auban", 44.0945, 6.0100),
    Town("04400", "Barcelonnette", 44.3866, 6.6527),
    Town("05000", "Gap", 44.5594, 6.0786), Town("05100", "Briançon", 44.8987, 6.6430),
    Town("05200", "Embrun", 44.5640, 6.4950),
)

_POSTCODE = re.compile(r"\b(\d{5})\b")
_ARTICLES = ("le ", "la ", "les ", "l ")


def simplify(text: str) -> str:
    """A town name as people type it: no accents, case, hyphens or apostrophes; St = Saint."""
    words = re.sub(r"[^a-z0-9]+", " ", fold_accents(text).lower()).split()
    expanded = {"st": "saint", "ste": "sainte"}
    return " ".join(expanded.get(word, word) for word in words)


def _without_article(name: str) -> str:
    for article in _ARTICLES:
        if name.startswith(article):
            return name[len(article):]
    return name


_BY_POSTCODE = {town.postcode: town for town in TOWNS}
_BY_NAME: dict[str, Town] = {}
for _town in TOWNS:
    for _key in {simplify(_town.city), _without_article(simplify(_town.city))}:
        _BY_NAME.setdefault(_key, _town)


def find_town(query: str) -> tuple[Town, str] | None:
    """The town a typed postcode or name means, with the label to show; None if unsure.

    A postcode anywhere in the query wins ("13001 Marseille"); then an exact name, then
    the one name the query begins ("aix" → Aix-en-Provence, "mar" → nothing: three towns).
    """
    postcode = _POSTCODE.search(query)
    if postcode:
        town = _BY_POSTCODE.get(postcode.group(1))
        return (town, f"{town.city} ({town.postcode})") if town else None
    key = simplify(query)
    if not key:
        return None
    town = _BY_NAME.get(key)
    if town is None:
        starting = {t.city: t for name, t in _BY_NAME.items() if name.startswith(key)}
        if len(starting) != 1:
            return None
        town = next(iter(starting.values()))
    return town, town.city
