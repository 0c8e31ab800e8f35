"""Configuration read from the environment, with laptop-friendly defaults."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

# Redis answers in a millisecond when it is well; past this it counts as gone, and the app
# carries on without it instead of waiting (redis-py waits forever by default).
REDIS_TIMEOUT_SECONDS = 0.5
CSRF_TOKEN_LIFETIME_SECONDS = 12 * 3600


def _instance_secret_key(instance_path: Path) -> str:
    """Return the secret key kept in instance/, generating it on first run."""
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


def _database_url(url: str) -> str:
    # A plain postgresql:// URL would select psycopg2; DESIGN.md promises psycopg 3.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def _flag(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() not in {"0", "false", "no", "off"}


def _count(value: str | None, name: str) -> int:
    """A whole number >= 0 from the environment (unset: 0); anything else stops the start."""
    if value is None or value.strip() == "":
        return 0
    if not value.strip().isdigit():
        raise RuntimeError(f"{name} must be a whole number (0 or more), not {value!r}")
    return int(value)


OPERATOR_DEFAULTS = {
    "OPERATOR_NAME": "Kiosque (démonstration)",
    "OPERATOR_LEGAL_FORM": "",
    "OPERATOR_ADDRESS": "Marseille, France",
    "OPERATOR_REGISTRATION": "",
    "OPERATOR_EMAIL": "contact@kiosque.example.org",
    "OPERATOR_PHONE": "",
    "OPERATOR_DIRECTOR": "",
    "HOST_NAME": "",
    "HOST_ADDRESS": "",
    "HOST_PHONE": "",
}


def _operator(env: dict[str, str]) -> dict:
    """The publisher's and the host's identity (legal notice); unset: the demo's."""
    settings = {name: (env.get(name) or default).strip()
                for name, default in OPERATOR_DEFAULTS.items()}
    settings["OPERATOR_IS_DEMO"] = not (env.get("OPERATOR_NAME") or "").strip()
    return settings


def config_from_env(instance_path: Path, env: dict[str, str] | None = None) -> dict:
    """Build the Flask config mapping from environment variables (DESIGN.md names)."""
    env = dict(os.environ if env is None else env)
    instance_path = Path(instance_path)
    database_url = env.get("DATABASE_URL") or f"sqlite:///{instance_path / 'kiosque.sqlite'}"
    provider = (env.get("PAYMENT_PROVIDER") or "demo").strip().lower()
    return {
        "SECRET_KEY": env.get("SECRET_KEY") or _instance_secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": _database_url(database_url),
        "REDIS_URL": env.get("REDIS_URL") or None,
        "RATELIMIT_ENABLED": _flag(env.get("RATELIMIT_ENABLED"), True),
        # A frozen or unreachable Redis must not hold requests: Flask-Limiter falls back to
        # memory on the first error, and only if the client gives up in time.
        "RATELIMIT_STORAGE_OPTIONS": {"socket_timeout": REDIS_TIMEOUT_SECONDS,
                                      "socket_connect_timeout": REDIS_TIMEOUT_SECONDS},
        "PAYMENT_PROVIDER": provider,
        # The demo gateway on an https:// BASE_URL (a public demo site): refused unless set.
        "ALLOW_DEMO_PAYMENTS": _flag(env.get("ALLOW_DEMO_PAYMENTS"), False),
        "STRIPE_SECRET_KEY": env.get("STRIPE_SECRET_KEY") or None,
        "STRIPE_WEBHOOK_SECRET": env.get("STRIPE_WEBHOOK_SECRET") or None,
        "STRIPE_API_BASE": env.get("STRIPE_API_BASE") or "https://api.stripe.com",
        "SMTP_URL": env.get("SMTP_URL") or None,
        # The sender of every e-mail; its domain is the Message-ID's (and DKIM's) domain.
        "MAIL_FROM": env.get("MAIL_FROM") or "Kiosque <billetterie@kiosque.example.org>",
        # Optional DKIM signing: an RSA private key (a PEM file's path, or the PEM itself)
        # and the selector its public key is published under (<selector>._domainkey.<domain>).
        "DKIM_PRIVATE_KEY": env.get("DKIM_PRIVATE_KEY") or None,
        "DKIM_SELECTOR": env.get("DKIM_SELECTOR") or None,
        "HOLD_TTL_SECONDS": int(env.get("HOLD_TTL_SECONDS") or 600),
        # Seats one client may hold at once across offers (off with RATELIMIT_ENABLED).
        "MAX_HELD_SEATS_PER_BROWSER": int(env.get("MAX_HELD_SEATS_PER_BROWSER") or 12),
        "MAX_HELD_SEATS_PER_IP": int(env.get("MAX_HELD_SEATS_PER_IP") or 24),
        "BASE_URL": (env.get("BASE_URL") or "http://127.0.0.1:5000").rstrip("/"),
        # Rule 9: venue webhooks go only to public https addresses. ALLOW_PRIVATE (development,
        # tests with a local receiver) also allows plain http; ALLOW_HTTP alone allows http
        # to public addresses.
        "WEBHOOK_ALLOW_PRIVATE": _flag(env.get("WEBHOOK_ALLOW_PRIVATE"), False),
        "WEBHOOK_ALLOW_HTTP": _flag(env.get("WEBHOOK_ALLOW_HTTP"), False),
        # Web Push (alerts, followed venues, waiting-list offers): the VAPID private key
        # (`flask push keys` makes one; unset: no push, e-mail only), the contact the push
        # services see (default: mailto: MAIL_FROM's address), how long a push service may
        # take to answer before the e-mail goes instead, and rule 9's exception for tests
        # and development (a push service on this machine; WEBHOOK_ALLOW_PRIVATE also does).
        "VAPID_PRIVATE_KEY": env.get("VAPID_PRIVATE_KEY") or None,
        "VAPID_SUBJECT": env.get("VAPID_SUBJECT") or None,
        "PUSH_TIMEOUT_SECONDS": float(env.get("PUSH_TIMEOUT_SECONDS") or 5),
        "PUSH_ALLOW_PRIVATE": _flag(env.get("PUSH_ALLOW_PRIVATE"), False),
        # Reverse proxies in front of the app whose X-Forwarded-* headers are believed.
        "TRUSTED_PROXY_HOPS": _count(env.get("TRUSTED_PROXY_HOPS"), "TRUSTED_PROXY_HOPS"),
        "PLATFORM_COMMISSION_PERCENT": int(env.get("PLATFORM_COMMISSION_PERCENT") or 8),
        # Who publishes the site and who hosts it, for the legal notice (« Mentions légales »),
        # the terms of sale and the accessibility statement. The defaults describe the demo:
        # the pages say so as long as OPERATOR_NAME is not set.
        **_operator(env),
        "BABEL_DEFAULT_LOCALE": "fr",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Paris",
        "LANGUAGES": ("fr", "en"),
        "MAX_CONTENT_LENGTH": 1024 * 1024,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": (env.get("BASE_URL") or "").startswith("https://"),
        "REMEMBER_COOKIE_SECURE": (env.get("BASE_URL") or "").startswith("https://"),
        # A form's token lasts a door shift (scanner opened in the afternoon, used until
        # the last late-comer); an older page gets the form back (marketplace.web.errors).
        "WTF_CSRF_TIME_LIMIT": CSRF_TOKEN_LIFETIME_SECONDS,
        # flask-smorest: the OpenAPI document lives beside the API it describes.
        "API_TITLE": "Kiosque",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        "JSON_SORT_KEYS": False,
    }
