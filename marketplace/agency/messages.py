"""Services' messages the agency's forms can show, marked here for the agency's catalogue.

Services speak English (the API's language); `show_error` translates their message at
display time (N_ only marks a string for `pybabel extract`; it translates nothing).
"""

from __future__ import annotations


def N_(message: str) -> str:  # noqa: N802 (the gettext convention)
    return message


SERVICE_MESSAGES = (
    # marketplace.agency.operations
    N_("Only the agency's staff can do this."),
    N_("This address could not be placed on the map: type its latitude and longitude."),
    N_("Every manager of this venue has already chosen a password."),
    N_("This person is already on the agency's team."),
    N_("You cannot take away your own access; ask another admin."),
    N_("Choose a role."),
    # marketplace.catalog.services (the new venue)
    N_("The venue needs a name."),
    N_("The venue name is longer than 200 characters."),
    N_("The venue needs a city."),
    N_("The city is longer than 120 characters."),
    N_("The address is longer than 300 characters."),
    # marketplace.accounts (e-mail addresses, the invited colleague's password)
    N_("The e-mail address is required."),
    N_("This e-mail address does not look right."),
    N_("Choose a password."),
    N_("The password must be at least 10 characters long."),
    N_("The password must be at most 200 characters long."),
    N_("The name is required."),
    N_("The name must be at most 200 characters."),
    N_("The manager's name must be at most 200 characters."),
)
