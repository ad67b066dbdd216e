"""One enforcement service: limits and features give the same decision in pages, the API and
jobs, for every plan; an API write over a limit is a 403 naming the plan that allows it; every
feature of the plan table has a check."""

import importlib.util
import uuid

import pytest
from sqlalchemy import func, insert, select

from kaidian.billing import services as billing
from kaidian.billing.plans import FEATURES, PLANS, UPCOMING
from kaidian.platform.extensions import db
from kaidian.platform.models import Domain, Membership, Role, User
from kaidian.platform.tenancy import all_tenants, tenant_context
from tests.conftest import api_token, login, post_form

NEXT_PLAN = {"basic": "pro", "pro": "flagship", "flagship": None}


def test_every_feature_of_the_plan_table_has_a_check(app):
    for feature in FEATURES:
        if billing.CHECKED_FEATURES.get(feature):
            continue
        package = UPCOMING.get(feature)
        assert package is not None, f"feature {feature!r} is in the plan table but nothing checks it"
        assert importlib.util.find_spec(package) is None, (
            f"{package} exists now: its entry point for {feature!r} must call billing.requires_feature")


def test_the_built_capabilities_register_their_checks(app):
    assert "kaidian.tenants.domains.add" in billing.CHECKED_FEATURES["custom_domain"]
    assert "kaidian.wechat.authorization.start" in billing.CHECKED_FEATURES["mini_program"]
    assert {"kaidian.platform.api_tokens.issue", "kaidian.platform.auth._authenticate_token"} <= \
        billing.CHECKED_FEATURES["api_access"]


def _fill_staff(app, tenant_id, up_to: int) -> None:
    """Bring the store's memberships up to ``up_to`` (rows written directly: fast)."""
    with app.app_context(), tenant_context(tenant_id):
        have = db.session.execute(select(func.count()).select_from(Membership)).scalar()
        users = [{"id": uuid.uuid4(), "email": f"s{i}-{tenant_id.hex[:6]}@example.com", "password_hash": "x",
                  "display_name": "", "locale": "", "is_platform_admin": False, "is_active_user": True}
                 for i in range(up_to - have)]
        if users:
            db.session.execute(insert(User), users)
            db.session.execute(insert(Membership), [{"tenant_id": tenant_id, "id": uuid.uuid4(), "user_id": u["id"],
                                                     "role": Role.STAFF, "permissions": ""} for u in users])
        db.session.commit()
        db.session.remove()


def _members(app, tenant_id) -> int:
    with app.app_context(), all_tenants():
        return db.session.execute(select(func.count()).select_from(Membership)
                                  .where(Membership.tenant_id == tenant_id)).scalar()


@pytest.mark.parametrize("plan", list(PLANS))
def test_the_staff_limit_of_every_plan_through_api_and_page(app, client, make_store, plan):
    store = make_store("alpha", plan=plan)
    limit = PLANS[plan].limits["staff"]
    _fill_staff(app, store.tenant_id, limit - 1)
    headers = api_token(client, store.login)
    response = client.post("/api/v1/staff", json={"login": "last@example.com", "role": "staff"}, headers=headers)
    assert response.status_code == 201  # the last seat
    before = _members(app, store.tenant_id)
    assert before == limit
    response = client.post("/api/v1/staff", json={"login": "over@example.com", "role": "staff"}, headers=headers)
    assert response.status_code == 403, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "plan_limit_reached"
    better = NEXT_PLAN[plan]
    assert error["fields"]["plan"] == [better or plan]
    if better:
        assert {"pro": "专业版", "flagship": "旗舰版"}[better] in error["message"]  # the store's locale, zh
    login(client, store.login)
    client.set_cookie("lang", "en")
    page = post_form(client, "/admin/staff", {"login": "page@example.com", "role": "staff"})
    assert page.status_code == 403 and "plan allows" in page.get_data(as_text=True)
    assert _members(app, store.tenant_id) == before  # nothing changed


@pytest.mark.parametrize("plan", list(PLANS))
def test_custom_domains_need_the_flagship_plan_on_the_page(app, client, make_store, plan):
    store = make_store("alpha", plan=plan)
    login(client, store.login)
    client.set_cookie("lang", "en")
    response = post_form(client, "/admin/domains", {"host": "shop.example.com"})
    with app.app_context():
        claimed = db.session.get(Domain, "shop.example.com") is not None
    if "custom_domain" in PLANS[plan].features:
        assert response.status_code == 302 and claimed
    else:
        assert response.status_code == 403 and not claimed
        assert "Flagship" in response.get_data(as_text=True)


@pytest.mark.parametrize("plan", list(PLANS))
def test_a_mini_program_needs_a_plan_with_it_through_the_api(app, client, make_store, plan, monkeypatch):
    from kaidian.wechat import authorization

    store = make_store("alpha", plan=plan)
    monkeypatch.setattr(authorization.tokens, "client", lambda: _FakeComponent())
    headers = api_token(client, store.login)
    response = client.post("/api/v1/wechat/authorizations", json={"kind": "mini_program"}, headers=headers)
    if "mini_program" in PLANS[plan].features:
        assert response.status_code == 201
    else:
        assert response.status_code == 403
        assert response.get_json()["error"]["code"] == "feature_not_in_plan"
        assert response.get_json()["error"]["fields"]["plan"] == ["pro"]
    # an official account is in every plan
    response = client.post("/api/v1/wechat/authorizations", json={"kind": "official_account"}, headers=headers)
    assert response.status_code == 201


class _FakeComponent:
    def component_call(self, name, *args, **kwargs):
        return {"pre_auth_code": "preauth-" + uuid.uuid4().hex, "expires_in": 600}


def test_the_same_decision_in_a_job(app, make_store):
    """Jobs call the same service: an import over the limit is refused with the same error."""
    store = make_store("alpha", plan="basic")
    with app.app_context(), tenant_context(store.tenant_id):
        from kaidian.platform.models import Tenant

        tenant = db.session.get(Tenant, store.tenant_id)
        with pytest.raises(billing.PlanLimitReached) as refused:
            billing.check_limit(tenant, "products", 100, 1)
        assert refused.value.fields["plan"] == ["pro"]
        billing.check_limit(tenant, "products", 99, 1)  # the last one fits
        db.session.remove()
