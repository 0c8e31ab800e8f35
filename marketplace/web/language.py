"""The language of every page: French first, English when asked for with ?lang=, kept in
a cookie on every part of the site (storefront, checkout, portal, agency). Staff also keep
it on their account: the e-mails they get are written in it."""

from __future__ import annotations

from flask import Flask, current_app, request
from flask_login import current_user

from marketplace.domain.accounts.services import remember_staff_language
from marketplace.extensions import db

LANGUAGES = ("fr", "en")
LANG_COOKIE_MAX_AGE = 365 * 24 * 3600


def select_locale() -> str:
    """French first; English when one switched to it (?lang=, then the cookie)."""
    asked = request.args.get("lang") or request.cookies.get("lang")
    return asked if asked in LANGUAGES else "fr"


def remember_language(response):
    """Keep the language picked with ?lang= in a cookie for the next pages."""
    lang = request.args.get("lang")
    if lang in LANGUAGES:
        response.set_cookie("lang", lang, max_age=LANG_COOKIE_MAX_AGE, samesite="Lax",
                            httponly=True, secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response


def remember_staff_choice() -> None:
    """Keep the language picked with ?lang= on a staff account too. Before the page's own
    work, so the service's transaction holds nothing but the language (no hook commits)."""
    lang = request.args.get("lang")
    if lang in LANGUAGES and current_user and current_user.is_authenticated:
        remember_staff_language(db.session, current_user, lang)


def init_language(app: Flask) -> None:
    app.before_request(remember_staff_choice)
    app.after_request(remember_language)
