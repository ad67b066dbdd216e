"""The render cache: hits skip the database, publishing and catalog changes invalidate, tenants and
locales never share entries, and responses revalidate with ETags."""

from __future__ import annotations

import json
import re
import uuid

import pytest
from sqlalchemy import event, select, update

from kaidian.catalog.models import Sku
from kaidian.platform.extensions import db
from kaidian.platform.models import Tenant, TenantStatus
from kaidian.platform.tenancy import tenant_context
from tests import factories
from tests.conftest import api_token
from tests.themes.helpers import add_product, one_section, publish, store_get, update_product

GRID = one_section("product_grid", {"heading": "Picks", "count": 6})


@pytest.fixture
def statements(app):
    """SQL statements run while the block is active (``with statements() as seen``)."""
    return lambda: factories.sql_statements(app)


def test_a_cached_page_is_served_without_touching_theme_or_catalog_tables(client, alpha, statements):
    add_product(client.application, alpha.tenant_id, "Shirt")
    first = store_get(client, "alpha")
    with statements() as seen:
        second = store_get(client, "alpha")
    assert second.get_data() == first.get_data()
    touched = [s for s in seen if re.search(r"\b(theme_|catalog_)", s)]
    assert touched == [], touched


def test_publishing_invalidates_the_cached_page(client, alpha, alpha_api):
    publish(client, alpha_api, "home", one_section("rich_text", {"heading": "Before"}))
    assert "Before" in store_get(client, "alpha").get_data(as_text=True)
    publish(client, alpha_api, "home", one_section("rich_text", {"heading": "After"}))
    page = store_get(client, "alpha").get_data(as_text=True)
    assert "After" in page and "Before" not in page


def test_saving_a_draft_does_not_change_the_live_page(client, alpha, alpha_api):
    from tests.themes.helpers import save_draft

    publish(client, alpha_api, "home", one_section("rich_text", {"heading": "Live"}))
    store_get(client, "alpha")
    assert save_draft(client, alpha_api, "home", one_section("rich_text", {"heading": "Draft"})).status_code == 200
    page = store_get(client, "alpha").get_data(as_text=True)
    assert "Live" in page and "Draft" not in page


@pytest.mark.parametrize("change, expected", [
    ({"title": "Renamed shirt"}, "Renamed shirt"),
    ({"price": 4321}, "43.21"),
    ({"status": "off_sale"}, None),
])
def test_a_product_change_shows_on_the_cached_home_page(app, client, alpha, alpha_api, change, expected):
    publish(client, alpha_api, "home", GRID)
    product = add_product(app, alpha.tenant_id, "Shirt", 12900)
    add_product(app, alpha.tenant_id, "Other", 100)
    assert "Shirt" in store_get(client, "alpha").get_data(as_text=True)
    update_product(app, alpha.tenant_id, product, **change)
    page = store_get(client, "alpha").get_data(as_text=True)
    if expected:
        assert expected in page
    else:
        assert "Shirt" not in page


def _touches_catalog(seen: list[str]) -> bool:
    return any(re.search(r"\bcatalog_", statement) for statement in seen)


def _cached(client, statements, path: str, etag: str) -> bool:
    """Whether ``path`` was answered from the render cache (no catalog query, the same ETag)."""
    with statements() as seen:
        response = store_get(client, "alpha", path)
    assert response.status_code == 200
    return not _touches_catalog(seen) and response.headers["ETag"] == etag


@pytest.fixture
def three_pages(app, client, alpha, alpha_api):
    """Home shows product A (chosen by hand); product pages show only their product; all cached."""
    a = add_product(app, alpha.tenant_id, "Alpha shirt")
    b = add_product(app, alpha.tenant_id, "Bravo shirt")
    publish(client, alpha_api, "home", one_section("product_grid", {"source": "manual", "products": [a]}))
    publish(client, alpha_api, "product", one_section("product_info"))
    paths = {"home": "/", "a": f"/products/{a}", "b": f"/products/{b}"}
    etags = {name: store_get(client, "alpha", path).headers["ETag"] for name, path in paths.items()}
    assert all(_cached(client, statements_for(app), paths[n], etags[n]) for n in paths)
    return {"a": a, "b": b, "paths": paths, "etags": etags}


