"""Rate limits per client on the buying path (Flask-Limiter, on Redis when configured).

Shared scopes: the JSON API and the HTML forms draw on the same allowance, so a client
cannot double its share by switching between them. Over the limit: 429 with Retry-After
(marketplace.web.errors). Benchmarks turn limits off with RATELIMIT_ENABLED=0.
"""

from __future__ import annotations

from flask import current_app

from marketplace.extensions import limiter
from marketplace.mail.caps import RecipientCap

# A person buying tickets needs a few holds and one or two checkouts a minute.
DEFAULT_HOLD_LIMIT = "20 per minute;100 per hour"
DEFAULT_CHECKOUT_LIMIT = "10 per minute;60 per hour"

hold_limit = limiter.shared_limit(
    lambda: current_app.config.get("RATELIMIT_HOLDS", DEFAULT_HOLD_LIMIT), scope="holds")
checkout_limit = limiter.shared_limit(
    lambda: current_app.config.get("RATELIMIT_CHECKOUT", DEFAULT_CHECKOUT_LIMIT),
    scope="checkout")


def per_recipient(cap: RecipientCap) -> RecipientCap | None:
    """`cap` (marketplace.mail.caps), or None when per-client caps are off (benchmarks)."""
    return cap if current_app.config["RATELIMIT_ENABLED"] else None
