"""One push to one subscription: the payload encrypted for that browser (RFC 8291,
aes128gcm, by pywebpush and http_ece), signed for the push service (VAPID, RFC 8292,
by py_vapid), and POSTed under rule 9 (marketplace.outbound: the push service's address
must be public; no redirect followed; the answer's body never read).

pywebpush's own `webpush()` sends with `requests`, which would bypass rule 9's checks:
only its encoding is used here, the call goes through marketplace.outbound.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from pywebpush import WebPusher

from marketplace.domain.push.channel import PushChannel
from marketplace.domain.push.models import PushSubscription
from marketplace.outbound import post

# How long the push service keeps a message for a phone that is off (seconds).
TTL_SECONDS = 12 * 3600
# The VAPID token's lifetime (RFC 8292 allows at most 24 hours).
TOKEN_LIFETIME = timedelta(hours=12)
# Push services take at least 4 KB of payload; a notification needs far less.
MAX_PAYLOAD_BYTES = 3000
GONE = (404, 410)


@dataclass(frozen=True)
class PushOutcome:
    delivered: bool
    gone: bool  # the browser unsubscribed: forget this subscription
    status: int | None  # the push service's HTTP status, None when it did not answer


def payload(title: str, body: str, url: str, tag: str) -> bytes:
    """What the service worker shows: JSON, cut to fit the push services' size limits."""
    data = {"title": title[:120], "body": body[:400], "url": url, "tag": tag[:100]}
    encoded = json.dumps(data, ensure_ascii=False).encode()
    if len(encoded) > MAX_PAYLOAD_BYTES:
        data["body"] = ""
        encoded = json.dumps(data, ensure_ascii=False).encode()
    return encoded


def vapid_headers(channel: PushChannel, endpoint: str, now: datetime) -> dict[str, str]:
    """The Authorization header for `endpoint`'s push service (its origin is the audience)."""
    parts = urlsplit(endpoint)
    claims = {"aud": f"{parts.scheme}://{parts.netloc}", "sub": channel.subject,
              "exp": int((now + TOKEN_LIFETIME).timestamp())}
    return channel.vapid().sign(claims)


def send_push(subscription: PushSubscription, data: bytes, channel: PushChannel,
              now: datetime, urgency: str = "normal") -> PushOutcome:
    """Encrypt `data` for `subscription` and hand it to its push service."""
    pusher = WebPusher({"endpoint": subscription.endpoint,
                        "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth}})
    encoded = pusher.encode(data, content_encoding="aes128gcm")
    headers = {**vapid_headers(channel, subscription.endpoint, now),
               "TTL": str(TTL_SECONDS), "Urgency": urgency,
               "Content-Encoding": "aes128gcm", "Content-Type": "application/octet-stream"}
    status, _problem = post(subscription.endpoint, encoded["body"], headers, channel.policy,
                            read_timeout=channel.timeout_seconds)
    return PushOutcome(delivered=status is not None and 200 <= status < 300,
                       gone=status in GONE, status=status)
