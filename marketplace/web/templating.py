"""Jinja filters and globals: money in euros, times on Paris clocks, htmx-aware rendering."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from flask import Flask, render_template
from flask_babel import format_currency, format_datetime, get_locale

from marketplace.domain.orders.short_codes import format_short_code
from marketplace.domain.timeutil import to_paris
from marketplace.extensions import htmx
from marketplace.web.vocabulary import discipline_label


def euros(cents: int | None) -> str:
    """'12,30 €' in French, '€12.30' in English (integer cents in, text out)."""
    if cents is None:
        return ""
    return format_currency(Decimal(cents) / 100, "EUR")


def paris_time(value: datetime | None, fmt: str = "HH:mm") -> str:
    """A UTC instant shown on Paris clocks."""
    return format_datetime(to_paris(value), fmt) if value else ""


def wants_fragment() -> bool:
    """htmx asks for a fragment alone (not a boosted link, not restoring its history)."""
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def render_page_or_fragment(page: str, fragment: str, **context) -> str:
    """The full page, or only its fragment when htmx asks for it."""
    if wants_fragment():
        return render_template(fragment, **context)
    return render_template(page, **context)


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.filters["euros"] = euros
    app.jinja_env.filters["paris_time"] = paris_time
    app.jinja_env.filters["short_code"] = format_short_code  # K7QM-3XPF-0, as printed
    app.jinja_env.filters["discipline_label"] = discipline_label  # every area, one name
    app.jinja_env.globals["current_locale"] = lambda: str(get_locale())

    @app.after_request
    def _vary_on_htmx(response):
        # The same URL answers a page or a fragment: caches must keep them apart.
        response.vary.add("HX-Request")
        return response
