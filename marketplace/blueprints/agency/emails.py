"""The agency's e-mails in words: templates/emails/agency_<kind>.{txt,html}, links on BASE_URL."""

from __future__ import annotations

from typing import Any

from flask import current_app, render_template, url_for
from flask_babel import gettext

from marketplace.domain.accounts.mail import Email

# Where each kind's link leads: a venue manager chooses a password on the portal.
_LINKS = {"venue_invitation": "staff.accept_invitation",
          "colleague_invitation": "staff.accept_agency_invitation"}


def _subject(kind: str, context: dict[str, Any]) -> str:
    venue = context.get("venue")
    return {
        "venue_invitation": lambda: gettext("%(venue)s joins Kiosque: choose your password",
                                            venue=venue.name),
        "venue_added": lambda: gettext("You now manage %(venue)s on Kiosque", venue=venue.name),
        "colleague_invitation": lambda: gettext("You are invited to the agency's Kiosque "
                                                "dashboard"),
        "colleague_added": lambda: gettext("You now have access to the agency's Kiosque "
                                           "dashboard"),
    }[kind]()


def compose_agency_email(kind: str, **context: Any) -> Email:
    """The e-mail of `kind`, with an absolute link for the token it carries, if any."""
    base = current_app.config["BASE_URL"]
    if context.get("token"):
        context["link"] = base + url_for(_LINKS[kind], token=context["token"])
    context["portal_url"] = base + url_for("venues_portal.home")
    context["agency_url"] = base + url_for("agency.dashboard")
    return Email(subject=_subject(kind, context),
                 text=render_template(f"emails/agency_{kind}.txt", **context),
                 html=render_template(f"emails/agency_{kind}.html", **context))
