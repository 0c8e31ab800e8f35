"""The agency blueprint (/agency): every page module adds its routes to this one object."""

from __future__ import annotations

from flask import Blueprint

from marketplace.blueprints.agency import labels

bp = Blueprint("agency", __name__, url_prefix="/agency")

bp.add_app_template_filter(labels.percent, "agency_percent")
bp.add_app_template_filter(labels.number, "agency_number")
bp.add_app_template_filter(labels.km, "agency_km")
bp.add_app_template_filter(labels.day, "agency_day")
bp.add_app_template_filter(labels.whole_euros, "agency_euros")
bp.add_app_template_global(labels.change, "agency_change")
