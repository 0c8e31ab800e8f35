"""Services' messages the portal shows next to a field, marked here for the catalogue.

Services speak English (the API's language); `show_error` translates their message at
display time, so every message a portal form can receive from a service is listed here
(N_ only marks a string for `pybabel extract`; it translates nothing by itself).
"""

from __future__ import annotations


def N_(message: str) -> str:  # noqa: N802 (the gettext convention)
    return message


SERVICE_MESSAGES = (
    # marketplace.catalog.services (venue profile)
    N_("The venue needs a name."),
    N_("The venue name is longer than 200 characters."),
    N_("The venue needs a city."),
    N_("The city is longer than 120 characters."),
    N_("The address is longer than 300 characters."),
    # marketplace.inventory.terms (releases)
    N_("This performance is cancelled."),
    N_("This performance has already started."),
    N_("Sales must close at curtain time at the latest."),
    N_("Sales must close after they open."),
    N_("This sales window has already closed."),
    N_("The maximum discount must be reached within the sales window."),
    # marketplace.catalog.performances and the portal's programme
    N_("The performance must start in the future."),
    N_("The performance must start within two years."),
    N_("Give at least one date."),
    N_("At most 20 dates at once."),
    N_("Seats of this performance are on sale: its time can no longer change. Cancel it and "
       "schedule a new one."),
    N_("The image address must start with https:// or http://."),
    # marketplace.accounts
    N_("The e-mail address is required."),
    N_("This e-mail address does not look right."),
    N_("Choose a password."),
    N_("The password must be at least 10 characters long."),
    N_("The password must be at most 200 characters long."),
    N_("The current password is not right."),
    N_("Choose a role."),
    N_("This person already works for the venue."),
    N_("This person was just added by someone else; reload the page."),
    N_("This person has already chosen a password."),
    N_("A venue needs at least one manager: name another manager first."),
    N_("This link is not valid any more: it was used already, or it has expired."),
    # venues_portal.operations.profile
    N_("A web address starts with https:// or http://."),
    N_("The webhook address must be at most 500 characters."),
    # marketplace.outbound (DESIGN.md rule 9, the webhook address)
    N_("Give the full web address of your tool, starting with https://."),
    N_("The webhook address must start with https:// (http:// is not allowed)."),
    N_("Put no user name or password in the webhook address."),
    N_("Kiosque cannot send to this address: it must lead to a server on the public "
       "Internet, not to a private or local network."),
)
