"""Rate limits per client on the buying path (Flask-Limiter, on Redis when configured),
and who a client is for the cap on seats held at once (marketplace.domain.inventory.client_caps).

Shared scopes: the JSON API and the HTML forms draw on the same allowance, so a client
cannot double its share by switching between them. Over the limit: 429 with Retry-After
(marketplace.web.errors). Benchmarks turn limits and caps off with RATELIMIT_ENABLED=0.
"""

from __future__ import annotations

import secrets

from flask import current_app, request, session

from marketplace.domain.inventory.client_caps import HoldClient
from marketplace.domain.inventory.client_caps import hold_client as client_of
from marketplace.domain.mail.caps import RecipientCap
from marketplace.extensions import limiter

# A person buying tickets needs a few holds and one or two checkouts a minute.
DEFAULT_HOLD_LIMIT = "20 per minute;100 per hour"
DEFAULT_CHECKOUT_LIMIT = "10 per minute;60 per hour"

hold_limit = limiter.shared_limit(
    lambda: current_app.config.get("RATELIMIT_HOLDS", DEFAULT_HOLD_LIMIT), scope="holds")
checkout_limit = limiter.shared_limit(
    lambda: current_app.config.get("RATELIMIT_CHECKOUT", DEFAULT_CHECKOUT_LIMIT),
    scope="checkout")

# This browser's random id in the (signed) session cookie: the per-browser hold cap.
BROWSER_ID = "browser"


def hold_client(*, remember_browser: bool = False) -> HoldClient | None:
    """The asking client and its caps on held seats; None when limits are off.

    `remember_browser` gives a browser without an id one (the storefront's form does;
    the API only reads it, its clients rarely keep cookies).
    """
    config = current_app.config
    if not config.get("RATELIMIT_ENABLED", True):
        return None
    browser_id = session.get(BROWSER_ID)
    if not isinstance(browser_id, str) and remember_browser:
        browser_id = session[BROWSER_ID] = secrets.token_urlsafe(16)
    return client_of(config["SECRET_KEY"], request.remote_addr,
                     browser_id if isinstance(browser_id, str) else None,
                     max_seats_per_network=config["MAX_HELD_SEATS_PER_IP"],
                     max_seats_per_browser=config["MAX_HELD_SEATS_PER_BROWSER"])

def per_recipient(cap: RecipientCap) -> RecipientCap | None:
    """`cap` (marketplace.domain.mail.caps), or None when per-client caps are off (benchmarks)."""
    return cap if current_app.config["RATELIMIT_ENABLED"] else None
