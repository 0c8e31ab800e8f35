"""Kiosque: the app factory."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from marketplace.config import config_from_env
from marketplace.extensions import (
    babel,
    csrf,
    db,
    htmx,
    limiter,
    migrate,
    redis_connector,
    rest_api,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# One catalogue per side of the product; Flask-Babel merges them.
TRANSLATION_DIRECTORIES = [
    str(PROJECT_ROOT / "marketplace" / "translations"),
    str(PROJECT_ROOT / "marketplace" / "blueprints" / "checkout" / "translations"),
    str(PROJECT_ROOT / "venues_portal" / "translations"),
    str(PROJECT_ROOT / "marketplace" / "blueprints" / "privacy" / "translations"),
    str(PROJECT_ROOT / "marketplace" / "blueprints" / "agency" / "translations"),
    str(PROJECT_ROOT / "marketplace" / "domain" / "watches" / "translations"),
    str(PROJECT_ROOT / "marketplace" / "domain" / "follows" / "translations"),
    str(PROJECT_ROOT / "marketplace" / "domain" / "waitlist" / "translations"),
    str(PROJECT_ROOT / "marketplace" / "blueprints" / "staff_accounts" / "translations"),
    str(PROJECT_ROOT / "marketplace" / "blueprints" / "legal" / "translations"),
    # Words every area shares (disciplines, services' messages); last, so they read the same.
    str(PROJECT_ROOT / "marketplace" / "domain" / "vocabulary" / "translations"),
]


def create_app(config: dict | None = None) -> Flask:
    """Build the app from the environment, then apply `config` overrides (tests use them)."""
    app = Flask(
        __name__,
        instance_path=str(PROJECT_ROOT / "instance"),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.update(config_from_env(Path(app.instance_path)))
    app.config.update(config or {})
    from marketplace.domain.orders.payments import check_payment_settings

    check_payment_settings(app.config)
    hops = app.config.get("TRUSTED_PROXY_HOPS") or 0
    if hops:
        # The client's address and scheme as the last `hops` proxies saw them (rate limits,
        # per-client caps, logs, https); X-Forwarded-For values a client adds in front of
        # theirs are ignored, and with 0 hops every such header is.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:"):
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["REDIS_URL"] or "memory://")
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", _engine_options(app.config))

    app.json.sort_keys = False
    from marketplace.domain.mail.message import mail_settings

    mail_settings(app.config)  # a MAIL_FROM or DKIM key that cannot work stops the start
    _init_extensions(app)
    _register_blueprints(app)

    from marketplace.web.errors import register_error_handlers
    from marketplace.web.language import init_language
    from marketplace.web.security import init_security
    from marketplace.web.templating import register_template_helpers

    init_security(app)
    init_language(app)
    register_error_handlers(app)
    register_template_helpers(app)

    from marketplace.cli import register_cli
    from marketplace.web.after_commit import init_after_commit_sending

    init_after_commit_sending(app)
    _tell_offers_by_email(app)

    register_cli(app)
    return app


def _tell_offers_by_email(app: Flask) -> None:
    """Seats the waiting line is offered (inventory.line) are e-mailed in the same
    transaction, with this deployment's links (the last app built wins: one per process)."""
    from functools import partial

    from marketplace.domain.inventory.line import listen_for_offers
    from marketplace.domain.mail.links import mail_links
    from marketplace.domain.waitlist.emails import queue_offer_emails

    listen_for_offers(partial(queue_offer_emails, links=mail_links(app.config)))


def _engine_options(config: dict) -> dict:
    uri = config["SQLALCHEMY_DATABASE_URI"]
    # Database errors end up in logs: never with the buyer's details or a ticket code.
    private = {"hide_parameters": True}
    if uri.startswith("sqlite"):
        # Several threads (and the test server) share the file; wait instead of failing.
        return {**private, "connect_args": {"timeout": 30, "check_same_thread": False}}
    # No pre-ping: a dropped connection fails one request with a clean 503, and the pool
    # replaces it; pinging would cost a round trip on every request of the hot path.
    return {**private, "pool_size": 10, "max_overflow": 20, "pool_timeout": 10}


def _init_extensions(app: Flask) -> None:
    import marketplace.domain.models  # noqa: F401  (every table in the metadata)
    from marketplace.db_events import install_sqlite_pragmas
    from marketplace.domain.db import end_sessions_even_on_dead_connections
    from marketplace.web.language import select_locale

    db.init_app(app)
    end_sessions_even_on_dead_connections(app, db)
    with app.app_context():
        install_sqlite_pragmas(db.engine)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"),
                     render_as_batch=True, compare_type=True)
    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories=";".join(TRANSLATION_DIRECTORIES))
    csrf.init_app(app)
    htmx.init_app(app)
    limiter.init_app(app)
    redis_connector.init_app(app)
    rest_api.init_app(app)
    from marketplace.web.errors import handle_http_exception

    rest_api.http_error_handler = handle_http_exception

    from marketplace.blueprints.staff_accounts import init_staff_accounts

    init_staff_accounts(app)  # Flask-Login, and the login, password and invitation pages


def _register_blueprints(app: Flask) -> None:
    from marketplace.blueprints.agency import register_agency
    from marketplace.blueprints.api import register_api
    from marketplace.blueprints.checkout.views import bp as checkout_bp
    from marketplace.blueprints.legal.views import bp as legal_bp
    from marketplace.blueprints.privacy.views import bp as privacy_bp
    from marketplace.blueprints.storefront.feedback import bp as feedback_bp
    from marketplace.blueprints.storefront.follows import bp as follows_bp
    from marketplace.blueprints.storefront.push import bp as push_bp
    from marketplace.blueprints.storefront.views import bp as storefront_bp
    from marketplace.blueprints.storefront.waitlist import bp as waitlist_bp
    from marketplace.blueprints.storefront.watches import bp as watches_bp
    from marketplace.web.digests import bp as digests_bp
    from marketplace.web.health import bp as health_bp
    from venues_portal import register_portal

    app.register_blueprint(health_bp)
    app.register_blueprint(storefront_bp)
    app.register_blueprint(checkout_bp)
    app.register_blueprint(privacy_bp)
    app.register_blueprint(legal_bp)
    app.register_blueprint(watches_bp)
    app.register_blueprint(follows_bp)
    app.register_blueprint(push_bp)
    app.register_blueprint(waitlist_bp)
    app.register_blueprint(feedback_bp)
    app.register_blueprint(digests_bp)
    register_api(app, rest_api, csrf)
    register_portal(app, rest_api, csrf)
    register_agency(app)
