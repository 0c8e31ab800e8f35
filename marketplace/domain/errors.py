"""Domain exceptions: raised by services, carrying a stable code and a human message.

The web layer (marketplace.web.errors) is the one place that maps them to HTTP answers.
Messages are English (the API's language) and every one of them is listed, for its
translation, in marketplace.domain.vocabulary.error_messages; a message with values is a
template with named parameters ("Only %(left)d seats are left."), so that the catalogue
can hold it and a page can translate it.
"""

from __future__ import annotations

from collections.abc import Mapping


class DomainError(Exception):
    """Base of every error a client can cause; `kind` tells the web layer which status fits."""

    kind = "invalid"
    code = "invalid"
    message = "The request cannot be processed."

    def __init__(self, message: str | None = None, *, code: str | None = None,
                 field: str | None = None, params: Mapping[str, object] | None = None) -> None:
        # `template` is the catalogue's message id; `message` the English the API answers.
        self.template = message or self.message
        self.params = dict(params or {})
        self.message = self.template % self.params if self.params else self.template
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


class BadRequest(DomainError):
    """The request itself is malformed or unauthenticated in its own way (400)."""

    kind = "bad_request"
    code = "bad_request"


class RateLimited(DomainError):
    """Too much of something for one client or one buyer (429); retry after `retry_after` s."""

    kind = "rate_limited"
    code = "rate_limited"
    message = "Too many requests; please wait a moment and try again."

    def __init__(self, message: str | None = None, *, retry_after: int, **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = max(1, int(retry_after))


class Unavailable(DomainError):
    """A service we depend on (the payment provider) does not answer (503); try again."""

    kind = "unavailable"
    code = "unavailable"
    message = "The service is briefly unavailable; please try again."


class Busy(DomainError):
    """Seats are being moved by another transaction that holds them too long (503); the
    same request succeeds a moment later. Retry after `retry_after` seconds."""

    kind = "unavailable"
    code = "busy"
    message = "Many people are booking this at the same moment; please try again shortly."

    def __init__(self, message: str | None = None, *, retry_after: int, **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = max(1, int(retry_after))
