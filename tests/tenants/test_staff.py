"""Staff: roles decide what a member may do; the plan limits how many accounts a store has."""

import pytest
from sqlalchemy import func, select

from kaidian.platform.extensions import db
from kaidian.platform.models import Membership, Tenant
from kaidian.platform.tenancy import all_tenants
from tests.conftest import api_token, login, post_form


def _members(app):
    with app.app_context(), all_tenants():
        return db.session.execute(select(func.count()).select_from(Membership)).scalar()


def test_owner_adds_staff_who_gets_a_set_password_email(app, client, make_store):
    store = make_store("alpha")
    headers = api_token(client, store.login)
    response = client.post("/api/v1/staff", json={"login": "clerk@example.com", "role": "staff"}, headers=headers)
    assert response.status_code == 201
    to, subject, body = app.extensions["kaidian_outbox"][-1]
    assert to == "clerk@example.com" and "/password/reset/" in body


def test_staff_limit_of_the_plan(app, client, make_store):
    store = make_store("alpha", plan="basic")  # basic: 2 accounts
    headers = api_token(client, store.login)
    assert client.post("/api/v1/staff", json={"login": "one@example.com", "role": "staff"},
                       headers=headers).status_code == 201
    before = _members(app)
    response = client.post("/api/v1/staff", json={"login": "two@example.com", "role": "staff"}, headers=headers)
    assert response.status_code == 403
    error = response.get_json()["error"]
    assert error["code"] == "plan_limit_reached" and "upgrade_url" in error["fields"]
    assert _members(app) == before


def test_staff_role_cannot_edit_the_profile_or_manage_staff(app, client, make_store):
    store = make_store("alpha")
    owner = api_token(client, store.login)
    client.post("/api/v1/staff", json={"login": "clerk@example.com", "role": "staff"}, headers=owner)
    _set_password(app, "clerk@example.com")
    clerk = api_token(app.test_client(), "clerk@example.com")
    assert client.patch("/api/v1/store", json={"name": "Mine"}, headers=clerk).status_code == 403
    assert client.post("/api/v1/staff", json={"login": "x@example.com", "role": "admin"},
                       headers=clerk).status_code == 403
    assert client.get("/api/v1/store", headers=clerk).status_code == 200
    with app.app_context():
        assert db.session.get(Tenant, store.tenant_id).name == "Alpha"


def _set_password(app, login_name):
    from kaidian.platform import accounts

    with app.app_context():
        accounts.set_password(accounts.find_user(login_name), "goodpass123")
        db.session.commit()


def test_the_owner_cannot_be_removed(app, client, make_store):
    store = make_store("alpha")
    headers = api_token(client, store.login)
    owner_id = client.get("/api/v1/staff", headers=headers).get_json()[0]["id"]
    assert client.delete(f"/api/v1/staff/{owner_id}", headers=headers).status_code == 409
    assert _members(app) == 1


@pytest.mark.parametrize("body", [{"login": "x@example.com", "role": "owner"},
                                  {"login": "x@example.com", "role": "staff", "permissions": ["billing.manage"]},
                                  {"login": "nope", "role": "staff"}])
def test_bad_staff_requests(app, client, make_store, body):
    store = make_store("alpha", plan="pro")
    headers = api_token(client, store.login)
    assert client.post("/api/v1/staff", json=body, headers=headers).status_code == 422
    assert _members(app) == 1


def test_staff_page_adds_a_member(app, client, make_store):
    store = make_store("alpha", plan="pro")
    login(client, store.login)
    response = post_form(client, "/admin/staff", {"login": "13900139000", "role": "admin"})
    assert response.status_code == 302
    assert "13900139000" in client.get("/admin/staff").get_data(as_text=True)
