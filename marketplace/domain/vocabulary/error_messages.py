"""Every message a domain error can carry, listed once for the shared catalogue.

Services raise them in English: the API answers with that English (DomainError.message);
pages translate them where they show them (marketplace.web.vocabulary.error_message). A
message with values is a template: its placeholders (%(left)d) are filled from the
error's params, in English and in French alike.

tests/test_vocabulary.py reads every raise in marketplace/ and venues_portal/ and fails
when one is missing here, listed twice, no longer raised, or has no French: after adding
a message, add it here (under the module that raises it), then extract, update and
compile the catalogue as babel.cfg (next to this file) says.
"""

from __future__ import annotations

from marketplace.domain.vocabulary import N_

ERROR_MESSAGES: tuple[str, ...] = (
    # marketplace.domain.errors
    N_("The request cannot be processed."),
    N_("Not found."),
    N_("You are not allowed to do this."),
    # marketplace.domain.validation (one-line fields)
    N_("Line breaks and other control characters are not allowed here."),
    # marketplace.domain.accounts (logins, passwords, digests)
    N_("Too many wrong passwords from here: wait before trying again."),
    N_("This password is too easy to guess: a few unrelated words make a strong one."),
    N_("This link does not lead to anyone's digests."),
    N_("Authentication required."),
    N_("Too many requests; please wait a moment and try again."),
    N_("The service is briefly unavailable; please try again."),
    N_("Many people are booking this at the same moment; please try again shortly."),
    # marketplace.domain.validation
    N_("%(label)s is required."),
    N_("%(label)s must be a whole number."),
    N_("%(label)s must be between %(low)d and %(high)d."),
    N_("%(label)s must be text."),
    N_("%(label)s must be at most %(max_length)d characters."),
    N_("%(label)s must be a date and time."),
    N_("%(label)s needs a UTC offset (ISO 8601, e.g. +01:00)."),
    N_("%(label)s is out of range."),
    # marketplace.domain.accounts.authentication
    N_("The e-mail address is required."),
    N_("This e-mail address does not look right."),
    N_("Choose a password."),
    N_("The password must be at least 10 characters long."),
    N_("The password must be at most 200 characters long."),
    # marketplace.domain.accounts.memberships
    N_("Choose a role."),
    N_("This person already works for the venue."),
    N_("This person was just added by someone else; reload the page."),
    N_("This person has already chosen a password."),
    N_("Only a manager of the venue can change its team."),
    N_("This person does not work for the venue."),
    N_("A venue needs at least one manager: name another manager first."),
    # marketplace.domain.accounts.passwords
    N_("The current password is not right."),
    # marketplace.domain.accounts.services
    N_("The venue has no such token."),
    N_("Only a manager of the venue can manage its API tokens."),
    # marketplace.domain.accounts.signed_links
    N_("This link is not valid any more: it was used already, or it has expired."),
    # marketplace.blueprints.agency.operations
    N_("Only the agency's staff can do this."),
    N_("Every manager of this venue has already chosen a password."),
    N_("Unknown venue status."),
    N_("No such venue."),
    N_("This address could not be placed on the map: type its latitude and longitude."),
    N_("This person is already on the agency's team."),
    N_("This person is not on the agency's team."),
    N_("You cannot take away your own access; ask another admin."),
    # marketplace.domain.catalog.performances
    N_("The performance must start in the future."),
    N_("The performance must start within two years."),
    N_("The show must be an object with a title and a discipline."),
    N_("Unknown show field: %(name)s."),
    N_("The discipline must be one of: %(choices)s."),
    N_("The image address must start with https:// or http://."),
    # marketplace.domain.catalog.places
    N_("No town or postcode of that name was found."),
    N_("Places beyond the region's towns cannot be looked up right now: type a postcode or a "
       "town of the region, or try again in a moment."),
    N_("Type a town or a postcode."),
    # marketplace.domain.offers.queries
    N_("when must be one of %(choices)s."),
    N_("No offer on sale has this id."),
    N_("lat and lng go together."),
    N_("lat/lng out of range."),
    N_("radius_km needs lat/lng and must be in ]0, %(max)s]."),
    N_("Give either when or date, not both."),
    N_("Unknown discipline."),
    N_("max_price_cents must not be negative."),
    N_("sort must be one of %(choices)s (distance needs lat/lng)."),
    N_("page starts at 1."),
    N_("per_page must be between 1 and %(max)d."),
    N_("home_lat and home_lng go together."),
    N_("home_reachable needs home_lat and home_lng."),
    N_("walk_m must be between %(min)d and %(max)d metres."),
    # marketplace.domain.catalog.services
    N_("The venue needs a name."),
    N_("The venue name is longer than 200 characters."),
    N_("The venue needs a city."),
    N_("The city is longer than 120 characters."),
    N_("The address is longer than 300 characters."),
    N_("The postcode must be 5 digits (got %(postcode)r)."),
    N_("%(field)s must be a number (got %(value)r)."),
    N_("%(field)s must be between -%(bound)d and %(bound)d (got %(value)s)."),
    N_("Unknown discipline %(discipline)r; expected one of %(choices)s."),
    # marketplace.domain.contacts.queries
    N_("This venue has no such contact."),
    # marketplace.domain.rights.services
    N_("This link is not valid any more (it expired, or it was altered). Ask for a new one."),
    N_("This venue holds no contact for you."),
    N_("You have no such alert."),
    # marketplace.domain.contacts.webhooks
    N_("This delivery was about a spectator who has since erased their details: it cannot be "
       "sent again."),
    # marketplace.domain.feedback.services
    N_("This link does not lead to an order."),
    N_("Choose a rating from 1 to 5."),
    N_("At most %(max)d characters, please."),
    # marketplace.domain.inventory.client_caps
    N_("You already have %(cap)d seats of this offer set aside, as many as one order may "
       "take: finish or cancel that purchase first."),
    N_("Many seats of this offer are already set aside from your connection: at most %(cap)d "
       "at once. Try again in a few minutes."),
    N_("You already have seats set aside that are not paid for: at most %(cap)d at once. Finish "
       "or cancel a purchase in progress, or try again in a few minutes."),
    N_("Many seats are already set aside from your connection (a shared network?): at most "
       "%(cap)d at once. Try again in a few minutes."),
    # marketplace.domain.inventory.services
    N_("%(sold)d seats are sold and %(held)d held: the quantity cannot go below %(least)d."),
    N_("The quantity must be a whole number of seats."),
    N_("Choose at least 1 seat."),
    N_("At most %(max)d seats per order for this offer."),
    N_("These seats are paid for; the hold can no longer be released."),
    N_("This venue has no such performance."),
    N_("The venue has stopped selling this offer."),
    N_("This performance is cancelled."),
    N_("This performance has already started."),
    N_("This venue is not selling at the moment."),
    N_("Sales for this offer open at %(opens_at)s."),
    N_("Sales for this offer are closed."),
    N_("Seats are changing hands right now (%(left)d left); please try again."),
    N_("Sold out: every seat of this offer is taken."),
    N_("Only 1 seat is left."),
    N_("Only %(left)d seats are left."),
    N_("There is no such offer."),
    N_("This venue has no such release."),
    N_("There is no such hold."),
    # marketplace.domain.inventory.terms
    N_("The start discount (%(start)d%%) cannot be above the maximum discount (%(deepest)d%%)."),
    N_("The curve must be one of: %(choices)s."),
    N_("step_minutes only applies to the 'steps' curve."),
    N_("Sales must close at curtain time at the latest."),
    N_("Sales must close after they open."),
    N_("This sales window has already closed."),
    N_("The maximum discount must be reached within the sales window."),
    # marketplace.domain.orders.access
    N_("There is no such order, or this link is not valid."),
    # marketplace.domain.purchases.cancellation
    N_("Only a paid order can be refunded."),
    N_("This venue has no such order."),
    # marketplace.domain.waitlist
    N_("Seats are on sale for this offer (%(left)d left): buy them instead of waiting."),
    N_("This e-mail address is already on the waiting list of this offer."),
    N_("There is no such waiting-list entry."),
    # marketplace.domain.orders.checkout
    N_("These seats are kept for the person in line they were offered to: check out with "
       "the e-mail address that joined the waiting list."),
    N_("This e-mail address does not look right (name@example.org)."),
    N_("The postcode should look like 13001."),
    N_("The birth year must be a year, like 1990."),
    N_("marketing_consent must be true or false."),
    N_("Your seats were held for a limited time, and that time is up. Choose them again to buy "
       "them."),
    N_("At most %(cap)d seats per person for this performance, and this order would go past it: "
       "choose fewer seats."),
    N_("These seats are already being paid for."),
    # marketplace.domain.orders.payments
    N_("The payment service is not answering; please try again."),
    N_("This payment cannot be refunded automatically."),
    N_("The Stripe signature of this event is missing or wrong."),
    # marketplace.domain.purchases.refunds
    N_("Orders paid through %(provider)s cannot be refunded here."),
    # marketplace.domain.orders.tickets
    N_("There is no such ticket."),
    # marketplace.outbound
    N_("Kiosque cannot send to this address: it must lead to a server on the public Internet, "
       "not to a private or local network."),
    N_("Give the full web address of your tool, starting with https://."),
    N_("The webhook address must start with https:// (http:// is not allowed)."),
    N_("Put no user name or password in the webhook address."),
    # marketplace.domain.watches.services
    N_("This alert does not exist or has ended."),
    N_("This alert does not exist."),
    N_("Enter a valid e-mail address."),
    N_("Unknown offer."),
    N_("Unknown place."),
    N_("The price must be between 1 and 1000 euros."),
    N_("Unknown time."),
    N_("Not a number."),
    # marketplace.domain.follows.services
    N_("This venue does not exist."),
    N_("You do not follow this venue (any more)."),
    # marketplace.domain.push.services
    N_("This page has expired: open the link of your e-mail again."),
    N_("You have no such notifications."),
    N_("This browser gave no subscription."),
    # marketplace.web.auth
    N_("A valid %(scope)s API token is required (Authorization: Bearer <token>)."),
    # marketplace.web.input_guard
    N_("Send the request body as JSON (Content-Type: application/json)."),
    N_("Text may not contain NUL (0x00) characters."),
    # venues_portal.api
    N_('Send the changes as a JSON object, e.g. {"webhook_url": "https://…"}.'),
    # venues_portal.operations.contacts_webhooks
    N_("This venue has no such delivery."),
    N_("Give your tool's webhook address in the venue profile first."),
    N_("Only a manager of the venue can handle its webhooks."),
    # venues_portal.operations.profile
    N_("Only a manager of the venue can change its profile."),
    N_("A web address starts with https:// or http://."),
    # venues_portal.operations.programme
    N_("The venue has no such show."),
    N_("The venue has no such performance."),
    N_("Seats of this performance are on sale: its time can no longer change. Cancel it and "
       "schedule a new one."),
    N_("Give at least one date."),
    N_("At most 20 dates at once."),
    N_("Only a manager of the venue can change its programme."),
)

