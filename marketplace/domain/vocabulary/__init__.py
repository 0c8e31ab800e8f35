"""Words every area shows alike, translated once: discipline names, domain errors' messages.

They are written in English (the API's language) and their French lives in one catalogue,
`marketplace/domain/vocabulary/translations`, which Flask-Babel merges with each area's own
(storefront, checkout, portal, agency…). Domain code only marks them (nothing here imports
Flask); marketplace.web.vocabulary translates them when a page shows them.

The catalogue's sources are this package and marketplace/domain/catalog/disciplines.py
(see babel.cfg here for the pybabel commands).
"""

from __future__ import annotations


class Word(str):
    """English words set inside a message (a field's name, say), translated along with it."""

    __slots__ = ()


def N_(text: str) -> str:  # noqa: N802 (the gettext convention)
    """Mark `text` for the catalogue (`pybabel extract` finds N_ calls); translates nothing."""
    return text
