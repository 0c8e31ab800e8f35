"""Public offers: what is on sale, where, at what price, and when the price drops next."""

from __future__ import annotations

from flask import current_app
from flask_smorest import Blueprint

from marketplace.blueprints.api.schemas import (
    CarouselQuerySchema,
    CarouselSchema,
    OfferDetailSchema,
    OfferPageSchema,
    OfferQuerySchema,
    OffersQuerySchema,
)
from marketplace.domain.offers import queries as catalog
from marketplace.domain.offers.carousel import discover, reuse_seconds
from marketplace.domain.timeutil import utcnow
from marketplace.extensions import db

blp = Blueprint("offers", __name__, description="Offers on sale")


@blp.get("/offers")
@blp.arguments(OffersQuerySchema, location="query", as_kwargs=True)
@blp.response(200, OfferPageSchema)
def list_offers(**filters):
    """Open offers with seats left, filtered, sorted and paginated."""
    return catalog.list_offers(db.session, now=utcnow(), **filters)


@blp.get("/offers/<int:offer_id>")
@blp.arguments(OfferQuerySchema, location="query", as_kwargs=True)
@blp.response(200, OfferDetailSchema)
@blp.alt_response(404, response="NOT_FOUND")
def get_offer(offer_id: int, **place):
    """One offer (even sold out, while on sale) and its upcoming price drops; with
    lat/lng (or home_lat/home_lng), how to get there by public transport."""
    origin = ((place["lat"], place["lng"]) if "lat" in place
              else (place["home_lat"], place["home_lng"]) if "home_lat" in place else None)
    return catalog.get_offer(db.session, offer_id, utcnow(), origin=origin)


@blp.get("/carousel")
@blp.arguments(CarouselQuerySchema, location="query", as_kwargs=True)
@blp.response(200, CarouselSchema)
def get_carousel(**query):
    """« À découvrir »: reasoned picks (nearby, soon, deal) mixed with random ones.

    Between a quarter and a half of the items are random, drawn uniformly from every
    open offer in the region whatever the distance; no offer twice, at most two per
    venue, never sold out.
    """
    reuse = reuse_seconds(current_app.config, current_app.testing)
    return {"items": discover(db.session, now=utcnow(), reuse_seconds=reuse, **query)}
