"""What shoppers get: their store's own products (never demo content), mobile-ready markup, share
metadata, the tab bar, and the product, category, search and member pages."""

from __future__ import annotations

import json
import re
import uuid
from types import SimpleNamespace

import pytest

from tests.conftest import login
from tests.themes.helpers import add_category, add_product, one_section, publish, store_get


def store_call(app, slug: str, path: str):
    """A store page through its page kind's route (``page_kinds``)."""
    response = app.test_client().get(path, headers={"Host": f"{slug}.localhost"})
    return response.status_code, response.get_data(as_text=True), response.headers


def test_the_home_page_shows_the_stores_own_products_sized_for_the_screen(app, client, alpha, alpha_api):
    publish(client, alpha_api, "home", one_section("product_grid", {"heading": "Picks", "columns": 2}))
    add_product(app, alpha.tenant_id, "Linen shirt", 12900, original_price=15900, image=True)
    page = store_get(client, "alpha").get_data(as_text=True)
    assert "Linen shirt" in page and "129.00" in page and "159.00" in page
    image = re.search(r"<img [^>]*>", page[page.index("kd-pcard"):]).group(0)
    for attribute in ('fetchpriority="high"', 'width="240"', 'height="240"', "srcset=", " 240w", " 800w", "sizes="):
        assert attribute in image, (attribute, image)
    assert "-240.jpg" in image.split("srcset")[0]  # the thumbnail is the default source


def test_shoppers_never_see_demo_content(client, alpha):
    page = store_get(client, "alpha").get_data(as_text=True)
    assert "kd-demo-badge" not in page and "kd-pcard" not in page
    assert "kd-empty-store" in page  # a gentle note instead


def test_the_merchant_preview_shows_labelled_demo_content(client, alpha):
    login(client, alpha.login)
    page = client.get("/admin/theme/preview/home").get_data(as_text=True)
    assert "kd-demo-badge" in page and "kd-pcard" in page and "kd-preview-bar" in page
    assert client.get("/admin/theme/preview/home").headers["Cache-Control"] == "private, no-store"


def test_demo_content_stops_once_the_store_has_products_and_categories(app, client, alpha):
    add_product(app, alpha.tenant_id, "Real thing", category_id=add_category(app, alpha.tenant_id, "Tops"))
    login(client, alpha.login)
    page = client.get("/admin/theme/preview/home").get_data(as_text=True)
    assert "kd-demo-badge" not in page and "Real thing" in page


def test_pages_carry_share_metadata(app, client, alpha, alpha_api):
    document = one_section("rich_text", {"heading": "Hi"})
    document["settings"] = {"title": "Summer sale", "description": "Everything 20% off"}
    publish(client, alpha_api, "home", document)
    page = store_get(client, "alpha").get_data(as_text=True)
    assert "<title>Summer sale - Alpha</title>" in page
    assert '<meta property="og:title" content="Summer sale - Alpha">' in page
    assert '<meta property="og:description" content="Everything 20% off">' in page
    assert '<meta itemprop="name" content="Summer sale - Alpha">' in page
    assert 'name="viewport" content="width=device-width, initial-scale=1' in page


def test_a_product_page_shares_the_product(app, alpha):
    product = add_product(app, alpha.tenant_id, "Linen shirt", 12900, image=True, subtitle="Breathable")
    status, page, headers = store_call(app, "alpha", f"/products/{product}")
    assert status == 200
    assert "<title>Linen shirt - Alpha</title>" in page
    og_image = re.search(r'og:image" content="([^"]+)"', page).group(1)
    assert og_image.startswith("http://alpha.localhost/media/t/") and og_image.endswith(".jpg")
    assert 'content="Breathable"' in page
    assert headers["Cache-Control"] == "public, no-cache" and headers["ETag"]


def test_the_tab_bar(client, alpha):
    page = store_get(client, "alpha").get_data(as_text=True)
    tabbar = re.search(r'<nav class="kd-tabbar".*?</nav>', page, re.S).group(0)
    assert [label for label in re.findall(r"<span>([^<]+)</span>", tabbar)] == ["首页", "分类", "购物车", "我的"]
    assert 'href="/" aria-current="page"' in tabbar
    client.set_cookie("lang", "en", domain="alpha.localhost")
    tabbar = re.search(r'<nav class="kd-tabbar".*?</nav>', store_get(client, "alpha").get_data(as_text=True),
                       re.S).group(0)
    assert re.findall(r"<span>([^<]+)</span>", tabbar) == ["Home", "Categories", "Cart", "Me"]


def test_the_product_page_offers_specs_with_prices_and_leaves_stock_to_the_live_endpoint(app, alpha):
    product = add_product(app, alpha.tenant_id, "Tee", 5900, specs=[{"name": "Size", "values": ["S", "M"]}],
                          skus=[(["S"], 5900, 3), (["M"], 6900, 0)], description="<p>Soft<script>x()</script></p>")
    status, page, _ = store_call(app, "alpha", f"/products/{product}")
    assert status == 200
    assert page.count('type="radio"') == 2 and 'value="S"' in page and 'value="M"' in page
    assert "Soft" in page and "x()" not in page and "sku_selector.js" in page
    data = json.loads(re.search(r'<script type="application/json" id="sku-data">(.*?)</script>', page, re.S).group(1))
    assert data["skus"] == [{"id": data["skus"][0]["id"], "values": ["S"], "price": 5900, "original_price": None},
                            {"id": data["skus"][1]["id"], "values": ["M"], "price": 6900, "original_price": None}]
    assert f'data-kd-product="{product}"' in page  # the storefront script fills stock in from /api/store/stock
    assert "59.00" in data["labels"]["range"] and "69.00" in data["labels"]["range"]


