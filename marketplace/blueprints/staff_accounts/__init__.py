"""Staff accounts in the browser, for the portal and the agency alike: logging in and out,
forgotten passwords, invitations (a venue's team or the agency's), one's own account.

A web area (Flask): the rules themselves are marketplace.domain.accounts, which never imports
this package. The pages keep the addresses people have in their e-mails and bookmarks
(/portal/login, /agency/invitation/<token>, …).
"""

from __future__ import annotations

from flask import Flask


def init_staff_accounts(app: Flask) -> None:
    """Flask-Login (only live server-side logins count) and the staff accounts' pages."""
    from marketplace.blueprints.staff_accounts import views  # noqa: F401  (routes)
    from marketplace.blueprints.staff_accounts.blueprint import bp
    from marketplace.blueprints.staff_accounts.sessions import init_staff_sessions
    from marketplace.domain.accounts.logins import LOGIN_LIFETIME
    from marketplace.extensions import login_manager

    login_manager.init_app(app)
    login_manager.login_view = "staff.login"
    login_manager.login_message = None
    # The user loader: only live logins (marketplace.domain.accounts.logins).
    init_staff_sessions(app)
    # The "stay logged in" cookie is as guarded as the session cookie (HttpOnly, SameSite,
    # Secure over https: marketplace.config). Session protection stays "basic": "strong"
    # would log door staff out each time their phone changes network (and IP address).
    app.config.setdefault("REMEMBER_COOKIE_HTTPONLY", True)
    app.config.setdefault("REMEMBER_COOKIE_SAMESITE", "Lax")
    # The cookie lasts as long as the login it names (marketplace.domain.accounts.logins).
    app.config.setdefault("REMEMBER_COOKIE_DURATION", LOGIN_LIFETIME)
    app.register_blueprint(bp)
