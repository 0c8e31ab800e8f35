"""The portal's e-mails in words: templates/emails/portal_<kind>.{txt,html}, links on BASE_URL."""

from __future__ import annotations

from typing import Any

from flask import current_app, render_template, url_for
from flask_babel import gettext

from marketplace.accounts.mail import Email

_LINKS = {"password_reset": "venues_portal.reset_password",
          "invitation": "venues_portal.accept_invitation"}


def _subjects(kind: str, context: dict[str, Any]) -> str:
    venue = context.get("venue")
    return {
        "password_reset": gettext("Choose a new Kiosque password"),
        "invitation": gettext("You are invited to sell on Kiosque for %(venue)s",
                              venue=venue.name if venue else ""),
        "added_to_venue": gettext("You now have access to %(venue)s on Kiosque",
                                  venue=venue.name if venue else ""),
    }[kind]


def compose_portal_email(kind: str, **context: Any) -> Email:
    """The e-mail of `kind`, with an absolute link for the token it carries, if any."""
    base = current_app.config["BASE_URL"]
    if context.get("token"):
        context["link"] = base + url_for(_LINKS[kind], token=context["token"])
    context["portal_url"] = base + url_for("venues_portal.home")
    return Email(subject=_subjects(kind, context),
                 text=render_template(f"emails/portal_{kind}.txt", **context),
                 html=render_template(f"emails/portal_{kind}.html", **context))