# The labels marketplace.domain.validation's checks put inside their messages ("%(label)s is
# required."), translated along with them.
WORDS_IN_MESSAGES: tuple[str, ...] = (
    N_("The name"),  # marketplace.domain.accounts.memberships
    N_("The name of the token"),  # marketplace.domain.accounts.services
    N_("The manager's name"),  # marketplace.blueprints.agency.operations
    N_("The start time"),  # marketplace.domain.catalog.performances
    N_("The title"),  # marketplace.domain.catalog.performances
    N_("The description"),  # marketplace.domain.catalog.performances
    N_("The duration (minutes)"),  # marketplace.domain.catalog.performances
    N_("The age guidance"),  # marketplace.domain.catalog.performances
    N_("The image address"),  # marketplace.domain.catalog.performances
    N_("The quantity"),  # marketplace.domain.inventory.services
    N_("The category"),  # marketplace.domain.inventory.terms
    N_("The face price (cents)"),  # marketplace.domain.inventory.terms
    N_("The maximum per order"),  # marketplace.domain.inventory.terms
    N_("The start discount (percent)"),  # marketplace.domain.inventory.terms
    N_("The maximum discount (percent)"),  # marketplace.domain.inventory.terms
    N_("The step length (minutes) of a 'steps' curve"),  # marketplace.domain.inventory.terms
    N_("The sales opening time"),  # marketplace.domain.inventory.terms
    N_("The sales closing time"),  # marketplace.domain.inventory.terms
    N_("The time of the maximum discount"),  # marketplace.domain.inventory.terms
    N_("The e-mail address"),  # marketplace.domain.orders.checkout
    N_("The postcode"),  # marketplace.domain.orders.checkout
    N_("The access notes"),  # venues_portal.operations.profile
    N_("The transport notes"),  # venues_portal.operations.profile
    N_("The getting-home notes"),  # venues_portal.operations.profile
    N_("The phone number"),  # venues_portal.operations.profile
    N_("The address"),  # venues_portal.operations.profile
    N_("The webhook address"),  # venues_portal.operations.profile
    N_("The date"),  # venues_portal.operations.programme
)
