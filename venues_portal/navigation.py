"""The portal's menu: one entry per area, shown to those whose role allows it.

Other areas of the portal (the contact base) add their entry with `add_menu_entry`.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import g, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from marketplace.domain.accounts.access import can
from venues_portal.blueprint import bp


@dataclass(frozen=True)
class MenuEntry:
    endpoint: str
    label: object  # a lazy string
    capability: str
    # Endpoints that count as "this area" for the current-page marker.
    also: tuple[str, ...] = ()


MENU: list[MenuEntry] = [
    MenuEntry("venues_portal.dashboard", _l("This week"), "sales"),
    MenuEntry("venues_portal.performances", _l("Programme"), "manage", (
        "venues_portal.new_performances", "venues_portal.performance",
        "venues_portal.edit_show", "venues_portal.new_release", "venues_portal.release",
        "venues_portal.duplicate", "venues_portal.reschedule",
        "venues_portal.release_quantity")),
    MenuEntry("venues_portal.sales", _l("Sales"), "sales"),
    MenuEntry("venues_portal.checkin", _l("Door"), "checkin", ("venues_portal.scan",)),
    MenuEntry("venues_portal.team", _l("Team"), "manage", ("venues_portal.invite",)),
    MenuEntry("venues_portal.profile", _l("Venue"), "manage"),
    MenuEntry("venues_portal.tokens", _l("API"), "manage", ("venues_portal.create_token",)),
]


def add_menu_entry(entry: MenuEntry, before: str | None = None) -> None:
    """Add an area to the menu (before the entry of endpoint `before`, else at the end)."""
    if any(e.endpoint == entry.endpoint for e in MENU):
        return
    index = next((i for i, e in enumerate(MENU) if e.endpoint == before), len(MENU))
    MENU.insert(index, entry)


@bp.context_processor
def portal_menu() -> dict:
    """The menu of the current venue page (empty outside one)."""
    venue = g.get("venue")
    if venue is None or not current_user.is_authenticated:
        return {"portal_menu": []}
    items = [{"url": url_for(e.endpoint, venue_slug=venue.slug), "label": e.label,
              "current": request.endpoint in (e.endpoint, *e.also)}
             for e in MENU if can(current_user, venue.id, e.capability)]
    return {"portal_menu": items}
