"""The disciplines a show can belong to: codes (stored, and in the API) and their names.

Names are English, marked for the shared catalogue (marketplace.domain.vocabulary); pages show
them translated through marketplace.web.vocabulary.discipline_label.
"""

from __future__ import annotations

from marketplace.domain.vocabulary import N_

# In menu order.
DISCIPLINE_NAMES: dict[str, str] = {
    "theatre": N_("Theatre"),
    "dance": N_("Dance"),
    "music": N_("Music"),
    "circus": N_("Circus"),
    "opera": N_("Opera"),
    "comedy": N_("Comedy"),
    "family": N_("Family"),
    "other": N_("Other"),
}
DISCIPLINES: tuple[str, ...] = tuple(DISCIPLINE_NAMES)
