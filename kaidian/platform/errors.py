"""One error shape everywhere: ``{"error": {"code", "message", "fields"}}``.

Services raise ``AppError`` subclasses; the JSON API renders them with that shape and HTML views
flash the message. HTTP errors under ``/api/`` get the same shape.

On a store's site an HTML error (404, 403, 500, a closed store…) is the store's own page: the renderer
the themes register as ``app.extensions["kaidian_store_error_page"]`` draws it in the store's theme
(colours, header, tab bar), never with the platform's header. That rendering must never raise: if it
fails, shoppers get a plain page with the same words and a link home.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import current_app, flash, g, jsonify, make_response, redirect, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import escape
from marshmallow import Schema, fields
from werkzeug.exceptions import BadRequest, HTTPException, RequestEntityTooLarge

from .extensions import db
from .uploads import mb

log = logging.getLogger(__name__)


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


class StaffSuspended(Forbidden):
    code = "staff_suspended"
    message = _l("Your access to this store is suspended: its plan allows fewer staff accounts. The store's owner "
                 "can upgrade the plan to give it back.")


class Conflict(AppError):
    status = 409
    code = "conflict"
    message = _l("This conflicts with the current state.")


class StoreReadOnly(AppError):
    status = 403
    code = "store_read_only"
    message = _l("This store is suspended, expired or closed; it is read-only.")


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
    if _on_store():
        return store_error_page(exc.status, str(exc.message))
    return render_template("platform/error.html", code=exc.status, message=exc.message), exc.status


def handle_http_error(exc: HTTPException):
    if exc.code is None or exc.code < 400:
        return exc
    if wants_json():
        return jsonify(error_body(_http_code(exc), _http_message(exc), _webargs_fields(exc))), exc.code, \
            _protocol_headers(exc)
    if _on_store():
        response = make_response(store_error_page(exc.code))
    else:
        response = make_response(render_template("platform/error.html", code=exc.code, message=_http_message(exc)),
                                 exc.code)
    response.headers.extend(_protocol_headers(exc))
    return response


def _protocol_headers(exc: HTTPException) -> list[tuple[str, str]]:
    """The headers the error carries besides its body (``Allow`` on a 405, ``WWW-Authenticate``,
    ``Retry-After``…): a rewritten body must not lose them."""
    return [(name, value) for name, value in exc.get_headers()
            if name.lower() not in ("content-type", "content-length")]


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
    if tenant is not None and tenant.status.value == "expired":
        return _("This store's plan has expired, so its admin is read-only until the plan is paid. "
                 "Nothing was saved.")
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


# --- a store's error pages ---------------------------------------------------------------------


def _on_store() -> bool:
    return g.get("site") == "store" and g.get("tenant") is not None


def _store_words(status: int, closed: bool) -> tuple[str, str]:
    """(title, message) a shopper reads for ``status``."""
    if closed:
        return _("This store is closed for now"), _("This store is closed for now. Please come back later.")
    if status == 404:
        return _("This page does not exist"), _("The link may be wrong, or the page has been removed.")
    if status == 403:
        return _("This page is not open to you"), _("You are not allowed to see this page.")
    if status >= 500:
        return (_("Something went wrong on our side"),
                _("The page could not be shown. Please try again in a moment."))
    return _("This could not be done"), _("The request could not be processed.")


def store_error_page(status: int, message: str | None = None, *, closed: bool = False):
    """The store's page for an error (or for being closed), in its theme; a plain page if that fails."""
    title, default_message = _store_words(status, closed)
    message = message or default_message
    render = current_app.extensions.get("kaidian_store_error_page")
    html = None
    if render is not None:
        try:
            if status >= 500:
                db.session.rollback()  # the failed request may have left the transaction unusable
            html = render(status, title, message, closed)
        except Exception:  # an error page must never fail itself
            log.exception("store error page (%s) failed to render; showing the plain one", status)
            html = None
    if html is None:
        html = plain_error_html(status, title, message)
    return html, status, {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"}


def plain_error_html(status: int, title: str, message: str) -> str:
    """A page with no template and no theme: the last resort."""
    home = _("Back to the store home")
    return (f'<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" '
            f'content="width=device-width, initial-scale=1"><title>{escape(title)}</title></head>'
            f'<body style="font-family: sans-serif; text-align: center; padding: 48px 16px; color: #333">'
            f'<p style="color: #999">{status}</p><h1 style="font-size: 20px">{escape(title)}</h1>'
            f'<p>{escape(message)}</p><p><a href="/">{escape(home)}</a></p></body></html>')


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


def handle_recursion_error(exc: RecursionError):
    """A JSON body nested deeper than the parser's recursion limit (``[[[[…``, a few KB, on any
    JSON endpoint, logged in or not) is bad input — a 400, not a server error. Any other
    RecursionError is a bug and stays one."""
    if "decoding a JSON" not in str(exc):
        raise exc
    return handle_http_error(BadRequest())


def init_app(app) -> None:
    app.register_error_handler(AppError, handle_app_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(RecursionError, handle_recursion_error)
    app.register_error_handler(RequestEntityTooLarge, handle_too_large)
    app.register_error_handler(StoreReadOnly, handle_read_only)
