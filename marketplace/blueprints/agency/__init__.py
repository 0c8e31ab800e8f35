"""The regional agency's side (/agency): uptake dashboard, exports, venue onboarding, team."""

from __future__ import annotations

from flask import Flask


def register_agency(app: Flask) -> None:
    """Register the agency blueprint with every page module's routes on it."""
    from marketplace.blueprints.agency import (  # noqa: F401  (routes)
        dashboard,
        team,
        timetables,
        venues,
    )
    from marketplace.blueprints.agency.blueprint import bp

    app.register_blueprint(bp)
