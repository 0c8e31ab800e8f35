"""flask-smorest's Api, answering errors in Kiosque's format (DESIGN.md rule 7)."""

from __future__ import annotations

import marshmallow as ma
from flask_smorest import Api


class ErrorSchema(ma.Schema):
    error = ma.fields.String(required=True, metadata={"description": "Stable error code"})
    message = ma.fields.String(required=True, metadata={"description": "Human-readable message"})
    field = ma.fields.String(metadata={"description": "The input field at fault, if any"})
    fields = ma.fields.Dict(metadata={"description": "Validation messages by field"})


class KiosqueApi(Api):
    ERROR_SCHEMA = ErrorSchema

    def handle_http_exception(self, error):
        # One error-mapping module for every route, API or HTML.
        from marketplace.web.errors import handle_http_exception

        return handle_http_exception(error)
