"""Payment gateways behind one small interface: the demo gateway and Stripe.

A gateway starts a payment for a pending order (it answers where to send the buyer),
refunds a paid one, and turns what the provider tells us into a PaymentNotice. Orders
are fulfilled only from notices (marketplace.domain.purchases.confirmation), never from the
buyer's browser coming back: a notice is the provider's word that the money is there.

`gateway_for(app.config)` picks the gateway of the deployment (PAYMENT_PROVIDER).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, Protocol

import stripe

from marketplace.domain.errors import BadRequest, Unavailable
from marketplace.domain.orders.models import Order

log = logging.getLogger(__name__)

SUCCEEDED, FAILED, IGNORED = "succeeded", "failed", "ignored"
# Stripe refuses Checkout Sessions that expire sooner than this.
STRIPE_SESSION_LIFETIME = timedelta(minutes=30)


@dataclass(frozen=True)
class PaymentStart:
    """Where the buyer pays, and the provider's reference of that payment attempt."""

    redirect_url: str
    reference: str


@dataclass(frozen=True)
class PaymentNotice:
    """One notification from a provider, reduced to what the order needs.

    `event_id` is unique per provider: the same notice delivered twice has the same id.
    """

    provider: str
    event_id: str
    type: str
    outcome: str  # SUCCEEDED, FAILED or IGNORED
    order_id: str | None
    amount_cents: int | None = None
    charge_reference: str | None = None  # what a refund needs (Stripe: the PaymentIntent)
    payload: dict = field(default_factory=dict)


class PaymentGateway(Protocol):
    """What the order services need from a payment provider."""

    provider: str
    base_url: str  # the site's public address: buyers come back here, e-mails link here

    def start_payment(self, order: Order, order_token: str, title: str,
                      now: datetime) -> PaymentStart:
        """Open a payment of exactly `order.total_cents` for the order."""
        ...

    def payment_url(self, order: Order, order_token: str) -> str | None:
        """Where a pending order can still be paid, if anywhere."""
        ...

    def refund(self, order: Order, charge_reference: str | None) -> str:
        """Refund the whole order (idempotent per order); return the refund's reference."""
        ...


def order_url(base_url: str, order_id: str, order_token: str) -> str:
    """The buyer's own link to the order and its tickets (sent by e-mail, shown after paying)."""
    return f"{base_url}/orders/{order_id}?token={order_token}"


class DemoGateway:
    """A pretend card form on our own site: nothing is charged, everything else is real."""

    provider = "demo"

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url

    def start_payment(self, order: Order, order_token: str, title: str,
                      now: datetime) -> PaymentStart:
        return PaymentStart(redirect_url=self.payment_url(order, order_token),
                            reference=f"demo_{order.id}")

    def payment_url(self, order: Order, order_token: str) -> str:
        return f"{self.base_url}/pay/demo/{order.id}?token={order_token}"

    def refund(self, order: Order, charge_reference: str | None) -> str:
        return f"demo_refund_{order.id}"

    @staticmethod
    def notice(order_id: str, outcome: str) -> PaymentNotice:
        """The demo provider's notice: one fixed event id per order and outcome."""
        return PaymentNotice(
            provider="demo", event_id=f"demo_{order_id}_{outcome}",
            type=f"payment.{outcome}", outcome=outcome, order_id=order_id,
            charge_reference=f"demo_{order_id}",
            payload={"order_id": order_id, "outcome": outcome},
        )


