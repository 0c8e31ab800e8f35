"""The staff e-mail composers for the request at hand: this app's links, this page's language."""

from __future__ import annotations

from flask import current_app
from flask_babel import get_locale

from marketplace.domain.accounts.emails import agency_email_composer, portal_email_composer
from marketplace.domain.accounts.mail import ComposeEmail
from marketplace.domain.mail.links import mail_links


def portal_emails() -> ComposeEmail:
    return portal_email_composer(mail_links(current_app.config), str(get_locale() or "fr"))


def agency_emails() -> ComposeEmail:
    return agency_email_composer(mail_links(current_app.config), str(get_locale() or "fr"))
