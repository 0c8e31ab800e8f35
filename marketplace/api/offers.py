"""Public offers: what is on sale, where, at what price, and when the price drops next."""

from __future__ import annotations

from flask_smorest import Blueprint

from marketplace.api.schemas import OfferDetailSchema, OfferPageSchema, OffersQuerySchema
from marketplace.catalog import queries as catalog
from marketplace.extensions import db
from marketplace.timeutil import utcnow

blp = Blueprint("offers", __name__, description="Offers on sale")


@blp.get("/offers")
@blp.arguments(OffersQuerySchema, location="query", as_kwargs=True)
@blp.response(200, OfferPageSchema)
def list_offers(**filters):
    """Open offers with seats left, filtered, sorted and paginated."""
    return catalog.list_offers(db.session, now=utcnow(), **filters)


@blp.get("/offers/<int:offer_id>")
@blp.response(200, OfferDetailSchema)
@blp.alt_response(404, response="NOT_FOUND")
def get_offer(offer_id: int):
    """One offer (even sold out, while on sale) and its upcoming price drops."""
    return catalog.get_offer(db.session, offer_id, utcnow())
