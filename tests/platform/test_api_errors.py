"""The JSON API: its OpenAPI document, and one error shape for every error under /api/v1."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from kaidian.platform.extensions import db
from kaidian.platform.models import Tenant, User
from kaidian.platform.tenancy import all_tenants
from tests.conftest import api_token

SIGNUP = {"login": "new@example.com", "password": "goodpass123", "store_name": "New Shop", "slug": "new-shop",
          "plan": "basic"}


@pytest.mark.parametrize("path", ["/api/v1/signup", "/api/v1/store", "/api/v1/staff", "/api/v1/qualifications",
                                  "/api/v1/platform/tenants"])
def test_openapi_document_lists_the_endpoint(client, path):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert path in response.get_json()["paths"]


# (who calls, method, path, request options, status, error code, a field the error must name)
ERROR_CASES = [
    pytest.param(None, "get", "/api/v1/no-such-thing", {}, 404, "not_found", None, id="unknown-path"),
    pytest.param(None, "delete", "/api/v1/signup", {}, 405, "method_not_allowed", None, id="wrong-method"),
    pytest.param(None, "get", "/api/v1/store", {}, 401, "unauthorized", None, id="missing-auth"),
    pytest.param(None, "get", "/api/v1/store", {"headers": {"Authorization": "Bearer not-a-token"}}, 401,
                 "unauthorized", None, id="malformed-bearer"),
    pytest.param(None, "get", "/api/v1/store", {"headers": {"Authorization": "Bearer kd_unknown"}}, 401,
                 "unauthorized", None, id="unknown-bearer"),
    pytest.param(None, "post", "/api/v1/signup", {"data": "{not json", "content_type": "application/json"}, 400,
                 "bad_request", None, id="bad-json"),
    pytest.param(None, "post", "/api/v1/signup", {"json": {}}, 422, "validation_failed", "login",
                 id="missing-fields"),
    pytest.param(None, "post", "/api/v1/signup", {"json": {**SIGNUP, "slug": "No Good!"}}, 422, "validation_failed",
                 "slug", id="bad-slug"),
    pytest.param("owner", "get", "/api/v1/platform/tenants", {}, 403, "forbidden", None, id="not-platform-admin"),
]


@pytest.mark.parametrize(("caller", "method", "path", "options", "status", "code", "field"), ERROR_CASES)
def test_every_api_error_has_one_shape(client, make_store, caller, method, path, options, status, code, field):
    if caller == "owner":
        options = {"headers": api_token(client, make_store("alpha").login)}
    response = getattr(client, method)(path, **options)
    body = response.get_json()
    assert (response.status_code, response.mimetype) == (status, "application/json")
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "fields"}
    error = body["error"]
    assert (error["code"], type(error["message"]), type(error["fields"])) == (code, str, dict)
    assert error["message"]
    assert field is None or error["fields"][field]


@pytest.mark.parametrize("body", [{}, {**SIGNUP, "slug": "No Good!"}, {**SIGNUP, "password": "x"}],
                         ids=["missing-fields", "bad-slug", "weak-password"])
def test_refused_signup_creates_nothing(app, client, body):
    assert client.post("/api/v1/signup", json=body).status_code == 422
    with app.app_context(), all_tenants():
        counts = [db.session.execute(select(func.count()).select_from(m)).scalar() for m in (Tenant, User)]
        db.session.remove()
    assert counts == [0, 0]