def statements_for(app):
    from contextlib import contextmanager

    @contextmanager
    def watch():
        seen: list[str] = []

        def record(conn, cursor, statement, parameters, context, executemany):
            seen.append(statement)

        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", record)
        try:
            yield seen
        finally:
            event.remove(engine, "before_cursor_execute", record)

    return watch


@pytest.mark.parametrize("change", [{"title": "Alpha renamed"}, {"price": 4321}, {"subtitle": "New subtitle"}])
def test_a_product_edit_invalidates_the_pages_that_show_it_and_no_others(app, client, alpha, three_pages,
                                                                          statements, change):
    update_product(app, alpha.tenant_id, three_pages["a"], **change)
    paths, etags = three_pages["paths"], three_pages["etags"]
    assert not _cached(client, statements, paths["home"], etags["home"])
    assert not _cached(client, statements, paths["a"], etags["a"])
    assert _cached(client, statements, paths["b"], etags["b"])


def test_an_edit_through_the_api_invalidates_its_product_page(app, client, alpha, alpha_api, three_pages, statements):
    response = client.patch(f"/api/v1/products/{three_pages['a']}", headers=alpha_api, json={"title": "Via API"})
    assert response.status_code == 200, response.get_json()
    assert "Via API" in store_get(client, "alpha", three_pages["paths"]["a"]).get_data(as_text=True)
    assert _cached(client, statements, three_pages["paths"]["b"], three_pages["etags"]["b"])


def test_a_new_product_on_sale_refreshes_lists_but_not_other_product_pages(app, client, alpha, alpha_api,
                                                                           statements):
    b = add_product(app, alpha.tenant_id, "Bravo shirt")
    publish(client, alpha_api, "home", GRID)
    publish(client, alpha_api, "product", one_section("product_info"))
    store_get(client, "alpha")
    etag_b = store_get(client, "alpha", f"/products/{b}").headers["ETag"]
    add_product(app, alpha.tenant_id, "Charlie shirt")
    assert "Charlie shirt" in store_get(client, "alpha").get_data(as_text=True)
    assert _cached(client, statements, f"/products/{b}", etag_b)


def test_stock_changes_do_not_invalidate_cached_pages(app, client, alpha, three_pages, statements):
    from kaidian.catalog import stock

    with app.app_context(), tenant_context(alpha.tenant_id):
        for sku in db.session.execute(select(Sku).order_by(Sku.id)).scalars():
            stock.reserve(sku, 10)  # sells out
        db.session.execute(update(Sku).values(stock=5))  # a bulk statement
        db.session.commit()
        for sku in db.session.execute(select(Sku).order_by(Sku.id)).scalars():
            sku.stock = 3  # and through the ORM
        db.session.commit()
        db.session.remove()
    for name, path in three_pages["paths"].items():
        assert _cached(client, statements, path, three_pages["etags"][name]), name


def test_cached_pages_carry_no_stock_levels(app, client, alpha, alpha_api):
    publish(client, alpha_api, "home", GRID)
    product = add_product(app, alpha.tenant_id, "Shirt", stock=0)
    page = store_get(client, "alpha").get_data(as_text=True)
    assert f'data-kd-product="{product}"' in page and "data-kd-soldout hidden" in page
    detail = store_get(client, "alpha", f"/products/{product}").get_data(as_text=True)
    data = json.loads(re.search(r'<script type="application/json" id="sku-data">(.*?)</script>', detail, re.S)[1])
    assert data["skus"] and all("stock" not in sku for sku in data["skus"])
    assert "已售罄" not in detail.replace("data-kd-soldout hidden>已售罄", "")


