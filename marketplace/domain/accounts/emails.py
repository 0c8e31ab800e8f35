"""Staff e-mails in words, composed like every other e-mail (marketplace.domain.mail).

Portal e-mails are templates/emails/portal_<kind>, agency e-mails agency_<kind>; their
links come from MailLinks, like the spectators' ones. A composer is made for one language:
the page's for e-mails asked from a page, the owner's own for a login alert (it is sent
while someone else is at the login page).
"""

from __future__ import annotations

from typing import Any

from marketplace.domain.accounts.mail import ComposeEmail, Email
from marketplace.domain.mail.links import MailLinks
from marketplace.domain.mail.rendering import gettext_for, known_locale, render_email


def portal_email_composer(links: MailLinks, locale: str) -> ComposeEmail:
    """Compose the portal's e-mails (password reset, invitation, …) in `locale`."""

    def compose(kind: str, **context: Any) -> Email:
        language = known_locale(context["user"].locale) if kind == "login_alert" else locale
        gettext = gettext_for(language)
        venue = context.get("venue")
        venue_name = venue.name if venue else ""
        subject = {
            "password_reset": lambda: gettext("Choose a new Kiosque password"),
            "invitation": lambda: gettext(
                "You are invited to sell on Kiosque for %(venue)s") % {"venue": venue_name},
            "added_to_venue": lambda: gettext(
                "You now have access to %(venue)s on Kiosque") % {"venue": venue_name},
            "login_alert": lambda: gettext("Someone tried to log in to your Kiosque account"),
        }[kind]()
        if context.get("role"):
            context["role_name"] = _role_name(gettext, context["role"])
        # Only e-mails that carry a one-time token have a link to follow.
        context["link"] = (links.staff_token_url(kind, context["token"])
                           if context.get("token") else None)
        context.update(portal_url=links.portal_url(), forgotten_url=links.forgotten_url())
        return _email(f"portal_{kind}", language, subject, context)

    return compose


def agency_email_composer(links: MailLinks, locale: str) -> ComposeEmail:
    """Compose the agency's e-mails (venue and colleague invitations) in `locale`."""

    def compose(kind: str, **context: Any) -> Email:
        gettext = gettext_for(locale)
        venue = context.get("venue")
        subject = {
            "venue_invitation": lambda: gettext(
                "%(venue)s joins Kiosque: choose your password") % {"venue": venue.name},
            "venue_added": lambda: gettext(
                "You now manage %(venue)s on Kiosque") % {"venue": venue.name},
            "colleague_invitation": lambda: gettext(
                "You are invited to the agency's Kiosque dashboard"),
            "colleague_added": lambda: gettext(
                "You now have access to the agency's Kiosque dashboard"),
        }[kind]()
        # Only e-mails that carry a one-time token have a link to follow.
        context["link"] = (links.staff_token_url(kind, context["token"])
                           if context.get("token") else None)
        context.update(portal_url=links.portal_url(), agency_url=links.agency_url())
        return _email(f"agency_{kind}", locale, subject, context)

    return compose


def _role_name(gettext, role: str) -> str:
    return {"manager": gettext("Manager"), "box_office": gettext("Box office")}.get(role, role)


def _email(template: str, locale: str, subject: str, context: dict[str, Any]) -> Email:
    text, html = render_email(template, locale, **context)
    return Email(subject=subject, text=text, html=html)
