"""Tenant A's user asking for tenant B's ids, on every merchant-facing route and API endpoint,
gets 403 or 404 and changes nothing.

Routes are found by walking the URL map and the OpenAPI document, so new routes are covered
automatically; a route with an id parameter this file does not know fails until it is added to
``B_IDS`` below.
"""

import io
import re

import pytest
from sqlalchemy import select

from kaidian.platform.extensions import db
from kaidian.platform.models import ApiToken, Membership, Role
from kaidian.platform.sites import PLATFORM, site_of
from kaidian.platform.tenancy import all_tenants, tenant_context
from tests.conftest import api_token, csrf_token, login

PLATFORM_ADMIN_BLUEPRINTS = {"console", "console_tenants", "platform_api", "billing_console", "miniprogram_console"}
# payments_notify: WeChat Pay's notification endpoints, authenticated by signature (and each notification
# recorded, refused or not); tests/payments covers another store's address.
PUBLIC_BLUEPRINTS = {"platform", "kd_static", "health", "signup", "auth_api", "api-docs", "payments_notify",
                     "billing_pricing",
                     # the mini program's shopper API: a shopper's bearer token names the store, never a staff
                     # login (another store's order: tests/wechat/test_mini_program_pay.py)
                     "wechat_mp", "customers_app", "orders_mp"}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"


def _seed_tenant_data(app, store, make_member_login):
    from kaidian.platform import accounts
    from kaidian.tenants import qualifications

    with app.app_context(), tenant_context(store.tenant_id):
        from kaidian.platform.models import Tenant, User

        tenant = db.session.get(Tenant, store.tenant_id)
        owner = db.session.get(User, store.owner_id)
        qualification = qualifications.upload(tenant, {"kind": "business_licence"}, PDF, owner)
        staff_user = accounts.create_user(make_member_login, "goodpass123")
        db.session.flush()
        member = Membership(tenant_id=tenant.id, user_id=staff_user.id, role=Role.STAFF)
        db.session.add(member)
        token, _ = accounts.issue_api_token(owner, tenant.id, "b-token")
        db.session.commit()
        from kaidian.platform.models import Domain

        db.session.add(Domain(host=f"{store.slug}.example.com", tenant_id=tenant.id))
        from kaidian.wechat.models import Authorizer, AuthorizerKind

        appid = "wx" + store.slug.encode().hex()[:16].ljust(16, "0")
        authorizer = Authorizer(tenant_id=tenant.id, appid=appid, kind=AuthorizerKind.OFFICIAL_ACCOUNT,
                                user_name="gh_" + store.slug, func_ids="4,15")
        db.session.add(authorizer)
        db.session.commit()
        ids = {"qualification_id": qualification.id, "member_id": member.id, "token_id": token.id,
               "tenant_id": tenant.id, "host": f"{store.slug}.example.com",
               "authorizer_id": authorizer.id, "appid": appid}
        from tests.catalog.helpers import seed_catalog_ids

        ids.update(seed_catalog_ids(tenant))  # category_id, group_id, product_id, sku_id, image_id, import_id …
        from tests.orders.helpers import seed_order_ids

        ids.update(seed_order_ids(tenant))  # order_id, after_sale_id, freight_template_id, pickup_point_id
        from tests.orders.admin_helpers import seed_orders_admin_ids

        ids.update(seed_orders_admin_ids(tenant))  # export_id
        from kaidian.themes import services as theme_services

        page = theme_services.create_page(tenant, f"{store.slug}-page", "Page", owner)  # a custom page
        theme_services.publish(tenant, page.handle, owner)
        ids.update({"handle": page.handle, "version": 1})
        from kaidian.billing import invoices, subscriptions

        payment = subscriptions.record_bank_transfer(tenant, {"plan": "pro", "period": "year", "amount_fen": 2_980_00,
                                                              "reference": f"ref-{store.slug}"}, owner)
        invoice = invoices.request_invoice(tenant, payment, {"company": "Bravo Ltd", "tax_number": "91310000MA1FL0000X",
                                                             "email": "a@example.com"}, owner)
        invoices.issue(tenant, invoice, PDF, owner)
        ids.update({"payment_id": payment.id, "invoice_id": invoice.id})
        from tests.miniprogram.helpers import seed_miniprogram_ids

        ids.update(seed_miniprogram_ids(tenant))  # version_id, submission_id, media_id, template_id, batch_id …
        db.session.remove()
        return ids


