"""Domain exceptions: raised by services, carrying a stable code and a human message.

The web layer (marketplace.web.errors) is the one place that maps them to HTTP answers.
"""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error a client can cause; `kind` tells the web layer which status fits."""

    kind = "invalid"
    code = "invalid"
    message = "The request cannot be processed."

    def __init__(self, message: str | None = None, *, code: str | None = None,
                 field: str | None = None) -> None:
        self.message = message or self.message
        self.code = code or self.code
        self.field = field
        super().__init__(self.message)


class ValidationFailed(DomainError):
    """An input value is not acceptable (422); `field` names it."""

    kind = "invalid"
    code = "validation_error"


class NotFound(DomainError):
    kind = "not_found"
    code = "not_found"
    message = "Not found."


class Conflict(DomainError):
    """The request is valid but the state of things refuses it (409)."""

    kind = "conflict"
    code = "conflict"


class Forbidden(DomainError):
    kind = "forbidden"
    code = "forbidden"
    message = "You are not allowed to do this."


class Unauthorized(DomainError):
    kind = "unauthorized"
    code = "unauthorized"
    message = "Authentication required."
