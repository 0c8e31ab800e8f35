"""The portal's pages, one module per area, all on venues_portal.blueprint.bp."""

from __future__ import annotations


def load_views() -> None:
    """Import every page module once, so that their routes are on the blueprint."""
    from venues_portal import navigation  # noqa: F401  (the menu)
    from venues_portal.views import (  # noqa: F401
        checkin,
        contacts,
        contacts_webhooks,
        home,
        profile,
        programme,
        releases,
        sales,
        team,
        tokens,
    )
