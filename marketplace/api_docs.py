"""flask-smorest's Api, answering errors in Kiosque's format (DESIGN.md rule 7)."""

from __future__ import annotations

import marshmallow as ma
from apispec import BasePlugin
from flask_smorest import Api


class ErrorSchema(ma.Schema):
    error = ma.fields.String(required=True, metadata={"description": "Stable error code"})
    message = ma.fields.String(required=True, metadata={"description": "Human-readable message"})
    field = ma.fields.String(metadata={"description": "The input field at fault, if any"})
    fields = ma.fields.Dict(metadata={"description": "Validation messages by field"})


# Answers any operation may give, whatever its view does (marketplace.web.errors and
# marketplace.web.input_guard), by the names flask-smorest registers them under.
EVERY_OPERATION = {
    "422": "UNPROCESSABLE_ENTITY",  # a NUL character anywhere in the request
    "503": "SERVICE_UNAVAILABLE",  # the database does not answer, or is busy; Retry-After
}
WITH_BODY = {
    "400": "BAD_REQUEST",  # the body is not valid JSON
    "413": "REQUEST_ENTITY_TOO_LARGE",  # above MAX_CONTENT_LENGTH
    "415": "UNSUPPORTED_MEDIA_TYPE",  # a body that is not application/json
}
WITH_TOKEN = {"401": "UNAUTHORIZED"}


class CommonErrorsPlugin(BasePlugin):
    """Declare the error answers shared by every operation, so the document tells them all."""

    def operation_helper(self, path=None, operations=None, **kwargs) -> None:
        for operation in (operations or {}).values():
            responses = operation.setdefault("responses", {})
            declared = dict(EVERY_OPERATION)
            if "requestBody" in operation:
                declared.update(WITH_BODY)
            if operation.get("security"):
                declared.update(WITH_TOKEN)
            for status, name in declared.items():
                responses.setdefault(status, name)


class KiosqueApi(Api):
    ERROR_SCHEMA = ErrorSchema

    def __init__(self, app=None, *, spec_kwargs=None, **kwargs) -> None:
        spec_kwargs = {"extra_plugins": [CommonErrorsPlugin()], **(spec_kwargs or {})}
        super().__init__(app, spec_kwargs=spec_kwargs, **kwargs)

    # One error-mapping module for every route, API or HTML: the app factory sets it
    # (marketplace.web.errors), so that this module needs nothing of the web layer.
    http_error_handler = None

    def handle_http_exception(self, error):
        if self.http_error_handler is None:
            return super().handle_http_exception(error)
        return self.http_error_handler(error)
