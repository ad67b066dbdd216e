"""Health probes, security headers, request ids and JSON logs carrying request and tenant ids."""

from __future__ import annotations

import io
import json
import logging
import re

import pytest

from tests.conftest import make_app

HEX_ID = re.compile(r"^[0-9a-f]{32}$")


def test_healthz_answers_ok(client):
    response = client.get("/healthz")
    assert (response.status_code, response.get_json()) == (200, {"status": "ok"})


@pytest.mark.parametrize("redis_configured", [True, False], ids=["redis", "no-redis"])
def test_readyz_checks_database_and_redis(app, backend, tmp_path, redis_configured):
    if redis_configured and not backend.redis_url:
        pytest.skip("Redis is not reachable on this machine")
    ready_app = app if redis_configured else make_app(backend, tmp_path, REDIS_URL="")
    response = ready_app.test_client().get("/readyz")
    expected_redis = "ok" if redis_configured else "not configured"
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "checks": {"database": "ok", "redis": expected_redis}}


@pytest.mark.parametrize(("overrides", "broken"), [
    ({"DATABASE_URL": "postgresql://postgres@127.0.0.1:1/x", "MIGRATION_DATABASE_URL": "", "DB_APP_ROLE": "",
      "REDIS_URL": ""}, "database"),
    ({"REDIS_URL": "redis://127.0.0.1:1/0"}, "redis"),
], ids=["database-down", "redis-down"])
def test_readyz_is_503_when_a_dependency_is_down(app, backend, tmp_path, overrides, broken):
    response = make_app(backend, tmp_path, **overrides).test_client().get("/readyz")
    body = response.get_json()
    assert (response.status_code, body["status"], body["checks"][broken]) == (503, "unavailable", "error")


@pytest.mark.parametrize("path", ["/healthz", "/login", "/api/v1/store", "/api/v1/no-such-thing"])
def test_security_headers_on_every_response(client, path):
    headers = client.get(path).headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "SAMEORIGIN"
    assert headers["Referrer-Policy"]
    assert "frame-ancestors" in headers["Content-Security-Policy"]


@pytest.mark.parametrize(("sent", "echoed"), [
    ({"X-Request-Id": "req-123"}, "req-123"),
    ({}, None),
    ({"X-Request-Id": "x" * 65}, None),
], ids=["sent", "missing", "too-long"])
def test_request_id_is_echoed_or_generated(client, sent, echoed):
    request_id = client.get("/healthz", headers=sent).headers["X-Request-Id"]
    if echoed:
        assert request_id == echoed
    else:
        assert HEX_ID.match(request_id)


@pytest.fixture
def json_log(app, backend, tmp_path):
    """An app built with LOG_JSON=True; its JSON log handler writes into a buffer."""
    root = logging.getLogger()
    ours = [h for h in root.handlers if getattr(h, "_kaidian", False)]
    level = root.level
    for handler in ours:
        root.removeHandler(handler)
    json_app = make_app(backend, tmp_path, LOG_JSON=True)
    (handler,) = [h for h in root.handlers if getattr(h, "_kaidian", False)]
    buffer = io.StringIO()
    handler.setStream(buffer)
    yield json_app, buffer
    root.removeHandler(handler)
    for handler in ours:
        root.addHandler(handler)
    root.setLevel(level)


def request_lines(buffer: io.StringIO) -> list[dict]:
    lines = [json.loads(line) for line in buffer.getvalue().splitlines()]
    return [line for line in lines if line["name"] == "kaidian.request"]


@pytest.mark.parametrize("site", ["store", "platform"])
def test_json_log_line_carries_request_and_tenant_ids(json_log, make_store, site):
    json_app, buffer = json_log
    store = make_store("alpha")
    base_url = "http://alpha.localhost" if site == "store" else "http://localhost"
    response = json_app.test_client().get("/", base_url=base_url, headers={"X-Request-Id": "trace-1"})
    assert response.status_code == 200
    (line,) = request_lines(buffer)
    assert line["request_id"] == "trace-1"
    assert line["tenant_id"] == (str(store.tenant_id) if site == "store" else "-")
    assert line["message"].startswith("GET / 200")
