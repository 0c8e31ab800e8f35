"""Words the portal puts on codes (disciplines, roles, statuses), in the current language."""

from __future__ import annotations

from flask_babel import gettext

from marketplace.catalog.models import DISCIPLINES


def discipline_labels() -> dict[str, str]:
    labels = {
        "theatre": gettext("Theatre"), "dance": gettext("Dance"), "music": gettext("Music"),
        "circus": gettext("Circus"), "opera": gettext("Opera"), "comedy": gettext("Comedy"),
        "family": gettext("Family"), "other": gettext("Other"),
    }
    return {code: labels[code] for code in DISCIPLINES}


def role_label(role: str) -> str:
    return {"manager": gettext("Manager"), "box_office": gettext("Box office")}.get(role, role)


def release_status_label(status: str) -> str:
    return {"open": gettext("On sale"), "withdrawn": gettext("Withdrawn"),
            "closed": gettext("Closed")}.get(status, status)


def order_status_label(status: str) -> str:
    return {"paid": gettext("Paid"), "pending": gettext("Pending"),
            "cancelled": gettext("Cancelled"), "refunded": gettext("Refunded")}.get(status, status)


def curve_label(curve: str) -> str:
    return {"linear": gettext("Gradual (continuous drop)"),
            "steps": gettext("In steps")}.get(curve, curve)


def discipline_label(code: str) -> str:
    return discipline_labels().get(code, code)
