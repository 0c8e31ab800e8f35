"""A push service in miniature, on this machine: a browser's subscription (its own P-256
key pair and auth secret, as a browser makes them) and a local HTTP server that records
what the push service would receive, decrypts it (RFC 8291, aes128gcm) with the
browser's private key and checks the VAPID signature (RFC 8292)."""

from __future__ import annotations

import base64
import json
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid02


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class PushService:
    url: str = ""
    status: int = 201
    delay_seconds: float = 0.0
    received: list[dict] = field(default_factory=list)
    browser_key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))
    auth_secret: bytes = field(default_factory=lambda: os.urandom(16))

    def subscription(self, path: str = "/push/abc") -> dict:
        """What a browser's PushSubscription.toJSON() gives for this service."""
        point = self.browser_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
        return {"endpoint": self.url + path, "expirationTime": None,
                "keys": {"p256dh": b64url(point), "auth": b64url(self.auth_secret)}}

    def decrypt(self, body: bytes) -> dict:
        """The notification as the browser reads it (fails if not encrypted for it)."""
        plain = http_ece.decrypt(body, private_key=self.browser_key,
                                 auth_secret=self.auth_secret, version="aes128gcm")
        return json.loads(plain)


def vapid_claims(authorization: str) -> tuple[dict, str]:
    """The JWT claims and the public key of a `vapid t=…,k=…` header, once its signature
    is verified (py_vapid, over cryptography's ECDSA); AssertionError otherwise."""
    assert Vapid02.verify(authorization), "bad VAPID signature"
    parts = dict(p.split("=", 1) for p in authorization.split(" ", 1)[1].split(","))
    claims = json.loads(unb64url(parts["t"].split(".")[1]))
    return claims, parts["k"]


@contextmanager
def push_service() -> Iterator[PushService]:
    service = PushService()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            service.received.append({"path": self.path, "headers": dict(self.headers),
                                     "body": body})
            if service.delay_seconds:
                time.sleep(service.delay_seconds)
            try:
                self.send_response(service.status)
                self.send_header("Content-Length", "0")
                self.end_headers()
            except OSError:
                pass  # the sender gave up waiting

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    service.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield service
    finally:
        server.shutdown()
        server.server_close()
