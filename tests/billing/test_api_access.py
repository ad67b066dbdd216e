"""API tokens need the plan's ``api_access``: issuing one (the login endpoint, the tokens API, the admin
page) and using one are refused with a 403 naming the plan that has it, and nothing changes. Today every
plan has the feature, so the tests take it out of basic."""

import dataclasses

import pytest
from sqlalchemy import func, select

from kaidian.billing import subscriptions
from kaidian.billing.plans import PLANS
from kaidian.platform.extensions import db
from kaidian.platform.models import ApiToken, Tenant, User
from kaidian.platform.tenancy import all_tenants
from tests.conftest import api_token, csrf_token, login, post_form
from tests.factories import in_store


@pytest.fixture
def basic_without_api(monkeypatch):
    plan = PLANS["basic"]
    monkeypatch.setitem(PLANS, "basic", dataclasses.replace(plan, features=plan.features - {"api_access"}))


def tokens(app, tenant_id) -> list[ApiToken]:
    with app.app_context(), all_tenants():
        rows = list(db.session.execute(select(ApiToken).where(ApiToken.tenant_id == tenant_id)).scalars())
        for row in rows:
            db.session.expunge(row)
        db.session.remove()
    return rows


def assert_names_pro(answer):
    assert answer.status_code == 403
    error = answer.get_json()["error"]
    assert error["code"] == "feature_not_in_plan" and error["fields"]["plan"] == ["pro"]
    assert "API access" in error["message"] and "Pro" in error["message"]


def test_the_login_endpoint_mints_no_token_without_api_access(app, client, make_store, basic_without_api):
    store = make_store("alpha")
    answer = client.post("/api/v1/login", json={"login": store.login, "password": store.password},
                         headers={"Accept-Language": "en"})
    assert_names_pro(answer)
    assert tokens(app, store.tenant_id) == []


def test_the_tokens_api_and_page_mint_none_without_api_access(app, client, make_store, basic_without_api):
    store = make_store("alpha")
    login(client, store.login)
    client.set_cookie("lang", "en")
    page = post_form(client, "/admin/tokens", {"name": "shop sync"})
    assert page.status_code == 403 and "API access" in page.get_data(as_text=True)
    answer = client.post("/api/v1/tokens", json={"name": "sync"}, headers={"X-CSRFToken": csrf_token(client)})
    assert_names_pro(answer)
    assert tokens(app, store.tenant_id) == []


def test_a_token_stops_working_when_the_plan_loses_api_access(app, client, make_store, make_admin, monkeypatch):
    store = make_store("alpha", plan="pro")
    headers = {**api_token(client, store.login), "Accept-Language": "en"}
    assert client.get("/api/v1/store", headers=headers).status_code == 200
    [before] = tokens(app, store.tenant_id)
    plan = PLANS["basic"]
    monkeypatch.setitem(PLANS, "basic", dataclasses.replace(plan, features=plan.features - {"api_access"}))
    _, admin_id = make_admin()
    with in_store(app, store.tenant_id):
        subscriptions.set_plan(db.session.get(Tenant, store.tenant_id),
                               {"plan": "basic", "reason": "test"}, db.session.get(User, admin_id))
    for method, path in (("get", "/api/v1/store"), ("get", "/api/v1/products"), ("post", "/api/v1/products")):
        assert_names_pro(getattr(client, method)(path, headers=headers, json={} if method == "post" else None))
    [after] = tokens(app, store.tenant_id)
    assert after.last_used_at == before.last_used_at  # a refused use changes nothing
    with app.app_context(), all_tenants():
        from kaidian.catalog.models import Product

        assert db.session.execute(select(func.count()).select_from(Product)).scalar() == 0


@pytest.mark.parametrize("plan", list(PLANS))
def test_every_plan_with_api_access_issues_and_uses_tokens(app, client, make_store, plan):
    store = make_store("alpha", plan=plan)
    headers = api_token(client, store.login)
    assert client.get("/api/v1/store", headers=headers).status_code == 200
