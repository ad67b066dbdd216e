"""Logging in, API tokens, CSRF, rate limits and password reset."""

import re

import pytest
from sqlalchemy import select

from kaidian.platform.extensions import db
from kaidian.platform.models import Tenant, User
from kaidian.platform.secrets import verify_password
from tests.conftest import PASSWORD, api_token, login, make_app, post_form


@pytest.mark.parametrize("login_name, password", [
    ("alpha@example.com", "wrongpass123"),
    ("nobody@example.com", PASSWORD),
    ("", ""),
    ("not an email", PASSWORD),
])
def test_login_refusals(client, make_store, login_name, password):
    make_store("alpha")
    response = post_form(client, "/login", {"login": login_name, "password": password})
    assert response.status_code == 422
    assert client.get("/admin/").status_code == 302  # still logged out


def test_api_login_refusal_has_the_error_shape(client, make_store):
    make_store("alpha")
    response = client.post("/api/v1/login", json={"login": "alpha@example.com", "password": "nope12345"})
    assert response.status_code == 401  # wrong credentials
    assert set(response.get_json()["error"]) == {"code", "message", "fields"}


def test_passwords_are_hashed_slowly(app, make_store):
    make_store("alpha")
    with app.app_context():
        user = db.session.execute(select(User)).scalar_one()
        assert user.password_hash.startswith("$argon2id$")
        assert verify_password(user.password_hash, PASSWORD)


def test_form_post_without_csrf_token_is_refused_and_changes_nothing(app, client, make_store):
    store = make_store("alpha")
    login(client, store.login)
    response = client.post("/admin/profile", data={"name": "Hacked"})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.get(Tenant, store.tenant_id).name == "Alpha"


def test_login_form_without_csrf_token_is_refused(client, make_store):
    store = make_store("alpha")
    assert client.post("/login", data={"login": store.login, "password": PASSWORD}).status_code == 400


def test_api_write_with_a_session_cookie_needs_the_csrf_header(app, client, make_store):
    store = make_store("alpha")
    login(client, store.login)
    assert client.patch("/api/v1/store", json={"name": "Hacked"}).status_code == 400
    token = csrf_from_page(client)
    response = client.patch("/api/v1/store", json={"name": "Renamed"}, headers={"X-CSRFToken": token})
    assert response.status_code == 200
    with app.app_context():
        assert db.session.get(Tenant, store.tenant_id).name == "Renamed"


def csrf_from_page(client):
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get("/admin/profile").get_data(as_text=True))[1]


def test_bearer_tokens(client, make_store):
    store = make_store("alpha")
    headers = api_token(client, store.login)
    assert client.get("/api/v1/store", headers=headers).get_json()["slug"] == "alpha"
    assert client.get("/api/v1/store", headers={"Authorization": "Bearer kd_forged"}).status_code == 401
    assert client.get("/api/v1/store", headers={"Authorization": "Bearer nonsense"}).status_code == 401
    assert client.get("/api/v1/store").status_code == 401


def test_a_revoked_token_stops_working(client, make_store):
    store = make_store("alpha")
    headers = api_token(client, store.login)
    created = client.post("/api/v1/tokens", json={"name": "ci"}, headers=headers).get_json()
    other = {"Authorization": f"Bearer {created['token']}"}
    assert client.get("/api/v1/store", headers=other).status_code == 200
    assert client.delete(f"/api/v1/tokens/{created['id']}", headers=headers).status_code == 204
    assert client.get("/api/v1/store", headers=other).status_code == 401


def test_login_is_rate_limited(backend, tmp_path, make_store):
    limited = make_app(backend, tmp_path, RATELIMIT_AUTH="3 per minute", REDIS_URL=backend.redis_url)
    client = limited.test_client()
    statuses = [client.post("/api/v1/login", json={"login": "x@example.com", "password": "wrongpass1"}).status_code
                for _ in range(5)]
    assert statuses[:3] == [401, 401, 401]
    assert statuses[3:] == [429, 429]
    body = client.post("/api/v1/login", json={"login": "x@example.com", "password": "x"}).get_json()
    assert body["error"]["code"] == "too_many_requests"


def test_signup_is_rate_limited(backend, tmp_path):
    limited = make_app(backend, tmp_path, RATELIMIT_AUTH="2 per minute", REDIS_URL=backend.redis_url)
    client = limited.test_client()
    statuses = [client.post("/api/v1/signup", json={"slug": "x"}).status_code for _ in range(3)]
    assert statuses == [422, 422, 429]


def test_password_reset_by_emailed_link(app, client, make_store):
    store = make_store("alpha")
    post_form(client, "/password/forgot", {"login": store.login})
    to, subject, body = app.extensions["kaidian_outbox"][-1]
    assert to == store.login
    path = re.search(r"/password/reset/\S+", body)[0]
    assert post_form(client, path, {"password": "weak"}).status_code == 422
    assert post_form(client, path, {"password": "brandnew123"}).status_code == 302
    login(client, store.login, "brandnew123")
    client.post("/logout", data={"csrf_token": csrf_from_page(client)})
    again = post_form(client, path, {"password": "another123"})
    assert again.status_code == 422  # the link works once
