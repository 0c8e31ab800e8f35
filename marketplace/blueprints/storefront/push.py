"""Web Push subscriptions from the page that confirmed an alert or a follow.

The page carries a signed token naming the address (push.services.subscribe_token); the
browser's script posts its PushSubscription with it. Without JavaScript, without Push
support, or without a VAPID key on the server, there is no button at all."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request
from flask_babel import gettext as _

from marketplace.domain.errors import NotFound, ValidationFailed
from marketplace.domain.push.channel import push_channel
from marketplace.domain.push.services import save_subscription, subscribe_token, token_owner
from marketplace.domain.timeutil import utcnow
from marketplace.extensions import db, limiter

bp = Blueprint("push", __name__)


def push_offer(email: str, origin: str) -> dict | None:
    """What a confirmation page needs to offer notifications, or None (push is off)."""
    channel = push_channel(current_app.config)
    if not channel.enabled:
        return None
    return {"public_key": channel.public_key,
            "token": subscribe_token(current_app.config["SECRET_KEY"], email, origin)}


@bp.post("/push/abonnements")
@limiter.limit("20 per hour")
def subscribe():
    """Save this browser's subscription for the address of the page's token (CSRF: header)."""
    body = request.get_json(silent=True)
    channel = push_channel(current_app.config)
    if not isinstance(body, dict) or not channel.enabled:
        return _error(400, "invalid_json", _("Notifications could not be turned on."))
    try:
        email, origin = token_owner(current_app.config["SECRET_KEY"], body.get("token"))
        save_subscription(db.session, email, origin, body.get("subscription"), channel,
                          utcnow())
    except NotFound:
        return _error(404, "unknown_token",
                      _("This page has expired: open the link of your e-mail again."))
    except ValidationFailed as error:
        return _error(422, error.code or "invalid", _(
            "This browser cannot get notifications from Kiosque."), field=error.field)
    return jsonify({"subscribed": True,
                    "message": _("Done: this device will get the notifications.")}), 201


def _error(status: int, code: str, message: str, field: str | None = None):
    payload = {"error": code, "message": message}
    if field:
        payload["field"] = field
    return jsonify(payload), status
