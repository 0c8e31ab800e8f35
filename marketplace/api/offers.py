"""Public offers: what is on sale, where, at what price (filled in by the offers work)."""

from flask_smorest import Blueprint

blp = Blueprint("offers", __name__, description="Offers on sale")
