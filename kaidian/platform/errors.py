"""One error shape everywhere: ``{"error": {"code", "message", "fields"}}``.

Services raise ``AppError`` subclasses; the JSON API renders them with that shape and HTML views
flash the message. HTTP errors under ``/api/`` get the same shape.
"""

from __future__ import annotations

from flask import jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields
from werkzeug.exceptions import HTTPException


class AppError(Exception):
    status = 400
    code = "bad_request"
    message = _l("The request could not be processed.")

    def __init__(self, message=None, *, fields: dict | None = None, code: str | None = None, status=None):
        super().__init__(str(message or self.message))
        self.message = message or self.message
        self.fields = fields or {}
        self.code = code or self.code
        self.status = status or self.status


class ValidationFailed(AppError):
    status = 422
    code = "validation_failed"
    message = _l("Some fields are not valid.")


class NotFound(AppError):
    status = 404
    code = "not_found"
    message = _l("Not found.")


class Forbidden(AppError):
    status = 403
    code = "forbidden"
    message = _l("You are not allowed to do this.")


class Conflict(AppError):
    status = 409
    code = "conflict"
    message = _l("This conflicts with the current state.")


class StoreReadOnly(AppError):
    status = 403
    code = "store_read_only"
    message = _l("This store is suspended or closed; it is read-only.")


class ErrorDetailSchema(Schema):
    code = fields.String(required=True, metadata={"description": "machine-readable, e.g. validation_failed"})
    message = fields.String(required=True, metadata={"description": "person-facing, in the request's language"})
    fields_ = fields.Dict(required=True, data_key="fields", attribute="fields",
                          metadata={"description": "field name → list of messages (nested for nested input)"})


class ErrorSchema(Schema):
    """The one error shape of the API (``platform/errors.py``), documented on every operation."""

    error = fields.Nested(ErrorDetailSchema, required=True)


def error_body(code: str, message, fields: dict | None = None) -> dict:
    return {"error": {"code": code, "message": str(message), "fields": _stringify(fields or {})}}


def _stringify(fields: dict) -> dict:
    out = {}
    for key, value in fields.items():
        if isinstance(value, dict):
            out[key] = _stringify(value)
        elif isinstance(value, list | tuple):
            out[key] = [str(v) for v in value]
        else:
            out[key] = [str(value)]
    return out


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def _http_code(exc: HTTPException) -> str:
    if exc.code == 422:
        return ValidationFailed.code
    return (exc.name or "error").lower().replace(" ", "_").replace("'", "")


def handle_app_error(exc: AppError):
    if wants_json():
        return jsonify(error_body(exc.code, exc.message, exc.fields)), exc.status
    return render_template("platform/error.html", code=exc.status, message=exc.message), exc.status


def handle_http_error(exc: HTTPException):
    if exc.code is None or exc.code < 400:
        return exc
    if wants_json():
        body = jsonify(error_body(_http_code(exc), _http_message(exc), _webargs_fields(exc)))
    else:
        body = render_template("platform/error.html", code=exc.code, message=_http_message(exc))
    return body, exc.code, _protocol_headers(exc)


def _protocol_headers(exc: HTTPException) -> list[tuple[str, str]]:
    """The headers the error carries besides its body (``Allow`` on a 405, ``WWW-Authenticate``,
    ``Retry-After``…): a rewritten body must not lose them."""
    return [(name, value) for name, value in exc.get_headers()
            if name.lower() not in ("content-type", "content-length")]


def _http_message(exc: HTTPException) -> str:
    messages = {
        400: _("The request is malformed."),
        401: _("Please log in first."),
        403: _("You are not allowed to do this."),
        404: _("Not found."),
        405: _("This method is not allowed here."),
        409: _("This conflicts with the current state."),
        413: _("The upload is too large."),
        422: _("Some fields are not valid."),
        429: _("Too many attempts; please wait a moment and try again."),
    }
    return messages.get(exc.code, _("Something went wrong on our side."))


def _webargs_fields(exc: HTTPException) -> dict:
    data = getattr(exc, "data", None) or {}
    messages = data.get("messages") or {}
    fields: dict = {}
    for location_errors in messages.values():
        if isinstance(location_errors, dict):
            fields.update(location_errors)
    return fields


def init_app(app) -> None:
    app.register_error_handler(AppError, handle_app_error)
    app.register_error_handler(HTTPException, handle_http_error)