def _snapshot(app):
    with app.app_context(), all_tenants():
        rows = {}
        for table in db.metadata.sorted_tables:
            columns = [c for c in table.columns if c.name != "last_used_at"]
            rows[table.name] = sorted(map(repr, db.session.execute(select(*columns)).all()))
        db.session.remove()
        return rows


def _merchant_routes(app):
    routes = set()
    for rule in app.url_map.iter_rules():
        blueprint = rule.endpoint.rsplit(".", 1)[0] if "." in rule.endpoint else None
        if blueprint in PLATFORM_ADMIN_BLUEPRINTS | PUBLIC_BLUEPRINTS or site_of(blueprint) != PLATFORM:
            continue
        if not rule.arguments:
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            routes.add((method, re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)))
    return routes


def _openapi_routes(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    routes = set()
    for path, operations in spec["paths"].items():
        if "{" not in path or path.startswith("/api/v1/platform/"):
            continue
        verbs = {"get", "post", "put", "patch", "delete"}
        routes |= {(method.upper(), path) for method in operations if method in verbs}
    return routes


@pytest.fixture
def two_stores(app, make_store):
    a, b = make_store("alpha", plan="pro"), make_store("bravo", plan="pro")
    b_ids = _seed_tenant_data(app, b, "bravo-staff@example.com")
    _seed_tenant_data(app, a, "alpha-staff@example.com")
    return a, b, b_ids


def test_every_merchant_route_refuses_another_stores_ids(app, client, two_stores):
    a, b, b_ids = two_stores
    routes = _merchant_routes(app) | _openapi_routes(client)
    assert len(routes) >= 10, routes
    bearer = api_token(app.test_client(), a.login)
    login(client, a.login)
    csrf = csrf_token(client, "/admin/profile")
    before = _snapshot(app)
    for method, template in sorted(routes):
        params = set(re.findall(r"{(\w+)}", template))
        unknown = params - set(b_ids)
        assert not unknown, f"{template}: teach this test the id parameter(s) {unknown}"
        path = template.format(**{k: b_ids[k] for k in params})
        response = _ask(client, method, path, bearer, csrf)
        assert response.status_code in (403, 404), f"{method} {path} -> {response.status_code}"
    assert _snapshot(app) == before


def _ask(client, method, path, bearer, csrf):
    if path.startswith("/api/"):
        return client.open(path, method=method, headers=bearer, json={"role": "admin", "name": "x"})
    data = {"csrf_token": csrf, "role": "admin", "reason": "x", "file": (io.BytesIO(PDF), "x.pdf")}
    return client.open(path, method=method, data=data if method != "GET" else None)


def test_merchants_cannot_use_the_platform_console(app, client, two_stores):
    a, b, b_ids = two_stores
    bearer = api_token(app.test_client(), a.login)
    login(client, a.login)
    csrf = csrf_token(client, "/admin/profile")
    before = _snapshot(app)
    for rule in app.url_map.iter_rules():
        blueprint = rule.endpoint.rsplit(".", 1)[0]
        if blueprint not in PLATFORM_ADMIN_BLUEPRINTS:
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(b_ids[m[1]]), rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            response = _ask(client, method, path, bearer, csrf)
            assert response.status_code in (401, 403), f"{method} {path} -> {response.status_code}"
    assert _snapshot(app) == before


def test_a_token_is_bound_to_its_store(app, client, two_stores):
    a, b, _ = two_stores
    headers = api_token(client, a.login)
    assert client.get("/api/v1/store", headers=headers).get_json()["slug"] == "alpha"
    with app.app_context(), all_tenants():
        tokens = db.session.execute(select(ApiToken.tenant_id)).scalars().all()
    assert set(tokens) == {a.tenant_id, b.tenant_id}
