"""Who may see an order: its buyer, proven by the order token or by a signed order link.

The order token is random and handed out once, at checkout (the API returns it); only
its SHA-256 is stored. Links we send later (the confirmation e-mail, the way back from
the payment page) cannot contain that token, since we no longer know it: they carry an
HMAC of the order id under the app's secret key instead. Either one opens the order;
both are compared in constant time, and neither can be rebuilt from the database alone.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.orm import Session

from marketplace.domain.errors import NotFound
from marketplace.domain.orders.models import Order

ORDER_ID_MAX_LENGTH = 32
TOKEN_MAX_LENGTH = 200


def new_order_token() -> tuple[str, str]:
    """A fresh order token and the hash to store (256 bits of randomness)."""
    token = secrets.token_urlsafe(32)
    return token, hash_order_token(token)


def hash_order_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class OrderLinks:
    """Signed links to one order, and the check that a token opens it."""

    base_url: str
    secret_key: str

    def _serializer(self) -> URLSafeSerializer:
        return URLSafeSerializer(self.secret_key, salt="kiosque-order-link")

    def key(self, order_id: str) -> str:
        """The signed key that opens the order in links (stable for a given secret)."""
        return self._serializer().dumps(order_id)

    def order_url(self, order_id: str) -> str:
        """The buyer's link to the order and its tickets."""
        return f"{self.base_url}/orders/{order_id}?token={self.key(order_id)}"

    def calendar_url(self, order_id: str) -> str:
        return f"{self.base_url}/orders/{order_id}/calendar.ics?token={self.key(order_id)}"

    def qr_url(self, ticket_code: str, fmt: str = "svg") -> str:
        """A ticket's QR code image: knowing the code is holding the ticket, no key needed."""
        return f"{self.base_url}/tickets/{ticket_code}.{fmt}"

    def opens(self, order: Order, token: object) -> bool:
        """True if `token` is the order's token or a signed key of this order."""
        if not isinstance(token, str) or not 0 < len(token) <= TOKEN_MAX_LENGTH:
            return False
        if hmac.compare_digest(hash_order_token(token), order.token_hash):
            return True
        try:
            signed_id = self._serializer().loads(token)
        except BadSignature:
            return False
        return isinstance(signed_id, str) and hmac.compare_digest(signed_id, order.id)


def order_links(config: dict) -> OrderLinks:
    """The order links of this deployment (BASE_URL, SECRET_KEY)."""
    return OrderLinks(base_url=config["BASE_URL"], secret_key=config["SECRET_KEY"])


def buyer_order(session: Session, links: OrderLinks, order_id: object, token: object) -> Order:
    """The order if `token` opens it; an unknown order and a wrong token look the same (404)."""
    order = None
    if isinstance(order_id, str) and 0 < len(order_id) <= ORDER_ID_MAX_LENGTH:
        order = session.get(Order, order_id)
    if order is None or not links.opens(order, token):
        raise NotFound("There is no such order, or this link is not valid.", code="unknown_order")
    return order
