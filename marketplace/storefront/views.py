"""The public storefront: what plays tonight, tomorrow, this weekend, and at what price."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, current_app, request, url_for
from werkzeug.datastructures import MultiDict

from marketplace.catalog.models import DISCIPLINES
from marketplace.catalog.queries import WHENS, list_offers
from marketplace.extensions import db
from marketplace.storefront.display import (
    curtain_words,
    discipline_label,
    discipline_labels,
    drop_words,
    when_labels,
)
from marketplace.timeutil import utcnow
from marketplace.web.templating import render_page_or_fragment

bp = Blueprint("storefront", __name__)

OFFERS_PER_PAGE = 12
LANGUAGES = ("fr", "en")
LANG_COOKIE_MAX_AGE = 365 * 24 * 3600
# Scarcity is worth telling from this many seats left down.
FEW_SEATS = 5


@bp.get("/")
def index():
    """The open offers as cards, filtered by when and discipline, a page at a time."""
    filters = _read_filters(request.args)
    now = utcnow()
    offers = list_offers(db.session, now=now, when=filters["when"],
                         discipline=filters["discipline"], page=filters["page"],
                         per_page=OFFERS_PER_PAGE)
    return render_page_or_fragment(
        "storefront/index.html", "storefront/_offers.html",
        offers=offers, filters=filters, now=now, few_seats=FEW_SEATS,
        when_choices=when_labels().items(), discipline_choices=discipline_labels().items(),
    )


def _read_filters(args: MultiDict) -> dict:
    """Filters from the query string; a value nobody could have clicked falls back to all."""
    when = args.get("when", "all")
    discipline = args.get("discipline") or None
    page = args.get("page", 1, type=int) or 1
    return {
        "when": when if when in WHENS else "all",
        "discipline": discipline if discipline in DISCIPLINES else None,
        "page": max(page, 1),
    }


@bp.app_template_global()
def offers_url(when: str = "all", discipline: str | None = None, page: int = 1) -> str:
    """The storefront URL for these filters, leaving defaults out so links stay short."""
    params = {"when": when if when != "all" else None, "discipline": discipline,
              "page": page if page > 1 else None}
    return url_for("storefront.index", **{k: v for k, v in params.items() if v is not None})


@bp.app_template_global()
def url_with(**changes) -> str:
    """The current URL with some query parameters replaced (the language switch uses it)."""
    args = MultiDict(request.args)
    for key, value in changes.items():
        args.setlist(key, [value])
    return f"{request.script_root}{request.path}?{urlencode(list(args.items(multi=True)))}"


bp.add_app_template_filter(discipline_label)
bp.add_app_template_filter(curtain_words)
bp.add_app_template_filter(drop_words)


@bp.after_request
def remember_language(response):
    """Keep the language a spectator picked with ?lang= for the next visits."""
    lang = request.args.get("lang")
    if lang in LANGUAGES:
        response.set_cookie("lang", lang, max_age=LANG_COOKIE_MAX_AGE, samesite="Lax",
                            httponly=True, secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response
