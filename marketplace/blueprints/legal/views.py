"""/accessibilite, /cgv and /mentions-legales: public pages, the same for everyone."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

from marketplace.blueprints.legal.operator import operator_from
from marketplace.blueprints.legal.statement import (
    AUDITED_PAGES,
    AXE_CORE_VERSION,
    SHORTCOMINGS,
    STATEMENT_DATE,
    conformance,
    pages_of,
    status_label,
)

bp = Blueprint("legal", __name__)


@bp.app_context_processor
def accessibility_status() -> dict:
    """Every page's footer says the accessibility status (RGAA: « Accessibilité : … »)."""
    return {"accessibility_status": status_label(conformance(SHORTCOMINGS))}


@bp.get("/accessibilite")
def accessibility():
    return render_template("legal/accessibility.html", operator=operator_from(current_app.config),
                           pages=AUDITED_PAGES, shortcomings=SHORTCOMINGS, pages_of=pages_of,
                           status=conformance(SHORTCOMINGS), axe_version=AXE_CORE_VERSION,
                           statement_date=STATEMENT_DATE)


@bp.get("/cgv")
def terms():
    return render_template("legal/terms.html", operator=operator_from(current_app.config),
                           commission=current_app.config["PLATFORM_COMMISSION_PERCENT"],
                           hold_minutes=current_app.config["HOLD_TTL_SECONDS"] // 60)


@bp.get("/mentions-legales")
def notice():
    return render_template("legal/notice.html", operator=operator_from(current_app.config))
