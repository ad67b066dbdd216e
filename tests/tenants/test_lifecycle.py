"""Suspension and resumption: storefront closed, admin read-only, API writes refused."""

import io

import pytest
from sqlalchemy import func, select

from kaidian.platform.extensions import db
from kaidian.platform.models import AuditEvent, Tenant, TenantStatus
from kaidian.platform.tenancy import all_tenants
from tests.conftest import api_token, csrf_token, login, post_form


@pytest.fixture
def suspended(app, client, make_store, make_admin):
    store = make_store("alpha")
    admin_login, _ = make_admin()
    admin = app.test_client()
    login(admin, admin_login)
    response = post_form(admin, f"/platform/tenants/{store.tenant_id}/suspend",
                         {"reason": "Fake goods", "confirmed": "1"})
    assert response.status_code == 302
    return store


def _tenant(app, tenant_id):
    with app.app_context():
        tenant = db.session.get(Tenant, tenant_id)
        db.session.expunge(tenant)
        return tenant


def test_suspended_store_shows_shoppers_a_closed_page(app, client, suspended):
    response = client.get("/", headers={"Host": "alpha.localhost"})
    assert response.status_code == 403
    assert "Alpha" in response.get_data(as_text=True)
    assert _tenant(app, suspended.tenant_id).status == TenantStatus.SUSPENDED


def test_suspended_store_admin_is_read_only(app, client, suspended):
    login(client, suspended.login)
    assert client.get("/admin/profile").status_code == 200
    assert "Fake goods" in client.get("/admin/").get_data(as_text=True)
    csrf = csrf_token(client, "/admin/profile")
    response = client.post("/admin/profile", data={"csrf_token": csrf, "name": "Changed"})
    assert response.status_code == 403
    assert _tenant(app, suspended.tenant_id).name == "Alpha"


def test_a_suspended_stores_forms_are_shown_disabled_with_the_reason(client, suspended):
    login(client, suspended.login)
    client.set_cookie("lang", "en")
    html = client.get("/admin/profile").get_data(as_text=True)
    assert '<fieldset class="read-only" disabled' in html
    assert html.index('<fieldset class="read-only" disabled') < html.index('name="name"')
    assert "This store is suspended: Fake goods." in html


def test_a_write_to_a_suspended_store_goes_back_to_its_page_with_the_reason(app, client, suspended):
    login(client, suspended.login)
    client.set_cookie("lang", "en")
    csrf = csrf_token(client, "/admin/profile")
    response = client.post("/admin/profile", data={"csrf_token": csrf, "name": "Changed"},
                           headers={"Referer": "http://localhost/admin/profile"})
    assert response.status_code == 303 and response.headers["Location"] == "/admin/profile"
    page = client.get("/admin/profile").get_data(as_text=True)
    assert "This store is suspended (Fake goods), so its admin is read-only" in page
    assert _tenant(app, suspended.tenant_id).name == "Alpha"
    # without a page to go back to: a page that says why, not a bare 403
    response = client.post("/admin/profile", data={"csrf_token": csrf, "name": "Changed"})
    assert response.status_code == 403 and "Nothing was saved." in response.get_data(as_text=True)


def test_suspending_is_confirmed_first(app, make_store, make_admin):
    store = make_store("alpha")
    admin = app.test_client()
    login(admin, make_admin()[0])
    admin.set_cookie("lang", "en")
    response = post_form(admin, f"/platform/tenants/{store.tenant_id}/suspend", {"reason": "Fake goods"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Suspend Alpha?" in html and 'value="Fake goods"' in html
    assert _tenant(app, store.tenant_id).status == TenantStatus.TRIAL  # nothing changed yet
    response = post_form(admin, f"/platform/tenants/{store.tenant_id}/suspend",
                         {"reason": "Fake goods", "confirmed": "1"})
    assert response.status_code == 302 and _tenant(app, store.tenant_id).status == TenantStatus.SUSPENDED


@pytest.mark.parametrize("method, path, kwargs", [
    ("patch", "/api/v1/store", {"json": {"name": "Changed"}}),
    ("post", "/api/v1/staff", {"json": {"login": "new@example.com", "role": "staff"}}),
    ("post", "/api/v1/qualifications", {"data": {"kind": "business_licence",
                                                 "file": (io.BytesIO(b"%PDF-1.4 x"), "a.pdf")}}),
])
def test_suspended_store_api_refuses_writes(app, client, suspended, method, path, kwargs):
    headers = api_token(client, suspended.login)
    before = _counts(app)
    response = getattr(client, method)(path, headers=headers, **kwargs)
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "store_read_only"
    assert _counts(app) == before
    assert client.get("/api/v1/store", headers=headers).status_code == 200


def _counts(app):
    from kaidian.platform.models import Membership
    from kaidian.tenants.models import Qualification

    with app.app_context(), all_tenants():
        return [db.session.execute(select(func.count()).select_from(m)).scalar()
                for m in (Membership, Qualification, AuditEvent)] + [
            db.session.execute(select(Tenant.name)).scalars().all()]


def test_resume_reopens_the_store(app, client, make_admin, suspended):
    admin = app.test_client()
    login(admin, "root@example.com")
    assert post_form(admin, f"/platform/tenants/{suspended.tenant_id}/resume").status_code == 302
    assert client.get("/", headers={"Host": "alpha.localhost"}).status_code == 200
    assert _tenant(app, suspended.tenant_id).status == TenantStatus.TRIAL


def test_suspension_needs_a_reason(app, make_store, make_admin):
    store = make_store("alpha")
    admin = app.test_client()
    login(admin, make_admin()[0])
    response = post_form(admin, f"/platform/tenants/{store.tenant_id}/suspend", {"reason": " ", "confirmed": "1"})
    assert response.status_code == 302
    assert _tenant(app, store.tenant_id).status == TenantStatus.TRIAL


def test_platform_api_suspends_and_resumes(app, client, make_store, make_admin):
    store = make_store("alpha")
    admin_login, _ = make_admin()
    token = _admin_token(app, admin_login, store)
    response = client.post(f"/api/v1/platform/tenants/{store.tenant_id}/suspend", json={"reason": "Spam"},
                           headers=token)
    assert response.status_code == 200 and response.get_json()["status"] == "suspended"
    response = client.post(f"/api/v1/platform/tenants/{store.tenant_id}/resume", headers=token)
    assert response.get_json()["status"] == "trial"


def _admin_token(app, admin_login, store):
    """Platform admins use a token issued in any store they belong to; give the admin one."""
    from kaidian.platform import accounts
    from kaidian.platform.models import Membership, Role, User
    from kaidian.platform.tenancy import tenant_context

    with app.app_context(), tenant_context(store.tenant_id):
        user = accounts.find_user(admin_login)
        db.session.add(Membership(tenant_id=store.tenant_id, user_id=user.id, role=Role.STAFF))
        _, token = accounts.issue_api_token(db.session.get(User, user.id), store.tenant_id, "admin")
        db.session.commit()
    return {"Authorization": f"Bearer {token}"}
