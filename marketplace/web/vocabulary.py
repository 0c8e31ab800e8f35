"""The shared vocabulary (marketplace.domain.vocabulary) in the current page's language.

Every area shows discipline names and services' refusals through these, so that they read
the same on the storefront, at checkout, in the portal and at the agency.
"""

from __future__ import annotations

from flask_babel import gettext

from marketplace.domain.catalog.disciplines import DISCIPLINE_NAMES
from marketplace.domain.errors import DomainError
from marketplace.domain.vocabulary import Word


def discipline_labels() -> dict[str, str]:
    """Discipline codes and their names in the current language, in menu order."""
    return {code: gettext(name) for code, name in DISCIPLINE_NAMES.items()}


def discipline_label(code: str) -> str:
    """The translated name of a discipline code ("theatre" → "Théâtre"); unknown: the code."""
    name = DISCIPLINE_NAMES.get(code)
    return gettext(name) if name else code


def error_message(error: DomainError) -> str:
    """A service's refusal in the current language (the API keeps the English).

    Only words marked as such (a field's label) are translated inside the message; values
    (numbers, what someone typed) are set in as they are.
    """
    params = {name: gettext(value) if isinstance(value, Word) else value
              for name, value in error.params.items()}
    # Hints that come with a refusal (a weak password's advice) are catalogue entries too.
    return " ".join([gettext(error.template, **params),
                     *(gettext(hint) for hint in getattr(error, "hints", ()))])
