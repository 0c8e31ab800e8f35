"""The portal blueprint (/portal): every page module adds its routes to this one object."""

from __future__ import annotations

from datetime import date

from flask import Blueprint
from flask_babel import format_date

from marketplace.domain.inventory.sale_status import (
    performance_sale_status,
    release_sale_status,
)
from venues_portal.labels import (
    checkin_outcome_label,
    order_status_label,
    release_status_label,
    role_label,
    sale_status_label,
)

bp = Blueprint("venues_portal", __name__, url_prefix="/portal")

bp.add_app_template_filter(role_label, "role_label")
bp.add_app_template_filter(release_status_label, "release_status")
bp.add_app_template_filter(order_status_label, "order_status")
bp.add_app_template_filter(checkin_outcome_label, "checkin_outcome")
bp.add_app_template_filter(sale_status_label, "sale_status")
# Lists decide a performance's word from its state and the time (a past one is never on sale).
bp.add_app_template_global(performance_sale_status, "performance_sale_status")
bp.add_app_template_global(release_sale_status, "release_sale_status")


@bp.app_template_filter("portal_day")
def portal_day(day: date) -> str:
    """A calendar day as people write it: "vendredi 20 novembre"."""
    return format_date(day, "EEEE d MMMM")
