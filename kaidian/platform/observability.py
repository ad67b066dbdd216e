"""Request ids, structured JSON logs carrying request and tenant ids, security headers, health."""

from __future__ import annotations

import logging
import sys
import time
import uuid

from flask import Blueprint, current_app, g, jsonify, request
from pythonjsonlogger.json import JsonFormatter
from sqlalchemy import text

from .cache import get_redis
from .extensions import db
from .tenancy import current_tenant_id

health = Blueprint("health", __name__)

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "SAMEORIGIN",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data: blob: https: http:; style-src 'self' 'unsafe-inline'; "
        "script-src 'self'; frame-ancestors 'self'; form-action 'self' http: https:; base-uri 'self'"
    ),
}


class ContextFilter(logging.Filter):
    """Adds the request id and tenant id to every log record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            record.request_id = g.get("request_id", "-")
        except RuntimeError:
            record.request_id = "-"
        tenant_id = current_tenant_id()
        record.tenant_id = str(tenant_id) if tenant_id else "-"
        return True


def configure_logging(app) -> None:
    root = logging.getLogger()
    if any(getattr(h, "_kaidian", False) for h in root.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler._kaidian = True
    if app.config["LOG_JSON"]:
        handler.setFormatter(
            JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(tenant_id)s")
        )
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s [%(request_id)s %(tenant_id)s] %(message)s"))
    handler.addFilter(ContextFilter())
    root.addHandler(handler)
    root.setLevel(logging.INFO)


def _start_request() -> None:
    incoming = request.headers.get("X-Request-Id", "")
    g.request_id = incoming if 0 < len(incoming) <= 64 and incoming.isprintable() else uuid.uuid4().hex
    g.started = time.perf_counter()


HSTS = "max-age=31536000"  # a year; no includeSubDomains: stores and custom domains decide for themselves


def _finish_request(response):
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.is_secure or current_app.config.get("PREFERRED_URL_SCHEME") == "https":
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    response.headers["X-Request-Id"] = g.get("request_id", "")
    if request.path not in ("/healthz", "/readyz") and not request.path.startswith("/static/"):
        elapsed = (time.perf_counter() - g.get("started", time.perf_counter())) * 1000
        logging.getLogger("kaidian.request").info(
            "%s %s %s %.1fms", request.method, request.path, response.status_code, elapsed
        )
    return response


@health.get("/healthz")
def healthz():
    return jsonify(status="ok")


@health.get("/readyz")
def readyz():
    checks = {"database": _check_database(), "redis": _check_redis()}
    ready = all(v in ("ok", "not configured") for v in checks.values())
    return jsonify(status="ok" if ready else "unavailable", checks=checks), 200 if ready else 503


def _check_database() -> str:
    try:
        db.session.execute(text("SELECT 1"))
        return "ok"
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        current_app.logger.warning("readyz database: %s", exc)
        return "error"


def _check_redis() -> str:
    try:
        client = get_redis()
        if client is None:
            return "not configured"
        client.ping()
        return "ok"
    except Exception as exc:  # noqa: BLE001
        current_app.logger.warning("readyz redis: %s", exc)
        return "error"


def init_app(app) -> None:
    configure_logging(app)
    app.before_request(_start_request)
    app.after_request(_finish_request)
    app.register_blueprint(health)
