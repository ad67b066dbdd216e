"""One error shape everywhere: ``{"error": {"code", "message", "fields"}}``.

Services raise ``AppError`` subclasses; the JSON API renders them with that shape and HTML views
flash the message. HTTP errors under ``/api/`` get the same shape.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, flash, g, jsonify, redirect, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from .uploads import mb


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
        return jsonify(error_body(_http_code(exc), _http_message(exc), _webargs_fields(exc))), exc.code
    return render_template("platform/error.html", code=exc.code, message=_http_message(exc)), exc.code


def handle_read_only(exc: StoreReadOnly):
    """A write to a store that is not open, from a page whose form was shown disabled but got sent
    anyway (an old tab, say): back to that page with the reason, nothing saved. The API keeps 403 JSON."""
    if wants_json():
        return handle_app_error(exc)
    message = read_only_message()
    back = _referring_path()
    if back:
        flash(message, "error")
        return redirect(back, 303)
    return render_template("platform/error.html", code=exc.status, message=message), exc.status


def read_only_message() -> str:
    tenant = g.get("tenant")
    if tenant is not None and tenant.status.value == "suspended":
        return _("This store is suspended (%(reason)s), so its admin is read-only until the platform resumes it. "
                 "Nothing was saved.", reason=tenant.suspended_reason)
    return _("This store is not open, so its admin is read-only. Nothing was saved.")


def handle_too_large(exc: RequestEntityTooLarge):
    """A body over ``MAX_CONTENT_LENGTH``: the API keeps its JSON 413; a form posted from a page goes
    back to that page with the limits said in a message (a bare 413 page loses the way back)."""
    if wants_json():
        return handle_http_error(exc)
    message = too_large_message()
    back = _referring_path()
    if request.method == "POST" and back:
        flash(message, "error")
        return redirect(back, 303)
    return render_template("platform/error.html", code=413, message=message), 413


def too_large_message() -> str:
    config = current_app.config
    return _("The upload is too large: each file may be at most %(file)s MB and the whole form %(total)s MB.",
             file=mb(config["MAX_UPLOAD_BYTES"]), total=mb(config["MAX_CONTENT_LENGTH"]))


def _referring_path() -> str | None:
    """The page the form was posted from, when it is on this host (a path, never another site)."""
    parts = urlsplit(request.referrer or "")
    if parts.netloc != request.host or parts.scheme not in ("http", "https"):
        return None
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    if not path.startswith("/") or path.startswith("//") or "\\" in path or any(ord(c) < 32 for c in path):
        return None
    return path


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
    app.register_error_handler(RequestEntityTooLarge, handle_too_large)
    app.register_error_handler(StoreReadOnly, handle_read_only)
