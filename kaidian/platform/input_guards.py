"""Guards in front of every view against input no view should ever have to handle:

* a ``Host`` header that is not a valid host name (an empty label, or one over 63 characters, makes
  Werkzeug's IDNA encoding fail before Flask can route): 400, from a WSGI middleware;
* an integer in a URL (``<int:…>``) beyond what a 32-bit column holds: no route matches, 404;
* a POST/PUT/PATCH without a body where the API documents a required JSON body (webargs would
  read the missing body as ``{}``): 422;
* a NUL byte anywhere in the query string, the form or an upload's file name (PostgreSQL cannot
  store it in ``text``): 422 naming the field. JSON bodies are read through schemas whose ``Text``
  fields refuse it (and whose unknown keys are ignored).

Field-level rules (control characters, trimming, numeric bounds) live in ``fields.py``.
"""

from __future__ import annotations

from flask import current_app, request
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
    return None


BODY_MESSAGE = _l("Send a JSON body.")


def refuse_missing_body() -> None:
    """Before every request: an operation documented with a required JSON body gets one."""
    if request.method not in ("POST", "PUT", "PATCH") or _has_body() or request.endpoint is None:
        return
    if any(p.get("in") == "json" and p.get("required") for p in _documented_parameters()):
        raise ValidationFailed(fields={"body": [BODY_MESSAGE]})


UNKNOWN_PART = _l("Unknown field.")


def refuse_unknown_parts() -> None:
    """Before every request: a multipart body sent to an API operation holds only the parts it
    documents (webargs reads form and file parts separately and would ignore the others)."""
    if request.mimetype != "multipart/form-data":
        return
    documented = [p for p in _documented_parameters() if p.get("in") in ("form", "files")]
    if not documented:
        return
    known = set().union(*(_field_names(p["schema"]) for p in documented))
    unknown = sorted((set(request.form) | set(request.files)) - known)
    if unknown:
        raise ValidationFailed(fields={name: [UNKNOWN_PART] for name in unknown})


def _field_names(schema) -> set[str]:
    fields = schema.fields if hasattr(schema, "fields") else schema._declared_fields
    return {field.data_key or name for name, field in fields.items()}


def _documented_parameters() -> list[dict]:
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    handler = getattr(getattr(view, "view_class", None), request.method.lower(), view)
    return getattr(handler, "_apidoc", {}).get("arguments", {}).get("parameters", [])  # flask-smorest's


def _has_body() -> bool:
    return bool(request.content_length) or "chunked" in request.headers.get("Transfer-Encoding", "").lower()


def install_converters(app) -> None:
    """Before any rule is added: every ``<int:…>`` is bounded."""
    app.url_map.converters["int"] = BoundedIntConverter


def init_app(app) -> None:
    app.wsgi_app = HostGuard(app.wsgi_app)
    app.before_request(refuse_nul_bytes)
    app.before_request(refuse_missing_body)
    app.before_request(refuse_unknown_parts)

