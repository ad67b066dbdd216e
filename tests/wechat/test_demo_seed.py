"""``flask kaidian seed-demo`` gives each demo store real content through the domains' services: categories,
12–20 products on sale with specs, SKUs, stock and pictures, the industry template published, a sandbox
official account bound with its menu published — so a shopper can log in at /member and browse at once.
Running it twice changes nothing. (PostgreSQL here; tests/tenants/test_seed_demo_sqlite.py on SQLite.)"""

import os
import re

import pytest

from kaidian.catalog.models import Category, Product, ProductImage, ProductStatus, Sku, StockMovement
from kaidian.customers.models import Customer
from kaidian.platform.extensions import db
from kaidian.platform.models import Tenant
from kaidian.sandbox.accounts import add_demo_accounts
from kaidian.themes.models import ThemeSettings
from kaidian.wechat import demo_accounts
from kaidian.wechat.models import Authorizer, AuthorizerStatus

from .helpers import rows, shopper_login, snapshot

STORES = {"demo-apparel": "clothing", "demo-food": "food"}


def _seed(app) -> str:
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["kaidian", "seed-demo"])
        db.session.remove()
    assert result.exit_code == 0, result.output
    return result.output


def _media_files(app) -> list[str]:
    return sorted(os.path.join(d, f) for d, _, files in os.walk(app.config["MEDIA_ROOT"]) for f in files)


@pytest.fixture
def seeded(app, sandbox, wechat_env):
    """The sandbox knows the demo accounts (as ``make run``'s does: DEMO_ACCOUNTS=1), then seed-demo ran."""
    with wechat_env.server.app.extensions["kaidian_sandbox"].state.transaction() as data:
        add_demo_accounts(data, platform_port=80)
    _seed(app)
    return {t.slug: t for t in rows(app, Tenant)}


def test_seeding_twice_changes_nothing(app, seeded):
    before, files = snapshot(app), _media_files(app)
    output = _seed(app)
    assert snapshot(app) == before and _media_files(app) == files
    assert "(0 new)" in output


def test_each_demo_store_is_filled_and_a_shopper_can_log_in_and_browse(app, seeded, wechat_env, form_browser):
    """One seed, checked store by store (seeding costs seconds: the checks share it)."""
    for slug in sorted(STORES):
        _has_a_catalog_with_pictures_and_stock(app, seeded[slug].id)
        _has_its_template_published_and_a_bound_account_with_a_menu(app, seeded[slug].id, slug)
    _home_shows_products_and_hot_searches_find_some(app)
    _a_shopper_logs_in_at_member_through_the_sandbox(app, seeded["demo-food"].id)
    _a_browser_sees_the_products_with_their_pictures(form_browser, wechat_env.platform_url.rsplit(":", 1)[1])


def _a_browser_sees_the_products_with_their_pictures(browser, port: str):
    """Through the session's one Chromium (tests/browser.py): a second Playwright in the same test
    process fails ("Sync API inside the asyncio loop") when another test file started the first."""
    context = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        problems = []
        page.on("pageerror", lambda error: problems.append(str(error)))
        for slug in sorted(STORES):
            assert page.goto(f"http://{slug}.localhost:{port}/", wait_until="load").status == 200
            cards = page.locator('a[href^="/products/"] img')
            assert cards.count() >= 6, slug
            cards.first.scroll_into_view_if_needed()
            page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=cards.first.element_handle())
            assert page.locator("text=/¥|￥/").count() >= 6, slug
    finally:
        context.close()
    assert not problems, problems


def _has_a_catalog_with_pictures_and_stock(app, tenant_id):
    products = rows(app, Product, tenant_id=tenant_id)
    assert 12 <= len(products) <= 20 and {p.status for p in products} == {ProductStatus.ON_SALE}
    assert all(p.specs and p.category_id and p.description for p in products)
    assert sum("<table>" in p.description for p in products) >= len(products) // 2  # size charts, storage
    categories = rows(app, Category, tenant_id=tenant_id)
    assert len({c.parent_id for c in categories if c.parent_id}) >= 3
    skus = rows(app, Sku, tenant_id=tenant_id)
    assert len(skus) >= 2 * len(products) and sum(s.stock for s in skus) > 500
    assert len({s.code for s in skus}) == len(skus)
    moves = rows(app, StockMovement, tenant_id=tenant_id)  # stock came through the stock service
    assert sum(m.delta for m in moves) == sum(s.stock for s in skus)
    images = rows(app, ProductImage, tenant_id=tenant_id)
    assert {i.product_id for i in images} == {p.id for p in products}
    for image in images[:3]:
        assert os.path.getsize(os.path.join(app.config["MEDIA_ROOT"], image.image_key)) > 5000


def _has_its_template_published_and_a_bound_account_with_a_menu(app, tenant_id, slug):
    [theme] = rows(app, ThemeSettings, tenant_id=tenant_id)
    assert theme.template == STORES[slug] and theme.published and theme.published_version >= 1
    [account] = rows(app, Authorizer, tenant_id=tenant_id)
    assert account.appid == demo_accounts.ACCOUNTS[slug]["appid"] and account.status == AuthorizerStatus.AUTHORIZED
    assert 4 in account.func_id_list and 15 in account.func_id_list and account.is_service_account
    assert account.menu_published_at and [b["name"] for b in account.menu["button"]] == ["首页", "全部商品", "我的"]
    assert account.menu["button"][0]["url"] == f"http://{slug}.localhost/"


def _home_shows_products_and_hot_searches_find_some(app):
    client = app.test_client()
    home = client.get("/", base_url="http://demo-apparel.localhost").get_data(as_text=True)
    assert "亚麻系带连衣裙" in home or "羊绒围巾" in home
    assert len(re.findall(r'href="/products/[0-9a-f-]{36}"', home)) >= 6
    hot = {"demo-apparel": ("连衣裙", "亚麻", "衬衫", "针织衫"), "demo-food": ("芒果", "茶叶", "坚果", "饼干")}
    for slug, words in hot.items():  # the templates' hot-search chips, in zh
        for word in words:
            page = client.get(f"/search?q={word}", base_url=f"http://{slug}.localhost").get_data(as_text=True)
            assert re.search(r'href="/products/[0-9a-f-]{36}"', page), word


def _a_shopper_logs_in_at_member_through_the_sandbox(app, tenant_id):
    shopper = app.test_client()
    response = shopper_login(shopper, "demo-food.localhost", "alice")
    assert response.status_code == 302 and response.headers["Location"] == "/member"
    page = shopper.get("/member", base_url="http://demo-food.localhost")
    assert page.status_code == 200 and "小爱" in page.get_data(as_text=True)
    [customer] = rows(app, Customer)
    assert customer.tenant_id == tenant_id
    assert customer.authorizer_appid == demo_accounts.ACCOUNTS["demo-food"]["appid"]
