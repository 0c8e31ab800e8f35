"""French says « Près d’Avignon », « du Havre », « de Paris »: « de » before a place name is
elided or contracted by rule, on pages and in e-mails alike."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from marketplace.domain.catalog.towns import TOWNS
from marketplace.domain.vocabulary.places import de_place, elide_de

ROOT = Path(__file__).resolve().parent.parent
DEMO_VENUES = ROOT / "marketplace" / "demo" / "data" / "venues.csv"


def _demo_towns() -> set[str]:
    with DEMO_VENUES.open(encoding="utf-8") as rows:
        return {row["city"] for row in csv.DictReader(rows)}


@pytest.mark.parametrize(("town", "said"), [
    ("Avignon", "d’Avignon"), ("Orange", "d’Orange"), ("Hyères", "d’Hyères"),
    ("Arles", "d’Arles"), ("Antibes", "d’Antibes"), ("Aix-en-Provence", "d’Aix-en-Provence"),
    ("Ollioules", "d’Ollioules"), ("Marseille", "de Marseille"), ("Nice", "de Nice"),
    ("Paris", "de Paris"), ("Le Havre", "du Havre"), ("Le Cannet", "du Cannet"),
    ("Les Pennes-Mirabeau", "des Pennes-Mirabeau"), ("La Ciotat", "de La Ciotat"),
    ("L'Isle-sur-la-Sorgue", "de L'Isle-sur-la-Sorgue"), ("Écully", "d’Écully"),
    ("Hautes-Alpes", "de Hautes-Alpes"),
])
def test_de_before_a_place_is_elided_or_contracted_as_french_says_it(town, said):
    assert de_place(town) == said
    assert elide_de(f"Près de {town}") == f"Près {said}"


def test_every_town_of_the_demo_region_is_said_right():
    vowels = "AEIOUÉÈÂÎÔ"
    demo = _demo_towns()
    assert {"Avignon", "Marseille", "Arles"} <= demo
    for town in demo:
        said = de_place(town)
        if town[0] in vowels:
            assert said == f"d’{town}", town
        else:
            assert said == f"de {town}", town


def test_the_regions_towns_never_read_de_before_a_vowel_or_de_le():
    for town in TOWNS:
        said = elide_de(f"Près de {town.city}")
        assert "de A" not in said and "de O" not in said and "de Le " not in said, said


def test_only_names_are_touched_not_numbers_nor_common_words():
    assert elide_de("À moins de 20 km de Orange") == "À moins de 20 km d’Orange"
    assert elide_de("de plus en plus, de votre position") == "de plus en plus, de votre position"


def test_a_tag_between_de_and_the_name_is_kept():
    assert elide_de("Près de <strong>Avignon</strong>") == "Près d’<strong>Avignon</strong>"
    assert elide_de("Près de <strong>Le Havre</strong>") == "Près du <strong>Havre</strong>"


def test_the_where_box_says_pres_d_avignon(app, db, client):
    client.get("/?near=Avignon")
    html = client.get("/").get_data(as_text=True)
    assert "Près d’<strong>Avignon</strong>" in html
    client.get("/?near=Marseille")
    assert "Près de <strong>Marseille</strong>" in client.get("/").get_data(as_text=True)
    client.get("/?near=Avignon")
    assert "Near <strong>Avignon</strong>" in client.get("/?lang=en").get_data(as_text=True)