def test_a_rolled_back_change_keeps_the_cache(app, client, alpha, alpha_api, statements):
    publish(client, alpha_api, "home", GRID)
    product = add_product(app, alpha.tenant_id, "Shirt")
    store_get(client, "alpha")
    with app.app_context(), tenant_context(alpha.tenant_id):
        from kaidian.catalog.models import Product

        db.session.get(Product, (alpha.tenant_id, uuid.UUID(product))).title = "Never"
        db.session.flush()
        db.session.rollback()
    with statements() as seen:
        page = store_get(client, "alpha").get_data(as_text=True)
    assert "Shirt" in page and not [s for s in seen if "catalog_" in s]


def test_a_store_profile_change_shows(app, client, alpha):
    store_get(client, "alpha")
    with app.app_context():
        db.session.get(Tenant, alpha.tenant_id).name = "Alpha Renamed"
        db.session.commit()
    assert "Alpha Renamed" in store_get(client, "alpha").get_data(as_text=True)


def test_two_tenants_never_see_each_others_cached_pages(app, client, make_store):
    stores = [make_store(slug) for slug in ("alpha", "bravo")]
    for store in stores:
        headers = api_token(app.test_client(), store.login)
        publish(client, headers, "home", one_section("rich_text", {"heading": f"Only at {store.slug}"}))
        add_product(app, store.tenant_id, f"{store.slug} product")
    for _ in range(3):
        for store, other in (stores, stores[::-1]):
            page = store_get(client, store.slug).get_data(as_text=True)
            assert f"Only at {store.slug}" in page and f"Only at {other.slug}" not in page
            assert f"{other.slug} product" not in page
    etags = {store.slug: store_get(client, store.slug).headers["ETag"] for store in stores}
    assert etags["alpha"] != etags["bravo"]
    assert store_get(client, "bravo", headers={"If-None-Match": etags["alpha"]}).status_code == 200


def test_etag_and_304(client, alpha, alpha_api):
    first = store_get(client, "alpha")
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "public, no-cache"
    assert {"Accept-Language", "Cookie"} <= {v.strip() for v in first.headers["Vary"].split(",")}
    again = store_get(client, "alpha", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b"" and again.headers["ETag"] == etag
    publish(client, alpha_api, "home", one_section("rich_text", {"heading": "New"}))
    changed = store_get(client, "alpha", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_each_locale_has_its_own_cached_page(client, alpha):
    chinese = store_get(client, "alpha")
    client.set_cookie("lang", "en", domain="alpha.localhost")
    english = store_get(client, "alpha")
    assert "首页" in chinese.get_data(as_text=True) and ">Home<" in english.get_data(as_text=True)
    assert chinese.headers["ETag"] != english.headers["ETag"]


def test_the_member_page_is_never_shared_cached(app, client, alpha, monkeypatch):
    from types import SimpleNamespace

    from kaidian.customers import services as customers

    pages = {}
    for name in ("Xiao Ming", "Xiao Hong"):
        shopper = SimpleNamespace(nickname=name, display_name=name, avatar="https://wx.example.com/a.png")
        monkeypatch.setattr(customers, "current_customer", lambda shopper=shopper: shopper)
        pages[name] = store_get(client, "alpha", "/member")
    for name, response in pages.items():
        assert response.headers["Cache-Control"] == "private, no-cache"
        assert name in response.get_data(as_text=True)
    assert "Xiao Ming" not in pages["Xiao Hong"].get_data(as_text=True)
    assert pages["Xiao Ming"].headers["ETag"] != pages["Xiao Hong"].headers["ETag"]


def test_a_suspended_store_shows_the_closed_page_even_when_cached(app, client, alpha):
    assert store_get(client, "alpha").status_code == 200
    with app.app_context():
        db.session.get(Tenant, alpha.tenant_id).status = TenantStatus.SUSPENDED
        db.session.commit()
    for path in ("/", "/pages/anything"):
        response = store_get(client, "alpha", path)
        assert response.status_code == 403, path
