"""E-mails in the reader's language, outside any request (mail/ owns how they are written).

E-mails are written inside the service that confirms or refunds an order, often for a
webhook from the payment provider: no request says which language the buyer reads, the
order does (`Order.locale`, recorded at checkout). This module loads the same catalogues
as Flask-Babel and renders the e-mail templates with them, without Flask.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from babel.dates import format_datetime
from babel.numbers import format_currency
from babel.support import NullTranslations, Translations
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from marketplace.domain.catalog.disciplines import DISCIPLINE_NAMES
from marketplace.domain.timeutil import to_paris
from marketplace.domain.vocabulary.places import elide_de

_ROOT = Path(__file__).resolve().parents[3]
# Ours first: the first catalogue that knows a message wins.
_CATALOGUES = (
    _ROOT / "marketplace" / "blueprints" / "checkout" / "translations",
    _ROOT / "marketplace" / "translations",
    _ROOT / "marketplace" / "domain" / "watches" / "translations",
    _ROOT / "marketplace" / "domain" / "follows" / "translations",
    _ROOT / "marketplace" / "domain" / "waitlist" / "translations",
    _ROOT / "marketplace" / "blueprints" / "privacy" / "translations",  # e-mails' "your data" lines
    _ROOT / "marketplace" / "domain" / "vocabulary" / "translations",  # discipline names
    # Staff e-mails (marketplace.domain.accounts.emails).
    _ROOT / "marketplace" / "blueprints" / "staff_accounts" / "translations",
    _ROOT / "marketplace" / "blueprints" / "agency" / "translations",
    _ROOT / "venues_portal" / "translations",
)
LOCALES = ("fr", "en")
DEFAULT_LOCALE = "fr"


def known_locale(locale: str | None) -> str:
    return locale if locale in LOCALES else DEFAULT_LOCALE


@lru_cache(maxsize=len(LOCALES))
def translations(locale: str) -> NullTranslations:
    """The merged catalogues of `locale` (English is the source language: no catalogue)."""
    merged = Translations()
    for directory in _CATALOGUES:
        loaded = Translations.load(str(directory), [locale])
        if isinstance(loaded, Translations):
            merged.merge(loaded)
    return merged


def consent_text(venue_name: str, locale: str) -> str:
    """The wording of the newsletter box at checkout, as the buyer saw it (it is recorded)."""
    t = translations(known_locale(locale))
    return t.gettext("I agree to receive the programme and offers of %(venue)s by e-mail. "
                     "I can unsubscribe at any time.") % {"venue": venue_name}


def euros(cents: int, locale: str) -> str:
    return format_currency(Decimal(cents) / 100, "EUR", locale=locale)


def paris_datetime(value: datetime, locale: str, fmt: str = "EEEE d MMMM y, HH:mm") -> str:
    return format_datetime(to_paris(value), fmt, locale=locale)


@lru_cache(maxsize=len(LOCALES))
def email_environment(locale: str) -> Environment:
    """A Jinja environment for templates/emails in `locale` (one per language: thread-safe)."""
    env = Environment(
        loader=FileSystemLoader(str(_ROOT / "templates")),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translations(locale), newstyle=True)
    env.filters["euros"] = lambda cents: euros(cents, locale)
    env.filters["paris_datetime"] = lambda value, fmt="EEEE d MMMM y, HH:mm": paris_datetime(
        value, locale, fmt)
    env.filters["map_url"] = map_url
    env.filters["discipline_label"] = lambda code: translations(locale).gettext(
        DISCIPLINE_NAMES.get(code, code))
    # French elides « de » before a place (« d'Avignon »): a rule, since names are not known.
    env.filters["elide"] = elide_de if locale == "fr" else (lambda phrase: phrase)
    env.globals["locale"] = locale
    return env


def map_url(venue) -> str:
    """The venue on OpenStreetMap's map (any phone opens it; no key, no tracking)."""
    lat, lng = f"{venue.lat:.5f}", f"{venue.lng:.5f}"
    return f"https://www.openstreetmap.org/?mlat={lat}&mlon={lng}#map=17/{lat}/{lng}"


def render_email(name: str, locale: str, **context) -> tuple[str, str]:
    """Render templates/emails/<name>.txt and .html in `locale`: (text, html)."""
    env = email_environment(known_locale(locale))
    text = env.get_template(f"emails/{name}.txt").render(**context)
    html = env.get_template(f"emails/{name}.html").render(**context)
    return text, html


def gettext_for(locale: str):
    """`gettext` in `locale`, for subjects and other words written in code."""
    return translations(known_locale(locale)).gettext
