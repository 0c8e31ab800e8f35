"""Words the portal puts on codes (roles, statuses), in the current language.

Discipline names are shared by every area: marketplace.web.vocabulary.
"""

from __future__ import annotations

from flask_babel import gettext, pgettext

from marketplace.domain.inventory import sale_status as sale


def role_label(role: str) -> str:
    return {"manager": gettext("Manager"), "box_office": gettext("Box office")}.get(role, role)


def release_status_label(status: str) -> str:
    return {"open": gettext("On sale"), "withdrawn": gettext("Withdrawn"),
            "closed": gettext("Closed")}.get(status, status)


def order_status_label(status: str) -> str:
    return {"paid": gettext("Paid"), "pending": gettext("Pending"),
            "cancelled": gettext("Cancelled"), "refunded": gettext("Refunded")}.get(status, status)


def contact_stage_label(stage: str) -> str:
    """A contact's relationship with the venue, in words."""
    return {"contact": gettext("New contact"), "first_time": gettext("First-time buyer"),
            "regular": gettext("Regular"), "lapsed": gettext("Lapsed")}.get(stage, stage)


def curve_label(curve: str) -> str:
    return {"linear": gettext("Gradual (continuous drop)"),
            "steps": gettext("In steps")}.get(curve, curve)


def checkin_outcome_label(outcome: str) -> str:
    """A scan's result in the door's list of last scans."""
    return {"ok": gettext("Admitted"), "already_checked_in": gettext("Already scanned"),
            "unknown_ticket": gettext("Unknown ticket"),
            "other_venue": gettext("Another venue’s ticket"),
            "cancelled": gettext("Cancelled"), "wrong_time": gettext("Not for now"),
            "mistyped_code": gettext("Mistyped code")}.get(outcome, outcome)


def sale_status_label(status: str) -> str:
    """A performance's or release's sale status (marketplace.domain.inventory.sale_status).

    In French these agree with « représentation » (feminine), hence the context."""
    return {sale.CANCELLED: pgettext("sale status", "Cancelled"),
            sale.ENDED: pgettext("sale status", "Over"),
            sale.WITHDRAWN: pgettext("sale status", "Withdrawn"),
            sale.SOLD_OUT: pgettext("sale status", "Sold out"),
            sale.SALES_CLOSED: pgettext("sale status", "Sales closed"),
            sale.UPCOMING: pgettext("sale status", "Sales not open yet"),
            sale.ON_SALE: pgettext("sale status", "On sale"),
            sale.NOT_RELEASED: pgettext("sale status", "Not on sale")}.get(status, status)
