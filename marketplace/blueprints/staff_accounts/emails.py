"""The portal's e-mails in words: templates/emails/portal_<kind>.{txt,html}, links on BASE_URL."""

from __future__ import annotations

from typing import Any

from flask import current_app, render_template, url_for
from flask_babel import force_locale, gettext

from marketplace.domain.accounts.mail import Email

_LINKS = {"password_reset": "staff.reset_password",
          "invitation": "staff.accept_invitation"}


def _subjects(kind: str, context: dict[str, Any]) -> str:
    venue = context.get("venue")
    return {
        "password_reset": gettext("Choose a new Kiosque password"),
        "invitation": gettext("You are invited to sell on Kiosque for %(venue)s",
                              venue=venue.name if venue else ""),
        "added_to_venue": gettext("You now have access to %(venue)s on Kiosque",
                                  venue=venue.name if venue else ""),
        "login_alert": gettext("Someone tried to log in to your Kiosque account"),
    }[kind]


def compose_portal_email(kind: str, **context: Any) -> Email:
    """The e-mail of `kind`, with an absolute link for the token it carries, if any."""
    if kind == "login_alert":
        # Sent while someone else is at the login page: in the owner's language, not theirs.
        with force_locale(context["user"].locale or "fr"):
            return _compose(kind, context)
    return _compose(kind, context)


def _compose(kind: str, context: dict[str, Any]) -> Email:
    base = current_app.config["BASE_URL"]
    if context.get("token"):
        context["link"] = base + url_for(_LINKS[kind], token=context["token"])
    context["portal_url"] = base + url_for("venues_portal.home")
    context["forgotten_url"] = base + url_for("staff.forgot_password")
    return Email(subject=_subjects(kind, context),
                 text=render_template(f"emails/portal_{kind}.txt", **context),
                 html=render_template(f"emails/portal_{kind}.html", **context))
