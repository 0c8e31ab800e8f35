"""The push channel's settings: the VAPID key pair (RFC 8292) and where pushes may go.

The private key comes from VAPID_PRIVATE_KEY: the raw 32-byte key in base64url (what
`flask --app wsgi push keys` prints), a PEM, or a PEM file's path. Without it the
channel is off: no subscribe button is shown, and `notify` writes e-mails only.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.utils import parseaddr
from functools import lru_cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid02

from marketplace.outbound import OutboundPolicy, system_resolve

DEFAULT_TIMEOUT_SECONDS = 5.0


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class PushChannel:
    """What sending a push needs; `enabled` is False without a VAPID key."""

    private_key: str | None = None
    subject: str = "mailto:billetterie@kiosque.example.org"
    policy: OutboundPolicy = field(default_factory=OutboundPolicy)
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS

    @property
    def enabled(self) -> bool:
        return bool(self.private_key)

    def vapid(self) -> Vapid02:
        return _vapid(self.private_key)

    @property
    def public_key(self) -> str | None:
        """The application server key the browser subscribes with (base64url, 65 bytes)."""
        if not self.enabled:
            return None
        point = self.vapid().public_key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
        return b64url(point)


@lru_cache(maxsize=4)
def _vapid(private_key: str) -> Vapid02:
    text = private_key.strip()
    if "-----BEGIN" not in text and len(text) < 200 and Path(text).is_file():
        text = Path(text).read_text().strip()
    if "-----BEGIN" in text:
        key = serialization.load_pem_private_key(text.encode(), password=None)
        return Vapid02(key)
    return Vapid02.from_string(text)


def generate_key_pair() -> tuple[str, str]:
    """A new VAPID key pair: (private key, public key), both base64url, raw."""
    key = ec.generate_private_key(ec.SECP256R1())
    private = key.private_numbers().private_value.to_bytes(32, "big")
    public = key.public_key().public_bytes(serialization.Encoding.X962,
                                           serialization.PublicFormat.UncompressedPoint)
    return b64url(private), b64url(public)


def push_channel(config: Mapping) -> PushChannel:
    """The channel of an app's config: VAPID_PRIVATE_KEY, VAPID_SUBJECT (default: mailto:
    MAIL_FROM's address), PUSH_TIMEOUT_SECONDS, and rule 9's PUSH_ALLOW_PRIVATE or
    WEBHOOK_ALLOW_PRIVATE (a receiver on this machine: tests, development)."""
    subject = config.get("VAPID_SUBJECT") or \
        f"mailto:{parseaddr(config.get('MAIL_FROM') or '')[1] or 'billetterie@kiosque.example.org'}"
    allow_private = bool(config.get("PUSH_ALLOW_PRIVATE") or config.get("WEBHOOK_ALLOW_PRIVATE"))
    return PushChannel(
        private_key=config.get("VAPID_PRIVATE_KEY") or None, subject=subject,
        policy=OutboundPolicy(allow_private=allow_private,
                              resolve=config.get("WEBHOOK_RESOLVER") or system_resolve),
        timeout_seconds=float(config.get("PUSH_TIMEOUT_SECONDS") or DEFAULT_TIMEOUT_SECONDS))
