"""Security headers on every answer (flask-talisman): CSP, framing, sniffing, referrer, HSTS.

HTTPS is decided by BASE_URL, as for secure cookies: a deployment served over https://
redirects plain requests and sends HSTS; a laptop or a test on http:// does neither.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import Flask
from flask_talisman import Talisman

SELF = "'self'"
STRIPE_CHECKOUT = "https://checkout.stripe.com"
DEFAULT_MAP_TILES = "https://tile.openstreetmap.org"
# Load balancers probe over plain HTTP behind the TLS terminator.
PLAIN_HTTP_ENDPOINTS = ("health.healthz",)
# Pages that compile WebAssembly: the door scanner's QR decoder (ZXing-C++), and only it.
WEBASSEMBLY_ENDPOINTS = ("venues_portal.checkin", "venues_portal.scan")


def content_security_policy(config: dict) -> dict[str, str]:
    """Every script and stylesheet from our own origin; nothing inline but style attributes."""
    images = [SELF, "data:", "blob:"]  # data: the favicon, QR codes and the scanner's icons
    tiles = _origin(config.get("MAP_TILES_URL", DEFAULT_MAP_TILES))
    if tiles:
        images.append(tiles)
    form_targets = [SELF]
    if config.get("PAYMENT_PROVIDER") == "stripe":
        # Browsers apply form-action to the redirect that follows the checkout form.
        form_targets.append(STRIPE_CHECKOUT)
    return {
        "default-src": SELF,
        "script-src": SELF,
        "style-src": SELF,
        # ~100 small layout attributes in templates; attributes cannot run code.
        "style-src-attr": "'unsafe-inline'",
        "img-src": " ".join(images),
        "media-src": f"{SELF} blob: mediastream:",  # the door scanner's camera preview
        "worker-src": SELF,
        "connect-src": SELF,
        "font-src": SELF,
        "object-src": "'none'",
        "base-uri": SELF,
        "form-action": " ".join(form_targets),
        "frame-ancestors": "'none'",
    }


def init_security(app: Flask) -> None:
    """Send the security headers; force HTTPS only when BASE_URL says we are served over it."""
    https = app.config["BASE_URL"].startswith("https://")
    if https:  # however BASE_URL was given (environment or overrides), cookies follow it
        app.config.update(SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True)
    # One Talisman per app: it keeps its options on itself, and tests build several apps.
    app.extensions["talisman"] = Talisman(
        app,
        force_https=https,
        strict_transport_security=https,
        strict_transport_security_include_subdomains=False,
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        session_cookie_samesite=app.config.get("SESSION_COOKIE_SAMESITE", "Lax"),
        content_security_policy=content_security_policy(app.config),
        frame_options="DENY",
        # Order and ticket addresses carry tokens: never sent to another site. Same-origin
        # requests keep their Referer, which Flask-WTF checks on HTTPS form posts.
        referrer_policy="same-origin",
        permissions_policy={"camera": "(self)", "geolocation": "(self)",
                            "microphone": "()", "browsing-topics": "()"},
    )
    for endpoint in PLAIN_HTTP_ENDPOINTS:
        view = app.view_functions.get(endpoint)
        if view is not None:
            view.talisman_view_options = {"force_https": False}
    policy = content_security_policy(app.config)
    # 'wasm-unsafe-eval' lets a page compile WebAssembly, not evaluate JavaScript strings.
    webassembly = {**policy, "script-src": f"{SELF} 'wasm-unsafe-eval'"}
    for endpoint in WEBASSEMBLY_ENDPOINTS:
        view = app.view_functions.get(endpoint)
        if view is not None:
            view.talisman_view_options = {"content_security_policy": webassembly}


# Addresses that carry a key: a ticket code, a hold, a signed link, an order token.
_KEY_IN_PATH = re.compile(
    r"(/(?:tickets|checkout|holds|mes-donnees|alertes|avis|invitation|reset)/)[^/\s?\"]+")
_KEY_IN_QUERY = re.compile(r"([?&](?:token|code|email|near|lat|lng)=)[^&\s\"]*")


def redact_address(text: str) -> str:
    """`text` (a path, a URL, a request line) with the keys and locations it carries hidden."""
    return _KEY_IN_QUERY.sub(r"\1…", _KEY_IN_PATH.sub(r"\1…", text))


def _origin(url: str | None) -> str | None:
    if not url:
        return None
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None
