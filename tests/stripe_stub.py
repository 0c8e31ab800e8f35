"""A local stand-in for the few Stripe HTTP endpoints Kiosque calls (stripe-mock cannot be
installed here), served by werkzeug on a free port. The real `stripe` library talks to
it through STRIPE_API_BASE, so requests are encoded, sent and parsed exactly as in
production; the stub records them and honours Idempotency-Key like Stripe does.

Also builds and signs webhook events with the real library, for the webhook endpoint.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

import stripe
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

WEBHOOK_SECRET = "whsec_test_kiosque"
SECRET_KEY = "sk_test_kiosque"


def _nested(form: list[tuple[str, str]]) -> dict:
    """Stripe's form encoding (a[b][0][c]=v) back into nested dicts and lists."""
    root: dict = {}
    for key, value in form:
        parts = key.replace("]", "").split("[")
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value

    def listify(node):
        if isinstance(node, dict):
            if node and all(k.isdigit() for k in node):
                return [listify(node[k]) for k in sorted(node, key=int)]
            return {k: listify(v) for k, v in node.items()}
        return node

    return listify(root)


@dataclass
class StripeStub:
    url: str = ""
    sessions: dict[str, dict] = field(default_factory=dict)
    refunds: dict[str, dict] = field(default_factory=dict)
    requests: list[tuple[str, str, dict]] = field(default_factory=list)
    fail_next: int = 0  # answer the next N calls with a 500 (a Stripe outage)
    _by_idempotency_key: dict[str, tuple[int, dict]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def wsgi(self, environ, start_response):
        request = Request(environ)
        params = _nested(parse_qsl(request.get_data(as_text=True), keep_blank_values=True))
        with self._lock:
            self.requests.append((request.method, request.path, params))
            if self.fail_next:
                self.fail_next -= 1
                return self._json(500, {"error": {"type": "api_error",
                                                  "message": "stub outage"}})(environ,
                                                                               start_response)
            if request.headers.get("Authorization") != f"Bearer {SECRET_KEY}":
                status, body = 401, {"error": {"type": "invalid_request_error",
                                               "message": "bad key"}}
            else:
                key = request.headers.get("Idempotency-Key")
                if key and key in self._by_idempotency_key:
                    status, body = self._by_idempotency_key[key]
                else:
                    status, body = self._route(request.method, request.path, params)
                    if key:
                        self._by_idempotency_key[key] = (status, body)
        return self._json(status, body)(environ, start_response)

    def _route(self, method: str, path: str, params: dict) -> tuple[int, dict]:
        if method == "POST" and path == "/v1/checkout/sessions":
            return 200, self._create_session(params)
        if method == "GET" and path.startswith("/v1/checkout/sessions/"):
            session = self.sessions.get(path.rsplit("/", 1)[1])
            return (200, session) if session else (404, _missing("checkout session"))
        if method == "POST" and path == "/v1/refunds":
            return 200, self._create_refund(params)
        return 404, _missing(path)

    def _create_session(self, params: dict) -> dict:
        session_id = f"cs_test_{secrets.token_hex(12)}"
        items = params.get("line_items", [])
        amount = sum(int(i["quantity"]) * int(i["price_data"]["unit_amount"]) for i in items)
        session = {
            "id": session_id, "object": "checkout.session", "status": "open",
            "payment_status": "unpaid", "mode": params.get("mode"),
            "amount_total": amount, "currency": "eur",
            "customer_email": params.get("customer_email"),
            "client_reference_id": params.get("client_reference_id"),
            "metadata": params.get("metadata", {}),
            "payment_intent": None,
            "success_url": params.get("success_url"), "cancel_url": params.get("cancel_url"),
            "expires_at": int(params.get("expires_at") or time.time() + 1800),
            "url": f"https://checkout.stripe.test/c/pay/{session_id}",
            "line_items_sent": items,
        }
        self.sessions[session_id] = session
        return session

    def _create_refund(self, params: dict) -> dict:
        refund_id = f"re_test_{secrets.token_hex(12)}"
        intent = params.get("payment_intent")
        session = next((s for s in self.sessions.values() if s["payment_intent"] == intent),
                       None)
        refund = {"id": refund_id, "object": "refund", "status": "succeeded",
                  "payment_intent": intent, "metadata": params.get("metadata", {}),
                  "amount": session["amount_total"] if session else 0, "currency": "eur"}
        self.refunds[refund_id] = refund
        return refund

    @staticmethod
    def _json(status: int, body: dict) -> Response:
        return Response(json.dumps(body), status=status, mimetype="application/json",
                        headers={"Request-Id": f"req_{secrets.token_hex(6)}"})

    # Webhook events -----------------------------------------------------------------

    def complete(self, session_id: str, *, paid: bool = True) -> dict:
        """The buyer pays on Stripe's page: the session completes, an intent exists."""
        session = self.sessions[session_id]
        session.update(status="complete", payment_status="paid" if paid else "unpaid",
                       payment_intent=session["payment_intent"] or
                       f"pi_test_{secrets.token_hex(12)}")
        return session

    def event(self, event_type: str, session_id: str, *, event_id: str | None = None,
              **overrides) -> dict:
        """A Stripe event about one checkout session, as the webhook would carry it."""
        session = dict(self.sessions[session_id], **overrides)
        return {"id": event_id or f"evt_{secrets.token_hex(12)}", "object": "event",
                "api_version": "2025-01-01", "created": int(time.time()),
                "type": event_type, "livemode": False, "pending_webhooks": 1,
                "data": {"object": session}}


def signed(event: dict, secret: str = WEBHOOK_SECRET) -> tuple[bytes, dict]:
    """The event's body and headers, signed as Stripe signs them (with the real library)."""
    payload = json.dumps(event)
    header = stripe.WebhookSignature.generate_signature_header(payload, secret)
    return payload.encode(), {"Stripe-Signature": header, "Content-Type": "application/json"}


def _missing(what: str) -> dict:
    return {"error": {"type": "invalid_request_error", "message": f"No such {what}"}}


@contextmanager
def stripe_stub() -> Iterator[StripeStub]:
    """Run the stub on 127.0.0.1:<free port> for the duration of the block."""
    stub = StripeStub()
    server = make_server("127.0.0.1", 0, stub.wsgi, threaded=True)
    stub.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, name="stripe-stub", daemon=True)
    thread.start()
    try:
        yield stub
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()