@pytest.mark.parametrize("status", ["off_sale", "missing"])
def test_a_product_not_on_sale_is_404(app, alpha, status):
    product = add_product(app, alpha.tenant_id, "Hidden", status="off_sale") if status == "off_sale" else uuid.uuid4()
    assert store_call(app, "alpha", f"/products/{product}")[0] == 404


def test_another_stores_product_is_404(app, alpha, make_store):
    bravo = make_store("bravo")
    product = add_product(app, bravo.tenant_id, "Bravo only")
    assert store_call(app, "alpha", f"/products/{product}")[0] == 404


def test_the_category_page_lists_two_levels_and_products(app, alpha):
    top = add_category(app, alpha.tenant_id, "Tops")
    child = add_category(app, alpha.tenant_id, "Shirts", parent_id=top)
    add_category(app, alpha.tenant_id, "Shoes")
    add_product(app, alpha.tenant_id, "Oxford shirt", category_id=child)
    add_product(app, alpha.tenant_id, "Sneaker")
    status, page, _ = store_call(app, "alpha", f"/categories/{top}")
    assert status == 200
    assert "Tops" in page and "Shoes" in page and "Shirts" in page and "Oxford shirt" in page
    assert "Sneaker" not in page
    status, page, _ = store_call(app, "alpha", f"/categories/{child}")
    assert 'class="kd-chip on"' in page and "Oxford shirt" in page
    assert store_call(app, "alpha", f"/categories/{uuid.uuid4()}")[0] == 404


def test_all_products_newest_first(app, alpha):
    add_product(app, alpha.tenant_id, "Older")
    add_product(app, alpha.tenant_id, "Newer")
    add_product(app, alpha.tenant_id, "Hidden", status="off_sale")
    status, page, _ = store_call(app, "alpha", "/products?page=1")
    assert status == 200 and page.index("Newer") < page.index("Older") and "Hidden" not in page


def test_the_search_page(app, alpha):
    add_product(app, alpha.tenant_id, "Linen shirt")
    add_product(app, alpha.tenant_id, "Wool coat")
    status, page, _ = store_call(app, "alpha", "/search?q=linen")
    assert status == 200 and "Linen shirt" in page and "Wool coat" not in page
    _, page, _ = store_call(app, "alpha", "/search?q=100%25_off")
    assert "kd-empty" in page and "100%_off" in page


def test_the_member_page_shows_the_shopper_or_logs_in_first(app, alpha, monkeypatch):
    from kaidian.customers import services as customers

    customer = SimpleNamespace(nickname="小明", display_name="小明", avatar="https://thirdwx.qlogo.cn/a/132")
    monkeypatch.setattr(customers, "current_customer", lambda: customer)
    status, page, headers = store_call(app, "alpha", "/member")
    assert status == 200 and "小明" in page and 'src="https://thirdwx.qlogo.cn/a/132"' in page
    assert headers["Cache-Control"] == "private, no-cache"  # a private page kind: never shared-cached
    assert 'href="/orders"' in page and 'href="/cart"' in page  # the member page leads to the shopper's orders
    monkeypatch.setattr(customers, "current_customer", lambda: None)
    status, _, headers = store_call(app, "alpha", "/member")
    assert status == 302 and headers["Location"].endswith("/account/login?next=%2Fmember")  # outside WeChat


def test_static_files_are_served(client, alpha):
    page = store_get(client, "alpha").get_data(as_text=True)
    for name in ("storefront.css", "storefront.js"):
        url = re.search(rf'"(/static/themes/{name}\?v=[0-9a-f]+)"', page).group(1)
        response = store_get(client, "alpha", url)
        assert response.status_code == 200 and "max-age=31536000" in response.headers["Cache-Control"]


def test_category_and_search_results_are_paged(app, client, alpha, alpha_api):
    publish(client, alpha_api, "category", one_section("category_browser", {"count": 4}))
    publish(client, alpha_api, "search", one_section("search_results", {"count": 4}))
    top = add_category(app, alpha.tenant_id, "Tops")
    for i in range(5):
        add_product(app, alpha.tenant_id, f"Tee {i}", category_id=top)
    _, first, _ = store_call(app, "alpha", f"/categories/{top}?page=1")
    _, second, _ = store_call(app, "alpha", f"/categories/{top}?page=2")
    assert first.count('class="kd-pcard"') == 4 and second.count('class="kd-pcard"') == 1
    assert f'href="/categories/{top}?page=2" rel="next"' in first and 'rel="prev"' in second
    _, found, _ = store_call(app, "alpha", "/search?q=tee&page=2")
    assert found.count('class="kd-pcard"') == 1 and 'href="/search?q=tee" rel="prev"' in found


def test_the_wechat_member_route_renders_the_themed_member_page(app, client, alpha):
    from kaidian.customers.models import Customer
    from kaidian.platform.extensions import db
    from kaidian.platform.tenancy import tenant_context

    with app.app_context(), tenant_context(alpha.tenant_id):
        customer = Customer(authorizer_appid="wx0123456789abcdef", openid="o-alice", nickname="小爱",
                            avatar="https://thirdwx.qlogo.cn/alice/132")
        db.session.add(customer)
        db.session.commit()
        customer_id = str(customer.id)
    with client.session_transaction(base_url="http://alpha.localhost") as session:
        session["kd_customer"] = {"tenant": str(alpha.tenant_id), "id": customer_id}
    response = client.get("/member", base_url="http://alpha.localhost")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "kd-member" in page and "小爱" in page
    assert response.headers["Cache-Control"] == "private, no-cache"
    assert 'aria-current="page"' in re.search(r'<nav class="kd-tabbar".*?</nav>', page, re.S).group(0)
