"""French « de » before a place name: « de Paris », « d’Avignon », « du Havre », « des Pennes ».

Catalogues say « Près de %(place)s »; French then elides or contracts the « de » according to
the name that follows, which no catalogue can know in advance. One rule, applied to the
phrase once it is written:

- before a vowel or a mute h: « d’ » (« d’Avignon », « d’Orange », « d’Hyères »);
- before the article « Le » / « Les » of a name: « du » / « des » (« du Havre »,
  « des Pennes-Mirabeau »); « La » and « L' » stay (« de La Ciotat », « de L'Isle-sur-la-Sorgue »);
- otherwise « de » (« de Paris », « de Marseille »).
"""

from __future__ import annotations

import re
import unicodedata

# French typography's apostrophe, as everywhere else in the catalogues (« jusqu’à »).
APOSTROPHE = "\u2019"
# Names whose h is aspirated (no elision). Mute h is the rule in the region's towns (Hyères).
_ASPIRATED_H = ("haut", "hasparren", "hendaye", "hazebrouck", "hagondange", "hayange")
# A tag may stand between « de » and the name (« Près de <strong>Avignon</strong> »).
_TAG = r"(?:<[^<>]*>)*"
_DE_BEFORE = re.compile(rf"\b([Dd])e ({_TAG})(?:(Les?) )?(?=(\w+))")
_CONTRACTED = {"Le": "u", "Les": "es"}


def _bare(text: str) -> str:
    """Lower case without accents: « Écully » → « ecully »."""
    return "".join(c for c in unicodedata.normalize("NFD", text.lower())
                   if unicodedata.category(c) != "Mn")


def _elides(name: str) -> bool:
    """Whether « de » becomes « d' » before `name`."""
    bare = _bare(name)
    if not bare:
        return False
    if bare[0] in "aeiouœæ":
        return True
    if bare[0] == "h":
        return not bare.startswith(_ASPIRATED_H)
    # Y sounds as a vowel before a consonant (« d’Yvetot »), as a consonant before a vowel.
    return bare[0] == "y" and len(bare) > 1 and bare[1] not in "aeiou"


def de_place(name: str) -> str:
    """« de » and the place name, elided or contracted as French says it."""
    return _join("de", "", name.strip())


def _join(de: str, tag: str, name: str) -> str:
    article, _, rest = name.partition(" ")
    contracted = _CONTRACTED.get(article)
    if contracted and rest[:1].isupper():
        return f"{de[0]}{contracted} {tag}{rest}"
    if _elides(name):
        return f"{de[0]}{APOSTROPHE}{tag}{name}"
    return f"{de} {tag}{name}"


def elide_de(phrase: str) -> str:
    """Every « de » before a capitalised name in a French phrase, said as French says it.

    « Près de Avignon » → « Près d’Avignon »; « Près de Le Havre » → « Près du Havre ».
    Only names (a capital letter) are touched: « de 10 km », « de plus » stay as they are.
    """
    def replace(match: re.Match) -> str:
        d, tag, article, word = match.groups()
        if not word[:1].isupper():
            return match.group(0)
        if article:
            return _join(f"{d}e", tag, f"{article} {word}")[: -len(word)]
        return _join(f"{d}e", tag, word)[: -len(word)]

    return _DE_BEFORE.sub(replace, phrase)
