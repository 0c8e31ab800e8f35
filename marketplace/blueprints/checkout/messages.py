"""What the checkout pages say when a service refuses: the domain's codes, in the buyer's words.

Services raise English messages (the JSON API shows them). The buyer's own details get
words of their own here, by field (what to type, with an example); any other refusal is
the service's message from the shared catalogue (marketplace.web.vocabulary).
"""

from __future__ import annotations

from flask_babel import gettext

from marketplace.domain.errors import DomainError
from marketplace.domain.validation import INVALID_CHARACTERS
from marketplace.web.vocabulary import error_message


def field_message(error: DomainError, value: object) -> str:
    """The message next to the field the error names (`value` is what the buyer typed)."""
    blank = value is None or (isinstance(value, str) and not value.strip())
    if error.code == INVALID_CHARACTERS:
        return gettext("Line breaks and other control characters are not allowed here.")
    if error.code == "buyer_limit_reached":
        # The cap, never how many seats that address has: whoever typed it may not own it.
        return error_message(error)
    if error.field == "email":
        return (gettext("Enter your e-mail address: your tickets are sent there.") if blank
                else gettext("This e-mail address does not look right (name@example.org)."))
    if error.field == "name":
        return (gettext("Enter the name the tickets are for.") if blank
                else gettext("This name is too long."))
    if error.field == "postcode":
        return (gettext("Enter your postcode.") if blank
                else gettext("This postcode does not look right (like 13001)."))
    if error.field == "birth_year":
        return gettext("Enter a year of birth like 1990, or leave it empty.")
    return error_message(error)


def hold_gone_message(code: str) -> tuple[str, str]:
    """Title and explanation when a hold can no longer be checked out."""
    if code == "hold_expired":
        return (gettext("Your seats are no longer held"),
                gettext("Seats are held for you for a few minutes only, and that time is up. "
                        "They may still be on sale: choose them again."))
    if code == "already_checked_out":
        return (gettext("These seats are already being paid for"),
                gettext("This reservation has already gone to payment. Check your e-mail, "
                        "or choose your seats again."))
    if code == "sales_closed":
        return (gettext("This performance is no longer on sale"),
                gettext("The venue has stopped selling seats for this performance."))
    return (gettext("This reservation does not exist"),
            gettext("The link may be incomplete, or the reservation ended long ago. "
                    "Choose your seats again."))


def unavailable_message() -> str:
    return gettext("The payment service is not answering right now. Your seats are still "
                   "held: please try again in a moment.")
