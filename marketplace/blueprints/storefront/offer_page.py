"""The offer page: what it shows (the price clock among it) and how it says no to a booking."""

from __future__ import annotations

from datetime import datetime

from flask import render_template
from flask_babel import format_datetime, format_decimal, gettext, ngettext

from marketplace.blueprints.storefront.chart import PriceClock, price_clock
from marketplace.blueprints.storefront.display import CLOCK, FEW_SEATS
from marketplace.blueprints.storefront.location import Location
from marketplace.domain.catalog.geo import haversine_km
from marketplace.domain.errors import Busy, Conflict, DomainError, NotFound, RateLimited
from marketplace.domain.offers.offer import OfferDetail
from marketplace.domain.offers.queries import get_offer
from marketplace.domain.pricing import drop_count, upcoming_schedule
from marketplace.domain.timeutil import to_paris, utcnow
from marketplace.domain.transit.journeys import ARRIVE_MARGIN, WALK_RADIUS_M, WALK_SPEED_KMH
from marketplace.extensions import db
from marketplace.web.templating import euros
from marketplace.web.vocabulary import error_message

# Drops drawn by the price clock: an exact staircase up to this many, a thinned line above.
CHART_POINTS = 48


def offer_context(offer_id: int, location: Location | None, now: datetime) -> dict:
    """Everything templates/storefront/offer.html needs; NotFound (404) if not on sale."""
    offer = get_offer(db.session, offer_id, now,
                      origin=location.origin if location else None)
    distance = (haversine_km(location.lat, location.lng, offer.venue.lat, offer.venue.lng)
                if location else None)
    return {
        "offer": offer, "now": now, "location": location, "distance_km": distance,
        "clock": _price_clock(offer, now), "few_seats": FEW_SEATS,
        "quantities": range(1, min(offer.max_per_order, offer.seats_left) + 1),
        "quantity": 1, "error": None,
        "walk": {"radius_m": WALK_RADIUS_M, "speed": format_decimal(WALK_SPEED_KMH),
                 "margin": int(ARRIVE_MARGIN.total_seconds() // 60)},
    }


def hold_refusal(offer_id: int, error: DomainError, quantity: int | None,
                 location: Location | None):
    """The offer page again, saying in the spectator's language why no seats were held."""
    now = utcnow()
    status = 409 if isinstance(error, Conflict) else 422
    headers = {}
    if isinstance(error, RateLimited):
        status, headers = 429, {"Retry-After": str(error.retry_after)}
    elif isinstance(error, Busy):
        status, headers = 503, {"Retry-After": str(error.retry_after)}
    try:
        context = offer_context(offer_id, location, now)
    except NotFound:
        # No longer on sale at all (closed, withdrawn): nothing left to show but the reason.
        return render_template("errors/error.html", status=409, code=error.code,
                               message=gettext("Sales for this offer are closed.")), 409
    context.update(error=_refusal(error, context["offer"], quantity),
                   quantity=quantity if quantity in context["quantities"] else 1)
    return render_template("storefront/offer.html", **context), status, headers


def _refusal(error: DomainError, offer: OfferDetail, quantity: int | None) -> str:
    left = offer.seats_left
    if isinstance(error, Busy):
        return gettext("Many people are booking this offer right now: please try again "
                       "in a few seconds.")
    if error.code == "sold_out" or (error.code == "not_enough_seats" and left <= 0):
        return gettext("Sold out: every seat of this offer has just gone.")
    if error.code == "not_enough_seats":
        if quantity is not None and left >= quantity:
            return gettext("Seats are going fast: please try again.")
        return ngettext("Only %(num)d seat is left: choose fewer.",
                        "Only %(num)d seats are left: choose fewer.", left)
    if error.code == "sales_closed":
        return gettext("Sales for this offer are closed.")
    if error.code == "too_many_seats_held":  # the cap of this browser or of this network
        return error_message(error)
    if error.field == "quantity":
        return gettext("Choose between 1 and %(max)d seats.",
                       max=max(1, min(offer.max_per_order, left)))
    return error_message(error)


def _price_clock(offer: OfferDetail, now: datetime) -> PriceClock:
    drops = [d for d in upcoming_schedule(offer.price_schedule, now, CHART_POINTS)
             if d.at < offer.sales_close_at]
    today = to_paris(now).date()

    def clock(at: datetime) -> str:
        local = to_paris(at)
        if local.date() == today:
            return format_datetime(local, CLOCK)
        return format_datetime(local, f"EEE {CLOCK}")

    every_drop = drop_count(offer.price_schedule, now) <= CHART_POINTS
    return price_clock(now=now, end=offer.sales_close_at,
                       face_price_cents=offer.face_price_cents, price_cents=offer.price_cents,
                       drops=drops, every_drop=every_drop, money=_short_euros, clock=clock)


def _short_euros(cents: int) -> str:
    """Axis labels: "30 €" rather than "30,00 €" when the cents are round."""
    if cents % 100 == 0:
        return euros(cents).replace(",00", "").replace(".00", "")
    return euros(cents)
