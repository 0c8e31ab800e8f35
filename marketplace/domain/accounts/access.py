"""Who may do what at a venue: the one table of roles and what each role allows."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from marketplace.domain.accounts.models import User

# manager: everything; box office: follow sales and let people in at the door.
CAPABILITIES = {
    "manager": frozenset({"manage", "sales", "checkin"}),
    "box_office": frozenset({"sales", "checkin"}),
}


def can(user: User | None, venue_id: int, capability: str) -> bool:
    """Whether `user` may use `capability` ("manage", "sales", "checkin") at the venue."""
    if capability not in CAPABILITIES["manager"]:
        raise ValueError(f"unknown capability {capability!r}")
    if user is None or not user.active:
        return False
    role = user.role_at(venue_id)
    return role is not None and capability in CAPABILITIES[role]
