"""The storefront's catalog pages: shoppers see only products on sale, categories in two levels,
search, the product page with its spec selector's SKU data (price per SKU), and live stock from
``/api/store/stock`` (cached pages carry none)."""

import json
import re
import uuid

import pytest

from kaidian.platform.extensions import db
from kaidian.platform.models import Tenant, TenantStatus
from kaidian.platform.tenancy import all_tenants
from tests.catalog.helpers import create, in_store, simple, tshirt

STORE = "http://alpha.localhost"


@pytest.fixture
def shop(app, client, headers):
    """A store with a category tree, one product on sale, one off sale, one sold out, one deleted."""
    top = client.post("/api/v1/categories", headers=headers, json={"name": "Clothing"}).get_json()
    sub = client.post("/api/v1/categories", headers=headers, json={"name": "Shirts", "parent_id": top["id"]})
    sub = sub.get_json()
    on = create(client, headers, tshirt(status="on_sale", category_id=sub["id"],
                                        description='<p>Soft</p><img src="x" onerror="alert(1)">'))
    off = create(client, headers, simple("Hidden hoodie", status="off_sale", category_id=sub["id"], code="H"))
    sold = create(client, headers, simple("Sold scarf", status="on_sale", stock=0, category_id=top["id"], code="S"))
    gone = create(client, headers, simple("Deleted cap", status="on_sale", code="D"))
    client.delete(f"/api/v1/products/{gone['id']}", headers=headers)
    return {"top": top, "sub": sub, "on": on, "off": off, "sold": sold, "gone": gone}


def get(client, path):
    return client.get(path, base_url=STORE)


def test_only_products_on_sale_are_listed(client, shop):
    for path in ("/products", f"/categories/{shop['top']['id']}", "/search?q=o"):
        html = get(client, path).get_data(as_text=True)
        assert "Cotton T-shirt" in html, path
        assert "Hidden hoodie" not in html and "Deleted cap" not in html, path
    html = get(client, f"/categories/{shop['top']['id']}").get_data(as_text=True)
    assert "Sold scarf" in html  # on sale but sold out: shown; its badge waits for the live stock
    assert f'data-kd-product="{shop["sold"]["id"]}"' in html and "data-kd-soldout hidden" in html


@pytest.mark.parametrize("key", ["off", "gone"])
def test_a_product_not_on_sale_has_no_page(client, shop, key):
    assert get(client, f"/products/{shop[key]['id']}").status_code == 404


def test_the_product_page_embeds_price_per_sku_and_no_stock(client, shop):
    response = get(client, f"/products/{shop['on']['id']}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    data = json.loads(re.search(r'<script type="application/json" id="sku-data">(.*?)</script>', html, re.S)[1])
    assert data["specs"] == [{"name": "Colour", "values": ["Red", "Blue"]}, {"name": "Size", "values": ["M", "L"]}]
    assert sorted((tuple(s["values"]), s["price"]) for s in data["skus"]) == sorted(
        ((c, s), 9900) for c in ("Red", "Blue") for s in ("M", "L"))
    assert all("stock" not in s for s in data["skus"])
    assert html.count('type="radio"') == 4 and "sku_selector.js" in html
    assert "onerror" not in html and "<p>Soft</p>" in html
    assert "¥</small>99.00" in html


def test_categories_show_two_levels(client, shop):
    html = get(client, "/categories").get_data(as_text=True)
    assert html.index("Clothing") < html.index("Shirts")
    sub = get(client, f"/categories/{shop['sub']['id']}").get_data(as_text=True)
    assert "Cotton T-shirt" in sub and "Sold scarf" not in sub  # the parent's own products are not the child's


def test_search(client, shop):
    assert "Cotton T-shirt" in get(client, "/search?q=cotton").get_data(as_text=True)
    assert "Cotton T-shirt" not in get(client, "/search?q=hoodie").get_data(as_text=True)
    assert "Hidden hoodie" not in get(client, "/search?q=hoodie").get_data(as_text=True)


def test_another_stores_product_is_not_found_here(app, client, shop, make_store):
    make_store("bravo")
    response = client.get(f"/products/{shop['on']['id']}", base_url="http://bravo.localhost")
    assert response.status_code == 404
    assert client.get(f"/categories/{shop['top']['id']}", base_url="http://bravo.localhost").status_code == 404


def test_a_suspended_store_shows_no_products(app, client, shop, store):
    with app.app_context(), all_tenants():
        db.session.get(Tenant, store.tenant_id).status = TenantStatus.SUSPENDED
        db.session.commit()
    response = get(client, f"/products/{shop['on']['id']}")
    assert response.status_code == 403 and "Cotton T-shirt" not in response.get_data(as_text=True)
    assert get(client, "/categories").status_code == 403


def live(client, *ids, base_url=STORE):
    response = client.get("/api/store/stock?products=" + ",".join(str(i) for i in ids), base_url=base_url)
    assert response.status_code == 200
    return response


def test_live_stock_gives_current_levels_of_products_on_sale(app, client, shop, store):
    from kaidian.catalog import stock
    from kaidian.catalog.models import Sku

    response = live(client, shop["on"]["id"], shop["sold"]["id"], shop["off"]["id"], shop["gone"]["id"], "junk",
                    "00000000-0000-0000-0000-000000000000")
    assert response.headers["Cache-Control"] == "public, max-age=5"
    products = response.get_json()["products"]
    assert set(products) == {shop["on"]["id"], shop["sold"]["id"]}
    assert products[shop["on"]["id"]]["stock"] == 40 and products[shop["on"]["id"]]["sold_out"] is False
    assert products[shop["sold"]["id"]]["stock"] == 0 and products[shop["sold"]["id"]]["sold_out"] is True
    with in_store(app, store.tenant_id):
        sku = db.session.execute(db.select(Sku).where(Sku.product_id == uuid.UUID(shop["on"]["id"]))
                                 .order_by(Sku.id)).scalars().first()
        stock.reserve(sku, 3)
        db.session.commit()
        sku_id = str(sku.id)
    now = live(client, shop["on"]["id"]).get_json()["products"][shop["on"]["id"]]
    assert now["stock"] == 37 and now["skus"][sku_id] == 7 and now["sold_out"] is False


def test_live_stock_never_shows_another_stores_skus(app, client, shop, make_store):
    make_store("bravo")
    assert live(client, shop["on"]["id"], base_url="http://bravo.localhost").get_json() == {"products": {}}


def test_live_stock_is_bounded(client, shop):
    ids = [shop["on"]["id"]] * 100 + ["x" * 5000]
    assert shop["on"]["id"] in live(client, *ids).get_json()["products"]