class StripeGateway:
    """Stripe Checkout Sessions; fulfilment only from signed webhook events."""

    provider = "stripe"

    def __init__(self, secret_key: str, webhook_secret: str, api_base: str,
                 base_url: str) -> None:
        self.base_url = base_url
        self.webhook_secret = webhook_secret
        self.client = stripe.StripeClient(secret_key, base_addresses={"api": api_base},
                                          max_network_retries=2)

    def start_payment(self, order: Order, order_token: str, title: str,
                      now: datetime) -> PaymentStart:
        params: dict[str, Any] = {
            "mode": "payment",
            "line_items": [{
                "quantity": order.quantity,
                "price_data": {"currency": "eur", "unit_amount": order.unit_price_cents,
                               "product_data": {"name": title[:250]}},
            }],
            "customer_email": order.buyer_email,
            "client_reference_id": order.id,
            "metadata": {"order_id": order.id},
            "payment_intent_data": {"metadata": {"order_id": order.id}},
            "locale": order.locale if order.locale in ("fr", "en") else "auto",
            "expires_at": int((now + STRIPE_SESSION_LIFETIME).timestamp()),
            "success_url": order_url(self.base_url, order.id, order_token),
            # Back from Stripe without paying: the order page offers to pay or to give up.
            "cancel_url": order_url(self.base_url, order.id, order_token),
        }
        try:
            # A fixed key per order: a retried call returns the same session, never a second.
            session = self.client.v1.checkout.sessions.create(
                params=params, options={"idempotency_key": f"kiosque-checkout-{order.id}"})
        except stripe.StripeError as error:
            log.warning("Stripe refused or did not answer a checkout session: %s", error)
            raise Unavailable("The payment service is not answering; please try again.",
                              code="payment_unavailable") from error
        return PaymentStart(redirect_url=session.url, reference=session.id)

    def payment_url(self, order: Order, order_token: str) -> str | None:
        if not order.payment_reference:
            return None
        try:
            session = self.client.v1.checkout.sessions.retrieve(order.payment_reference)
        except stripe.StripeError as error:
            log.warning("Stripe did not return checkout session %s: %s",
                        order.payment_reference, error)
            return None
        return session.url if session.status == "open" else None

    def refund(self, order: Order, charge_reference: str | None) -> str:
        if not charge_reference:
            raise Unavailable("This payment cannot be refunded automatically.",
                              code="refund_unavailable")
        try:
            refund = self.client.v1.refunds.create(
                params={"payment_intent": charge_reference, "metadata": {"order_id": order.id}},
                options={"idempotency_key": f"kiosque-refund-{order.id}"})
        except stripe.StripeError as error:
            log.warning("Stripe refused or did not answer a refund: %s", error)
            raise Unavailable("The payment service is not answering; please try again.",
                              code="payment_unavailable") from error
        return refund.id

    def notice_from_webhook(self, payload: bytes, signature: str | None) -> PaymentNotice:
        """Verify a webhook's signature and read it; a bad one raises BadRequest (400)."""
        try:
            # Checks the signature and the timestamp (replays older than 5 minutes fail).
            # Not construct_event: it crashes on a signed body that is JSON but no object.
            stripe.WebhookSignature.verify_header(payload.decode("utf-8"), signature,
                                                  self.webhook_secret,
                                                  tolerance=stripe.Webhook.DEFAULT_TOLERANCE)
            event = json.loads(payload)
        except (stripe.SignatureVerificationError, ValueError) as error:
            raise BadRequest("The Stripe signature of this event is missing or wrong.",
                             code="invalid_signature") from error
        return stripe_notice(event)


# What each Stripe event means for the order named in its metadata.
_STRIPE_OUTCOMES = {
    "checkout.session.async_payment_succeeded": SUCCEEDED,
    "checkout.session.async_payment_failed": FAILED,
    "checkout.session.expired": FAILED,
}


def stripe_notice(event: dict) -> PaymentNotice:
    """A Stripe event (already verified) as a PaymentNotice."""
    event = event if isinstance(event, dict) else {}
    event_type = str(event.get("type") or "")
    data = event.get("data") if isinstance(event.get("data"), dict) else {}
    session = data.get("object") if isinstance(data.get("object"), dict) else {}
    outcome = _STRIPE_OUTCOMES.get(event_type, IGNORED)
    if event_type == "checkout.session.completed":
        # Card payments are paid on completion; slower methods confirm asynchronously.
        outcome = SUCCEEDED if session.get("payment_status") == "paid" else IGNORED
    metadata = session.get("metadata") if isinstance(session.get("metadata"), dict) else {}
    order_id = metadata.get("order_id") or session.get("client_reference_id")
    amount, intent = session.get("amount_total"), session.get("payment_intent")
    return PaymentNotice(
        provider="stripe", event_id=str(event.get("id") or "")[:200], type=event_type[:100],
        outcome=outcome, order_id=order_id if isinstance(order_id, str) else None,
        amount_cents=amount if isinstance(amount, int) else None,
        charge_reference=intent[:200] if isinstance(intent, str) else None, payload=event,
    )


def check_payment_settings(config: dict) -> None:
    """Refuse to start a public (https) site that takes pretend payments, unless told to.

    The demo gateway confirms an order on the buyer's word alone: on a real site it would
    hand out tickets for nothing. ALLOW_DEMO_PAYMENTS=1 is for a public demonstration.
    """
    if (config["PAYMENT_PROVIDER"] == "demo" and config["BASE_URL"].startswith("https://")
            and not config.get("ALLOW_DEMO_PAYMENTS")):
        raise RuntimeError("PAYMENT_PROVIDER=demo on an https:// BASE_URL: set "
                           "PAYMENT_PROVIDER=stripe, or ALLOW_DEMO_PAYMENTS=1 for a public demo")


def gateway_for(config: dict) -> DemoGateway | StripeGateway:
    """The gateway of this deployment, from PAYMENT_PROVIDER and its settings."""
    return _gateway(config["PAYMENT_PROVIDER"], config["BASE_URL"],
                    config.get("STRIPE_SECRET_KEY"), config.get("STRIPE_WEBHOOK_SECRET"),
                    config.get("STRIPE_API_BASE") or "https://api.stripe.com")


@lru_cache(maxsize=8)
def _gateway(provider: str, base_url: str, secret_key: str | None, webhook_secret: str | None,
             api_base: str) -> DemoGateway | StripeGateway:
    if provider == "demo":
        return DemoGateway(base_url)
    if provider == "stripe":
        if not secret_key or not webhook_secret:
            raise RuntimeError("PAYMENT_PROVIDER=stripe needs STRIPE_SECRET_KEY and "
                               "STRIPE_WEBHOOK_SECRET")
        return StripeGateway(secret_key, webhook_secret, api_base, base_url)
    raise RuntimeError(f"Unknown PAYMENT_PROVIDER {provider!r}: use 'demo' or 'stripe'")
