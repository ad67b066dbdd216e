"""Guards in front of every view against input no view should ever have to handle:

* a ``Host`` header that is not a valid host name (an empty label, or one over 63 characters, makes
  Werkzeug's IDNA encoding fail before Flask can route): 400, from a WSGI middleware;
* an integer in a URL (``<int:…>``) beyond what a 32-bit column holds: no route matches, 404;
* a NUL byte anywhere in the query string, the form, an upload's file name or a JSON body
  (PostgreSQL can store it in neither ``text`` nor ``jsonb``): 422 naming the field.

Field-level rules (control characters, trimming, numeric bounds) live in ``fields.py``.
"""

from __future__ import annotations

from flask import request
from flask_babel import lazy_gettext as _l
from werkzeug.routing import IntegerConverter

from .errors import ValidationFailed
from .fields import INT32_MAX


class BoundedIntConverter(IntegerConverter):
    """``<int:…>`` with the bounds of a 32-bit column unless a rule gives its own (``max=``)."""

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):
        super().__init__(map, fixed_digits, min, INT32_MAX if max is None else max, signed)


def _valid_hostname(hostname: str) -> bool:
    if not hostname or len(hostname) > 253:
        return False
    try:
        hostname.encode("idna")
    except UnicodeError:
        return False
    return True


def valid_host_header(host: str) -> bool:
    """``name``, ``name:port`` or ``[v6]:port`` with a name IDNA can encode and a numeric port."""
    if host.startswith("["):
        end = host.find("]")
        rest = host[end + 1 :] if end > 0 else None
        return rest is not None and (rest == "" or (rest[:1] == ":" and rest[1:].isdigit()))
    name, _, port = host.partition(":")
    if port and not (port.isdigit() and len(port) <= 5):
        return False
    return _valid_hostname(name.rstrip(".") if name.endswith(".") and len(name) > 1 else name)


class HostGuard:
    """WSGI middleware: a request whose ``Host`` header cannot be a host name gets a plain 400."""

    BODY = b'{"error": {"code": "bad_request", "message": "The Host header is not a valid host name.", "fields": {}}}'

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        host = environ.get("HTTP_HOST")
        if host is not None and not valid_host_header(host):
            start_response("400 Bad Request", [("Content-Type", "application/json"),
                                               ("Content-Length", str(len(self.BODY)))])
            return [self.BODY]
        return self.wsgi_app(environ, start_response)


NUL_MESSAGE = _l("Must not contain control characters.")


def refuse_nul_bytes() -> None:
    """Before every request: a NUL byte in any submitted text is refused with the field named."""
    field = _nul_field()
    if field is not None:
        raise ValidationFailed(fields={field: [NUL_MESSAGE]})


def _nul_field() -> str | None:
    for source in (request.args, request.form):
        for key, values in source.lists():
            if "\x00" in key or any("\x00" in v for v in values):
                return key.replace("\x00", "")
    for key, upload in request.files.items(multi=True):
        if "\x00" in key or "\x00" in (upload.filename or ""):
            return key.replace("\x00", "")
    if request.is_json:
        return _nul_in_json(request.get_json(silent=True))
    return None


def _nul_in_json(value, path: str = "") -> str | None:
    if isinstance(value, str):
        return (path or "body") if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if "\x00" in key:
                return where.replace("\x00", "")
            found = _nul_in_json(item, where)
            if found is not None:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = _nul_in_json(item, f"{path}.{index}" if path else str(index))
            if found is not None:
                return found
    return None


def install_converters(app) -> None:
    """Before any rule is added: every ``<int:…>`` is bounded."""
    app.url_map.converters["int"] = BoundedIntConverter


def init_app(app) -> None:
    app.wsgi_app = HostGuard(app.wsgi_app)
    app.before_request(refuse_nul_bytes)

