"""The one place that turns errors into HTTP answers: JSON under /api/, HTML pages elsewhere."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import Flask, current_app, flash, jsonify, redirect, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError, DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError

from marketplace.domain.errors import DomainError
from marketplace.domain.validation import INVALID_CHARACTERS, ONE_LINE_MESSAGE
from marketplace.web.vocabulary import error_message

log = logging.getLogger(__name__)

STATUS_BY_KIND = {
    "invalid": 422,
    "conflict": 409,
    "not_found": 404,
    "forbidden": 403,
    "unauthorized": 401,
    "bad_request": 400,
    "rate_limited": 429,
    "unavailable": 503,
    "unsupported_media_type": 415,
}

# Headers of werkzeug's own answers worth keeping (Allow on a 405, as RFC 9110 requires).
KEPT_HEADERS = {"allow", "retry-after", "www-authenticate"}

CODE_BY_STATUS = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "internal_error",
    503: "unavailable",
}


def wants_json() -> bool:
    """API routes always answer JSON; so do clients that ask only for JSON."""
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and not request.accept_mimetypes.accept_html


def error_response(status: int, code: str, message: str, *, field: str | None = None,
                   fields: dict | None = None, headers: dict | None = None):
    """An error in the JSON shape of DESIGN.md rule 7, or the matching HTML page."""
    if wants_json():
        body: dict = {"error": code, "message": message}
        if field:
            body["field"] = field
        if fields:
            body["fields"] = fields
        response = jsonify(body)
    else:
        response = render_template("errors/error.html", status=status, code=code,
                                   message=message, field=field)
    return response, status, headers or {}


def _flatten_messages(messages: dict) -> dict:
    """webargs nests messages by location ({"json": {...}}); clients want them by field."""
    flat: dict = {}
    for location, value in messages.items():
        if isinstance(value, dict) and location in {"json", "query", "form", "files", "headers"}:
            flat.update(value)
        else:
            flat[location] = value
    return flat


def _first_message(fields: dict) -> tuple[str | None, str]:
    for name, value in fields.items():
        while isinstance(value, dict | list) and value:
            value = next(iter(value.values())) if isinstance(value, dict) else value[0]
        if name == "_schema":
            return None, str(value)
        return name, f"{name}: {value}"
    return None, "Invalid input."


def _field_with_message(fields: dict, wanted: str, prefix: str = "") -> str | None:
    """The (dotted) name of the first field refused with the message `wanted`, if any."""
    for name, value in fields.items():
        if isinstance(value, dict):
            found = _field_with_message(value, wanted, f"{prefix}{name}.")
            if found:
                return found
        elif value == wanted or (isinstance(value, list) and wanted in value):
            return f"{prefix}{name}"
    return None


def handle_http_exception(error: HTTPException):
    data = getattr(error, "data", None) or {}
    status = error.code or 500
    code = CODE_BY_STATUS.get(status, "error")
    message = data.get("message") or error.description or error.name
    headers = {k: v for k, v in error.get_headers() if k.lower() in KEPT_HEADERS}
    headers.update(data.get("headers") or {})
    if status == 413:
        limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
        message = f"The request is too large (at most {max(1, limit // 1024)} kB)."
    if status == 429:
        message = "Too many requests; please wait a moment and try again."
    messages = data.get("messages") or data.get("errors")
    if messages:
        fields = _flatten_messages(messages)
        if status == 400 and "json" in messages and not isinstance(messages["json"], dict):
            return error_response(400, "invalid_json", "The request body is not valid JSON.")
        # A control character in a one-line field has its own code, as a NUL has.
        field = _field_with_message(fields, ONE_LINE_MESSAGE)
        if field is not None:
            return error_response(status, INVALID_CHARACTERS, f"{field}: {ONE_LINE_MESSAGE}",
                                  field=field, fields=fields, headers=headers)
        field, message = _first_message(fields)
        return error_response(status, code, message, field=field, fields=fields, headers=headers)
    return error_response(status, code, message, headers=headers)


# Flask-WTF's reasons for a form that was fine but waited too long (or outlived the
# session it was shown in: a logout in another tab); other reasons are a plain 400.
STALE_FORM = {"The CSRF token has expired.", "The CSRF session token is missing."}
# Their pages show flash messages: a stale form of theirs comes back with one.
FLASHING_BLUEPRINTS = ("venues_portal", "agency", "staff")


def handle_csrf_error(error: CSRFError):
    """A form sent too long after it was shown comes back fresh, saying so; nothing changed."""
    if error.description not in STALE_FORM:
        return handle_http_exception(error)
    if wants_json():
        return error_response(400, "form_expired", "The form expired; load it again.")
    again = _same_page_again()
    if again and request.blueprint in FLASHING_BLUEPRINTS:
        flash(_("This page was open for too long, so what you sent was not saved. "
                "Here it is again: please try once more."), "error")
        if request.headers.get("HX-Request"):
            return "", 400, {"HX-Refresh": "true"}  # htmx reloads the page, token and all
        return redirect(again, 303)
    message = _("This page was open for too long, so what you sent was not saved. "
                "Load it again and try once more.")
    response = render_template("errors/error.html", status=400, code="form_expired",
                               message=message, again=again)
    return response, 400


def _same_page_again() -> str | None:
    """The address that shows the form again: this one if it answers GET, else the page it
    was sent from (same site only)."""
    try:  # the page and its form's POST may be two endpoints at one address
        current_app.create_url_adapter(request).match(request.path, method="GET")
    except HTTPException:
        pass
    else:
        return request.full_path.rstrip("?")
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc == request.host and referrer.path.startswith("/"):
        return referrer.path + (f"?{referrer.query}" if referrer.query else "")
    return None


def handle_domain_error(error: DomainError):
    status = STATUS_BY_KIND.get(error.kind, 400)
    retry_after = getattr(error, "retry_after", None)
    headers = {"Retry-After": str(retry_after)} if retry_after else None
    # The API answers in English; a page says it in the visitor's language.
    message = error.message if wants_json() else error_message(error)
    return error_response(status, error.code, message, field=error.field, headers=headers)


def handle_database_unavailable(error: DBAPIError):
    from marketplace.extensions import db

    db.session.rollback()
    if isinstance(error, DataError):
        # A value the database cannot store (an integer beyond its range, say): the
        # client's input, refused as a whole; the rollback above leaves nothing written.
        # The class only: the database's message may quote the value, personal data maybe.
        log.warning("value refused by the database: %s", type(error.orig).__name__)
        return error_response(422, "invalid_value",
                              "A value is out of range or not allowed.")
    if isinstance(error, OperationalError) or error.connection_invalidated:
        log.warning("database unavailable: %s", error)
        return error_response(503, "unavailable",
                              "The service is briefly unavailable; please try again.",
                              headers={"Retry-After": "2"})
    return handle_unexpected(error)


def handle_unexpected(error: Exception):
    log.exception("unhandled error", exc_info=error)
    return error_response(500, "internal_error", InternalServerError.description)


def register_error_handlers(app: Flask) -> None:
    from marketplace.web.input_guard import install_input_guard

    install_input_guard(app)
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(DBAPIError, handle_database_unavailable)
    if not app.testing:
        # In tests, unexpected errors propagate so that they fail loudly.
        app.register_error_handler(Exception, handle_unexpected)
