"""The merchant admin's catalog pages, as a merchant uses them (forms posted as a browser would,
without JavaScript): the product form with specs and images, the list with filters and bulk
actions, categories and groups, imports with their progress and report, the low-stock card and
the plan limit with its upgrade link."""

from __future__ import annotations

import io
import json
import re

import pytest

from kaidian.catalog import stock
from kaidian.catalog.models import Category, Group, ImportJob, Product, ProductImage, Sku
from kaidian.platform.extensions import db
from tests.catalog.helpers import count, create, image_bytes, in_store, rows, simple, tshirt
from tests.catalog.test_imports import MUG, TSHIRTS, csv_bytes
from tests.catalog.test_products_api import _fill_to_the_limit
from tests.conftest import csrf_token, login


@pytest.fixture
def merchant(client, store):
    login(client, store.login)
    client.set_cookie("lang", "en")
    return client


def _csrf(client):
    return csrf_token(client, "/admin/catalog/")


def _sku_fields(html: str) -> dict[str, str]:
    """The SKU table's inputs as the page renders them."""
    fields = dict(re.findall(r'name="(sku_[a-z_]+_\d+)" value="([^"]*)"', html))
    return {k: v.replace("&#34;", '"') for k, v in fields.items()}


def test_the_sidebar_links_to_the_catalog(merchant):
    html = merchant.get("/admin/").get_data(as_text=True)
    assert 'href="/admin/catalog/"' in html


def test_a_merchant_creates_a_product_with_specs_and_images(app, merchant, store):
    token = _csrf(merchant)
    assert merchant.get("/admin/catalog/products/new").status_code == 200
    specs = {"spec_name_0": "Colour", "spec_values_0": "Red，Blue", "spec_name_1": "Size", "spec_values_1": "M, L"}
    # given the specs typed in, the page (without JavaScript) asks the server for the SKU table
    page = merchant.post("/admin/catalog/products/new", data={"csrf_token": token, "action": "refresh", **specs})
    assert page.status_code == 200
    table = _sku_fields(page.get_data(as_text=True))
    keys = sorted(v for k, v in table.items() if k.startswith("sku_key_"))
    assert keys == sorted(json.dumps([c, s]) for c in ("Red", "Blue") for s in ("M", "L"))
    assert count(app, Product) == 0
    # when the table is filled in (yuan) and the form saved with two images
    form = {"csrf_token": token, "action": "save", "title": "Linen shirt", "subtitle": "Cool", "on_sale": "1",
            "low_stock_threshold": "2", "description": "<p>Nice<script>alert(1)</script></p>", **specs}
    for name, value in table.items():
        if name.startswith("sku_key_"):
            index = name.rsplit("_", 1)[1]
            form.update({name: value, f"sku_price_{index}": "129.90", f"sku_stock_{index}": "5",
                         f"sku_code_{index}": f"LS-{index}", f"sku_original_price_{index}": "199"})
    form["images"] = [(io.BytesIO(image_bytes()), "a.png"), (io.BytesIO(image_bytes(fmt="JPEG")), "b.jpg")]
    response = merchant.post("/admin/catalog/products/new", data=form, content_type="multipart/form-data")
    # then the product exists with 4 SKUs priced in fen, its images stored, its description cleaned
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    (product_id, title, description), = rows(app, Product.id, Product.title, Product.description)
    assert title == "Linen shirt" and "script" not in description and "<p>Nice</p>" == description
    assert sorted(rows(app, Sku.price, Sku.original_price, Sku.stock)) == [(12990, 19900, 5)] * 4
    assert count(app, ProductImage) == 2
    edit = merchant.get(response.location).get_data(as_text=True)
    assert "Linen shirt" in edit and "129.90" in edit
    assert "Add at least 3 images" in edit  # the hint below 3 images


def test_a_product_needs_an_image_and_valid_prices(app, merchant):
    token = _csrf(merchant)
    form = {"csrf_token": token, "action": "save", "title": "No image", "sku_key_0": "[]", "sku_price_0": "12.345"}
    response = merchant.post("/admin/catalog/products/new", data=form)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Add at least one image" in html
    form["images"] = [(io.BytesIO(b"not an image"), "x.png")]
    response = merchant.post("/admin/catalog/products/new", data=form, content_type="multipart/form-data")
    assert response.status_code == 422
    form["images"] = [(io.BytesIO(image_bytes()), "x.png")]
    response = merchant.post("/admin/catalog/products/new", data=form, content_type="multipart/form-data")
    assert response.status_code == 422 and "at most two decimals" in response.get_data(as_text=True)
    assert count(app, Product) == 0 and count(app, ProductImage) == 0


def test_editing_keeps_stock_taken_by_an_order_meanwhile(app, merchant, client, headers, store):
    product = create(client, headers, tshirt())
    page = merchant.get(f"/admin/catalog/products/{product['id']}").get_data(as_text=True)
    form = {"csrf_token": _csrf(merchant), "action": "save", "title": "Renamed", "low_stock_threshold": "1",
            "spec_name_0": "Colour", "spec_values_0": "Red, Blue", "spec_name_1": "Size", "spec_values_1": "M, L"}
    form.update(_sku_fields(page))
    # meanwhile a shopper buys 3 Red/M
    with in_store(app, store.tenant_id):
        sku = db.session.execute(db.select(Sku).where(Sku.code == "TS-Red-M")).scalar_one()
        stock.reserve(sku, 3, ref="order-1")
        db.session.commit()
    response = merchant.post(f"/admin/catalog/products/{product['id']}", data=form)
    assert response.status_code == 302
    assert rows(app, Sku.stock, where=[Sku.code == "TS-Red-M"]) == [(7,)]
    assert rows(app, Product.title) == [("Renamed",)]


def test_the_form_refuses_another_stores_category(app, merchant, client, other_headers):
    theirs = client.post("/api/v1/categories", headers=other_headers, json={"name": "Theirs"}).get_json()
    form = {"csrf_token": _csrf(merchant), "action": "save", "title": "Mine", "category_id": theirs["id"],
            "sku_key_0": "[]", "sku_price_0": "1", "images": [(io.BytesIO(image_bytes()), "a.png")]}
    response = merchant.post("/admin/catalog/products/new", data=form, content_type="multipart/form-data")
    assert response.status_code == 422
    assert count(app, Product) == 0 and count(app, ProductImage) == 0


def test_list_filters_search_and_bulk_price_change(app, merchant, client, headers):
    create(client, headers, simple("Green tea", price=1000, code="TEA", status="on_sale"))
    create(client, headers, simple("Black coffee", price=2000, code="COF", stock=0, status="on_sale"))
    page = merchant.get("/admin/catalog/products?q=tea").get_data(as_text=True)
    assert "Green tea" in page and "Black coffee" not in page
    page = merchant.get("/admin/catalog/products?status=sold_out").get_data(as_text=True)
    assert "Black coffee" in page and "Green tea" not in page
    assert merchant.get("/admin/catalog/products?status=nonsense&page=x").status_code == 200
    ids = [str(r[0]) for r in rows(app, Product.id)]
    response = merchant.post("/admin/catalog/products/bulk", data={
        "csrf_token": _csrf(merchant), "product_ids": ids, "action": "price_percent", "percent": "-15"})
    assert response.status_code == 302
    assert sorted(r[0] for r in rows(app, Sku.price)) == [850, 1700]
    # a bad percentage is refused with a message, nothing changes
    merchant.post("/admin/catalog/products/bulk", data={"csrf_token": _csrf(merchant), "product_ids": ids,
                                                         "action": "price_percent", "percent": "-100"})
    assert sorted(r[0] for r in rows(app, Sku.price)) == [850, 1700]


def test_categories_and_groups_ordered_by_hand(app, merchant):
    token = _csrf(merchant)
    for name in ("Clothing", "Food"):
        merchant.post("/admin/catalog/categories", data={"csrf_token": token, "name": name})
    clothing = rows(app, Category.id, where=[Category.name == "Clothing"])[0][0]
    merchant.post("/admin/catalog/categories", data={"csrf_token": token, "name": "Shirts", "parent_id": clothing})
    food = rows(app, Category.id, where=[Category.name == "Food"])[0][0]
    merchant.post(f"/admin/catalog/categories/{food}/move", data={"csrf_token": token, "direction": "up"})
    html = merchant.get("/admin/catalog/categories").get_data(as_text=True)
    assert html.index('value="Food"') < html.index('value="Clothing"') < html.index('value="Shirts"')
    # a category with subcategories is not deleted
    merchant.post(f"/admin/catalog/categories/{clothing}/delete", data={"csrf_token": token})
    assert count(app, Category) == 3

    for name in ("新品", "热销", "特价"):
        merchant.post("/admin/catalog/groups", data={"csrf_token": token, "name": name})
    last = rows(app, Group.id, where=[Group.name == "特价"])[0][0]
    for _ in range(2):
        merchant.post(f"/admin/catalog/groups/{last}/move", data={"csrf_token": token, "direction": "up"})
    assert [r[0] for r in sorted(rows(app, Group.position, Group.name))] == [0, 1, 2]
    assert [r[1] for r in sorted(rows(app, Group.position, Group.name))] == ["特价", "新品", "热销"]
    html = merchant.get("/admin/catalog/groups").get_data(as_text=True)
    assert html.index("特价") < html.index("新品") < html.index("热销")


def test_import_page_progress_and_report(app, merchant):
    page = merchant.get("/admin/catalog/imports")
    assert page.status_code == 200 and "template.xlsx" in page.get_data(as_text=True)
    assert merchant.get("/admin/catalog/imports/template.csv").status_code == 200
    assert merchant.get("/admin/catalog/imports/template.xlsx").status_code == 200
    data = csv_bytes(TSHIRTS + MUG + [["Bad", "", "", "", "", "", "", "", "abc", "", "1", "", "BAD", "", "", ""]])
    response = merchant.post("/admin/catalog/imports", content_type="multipart/form-data", data={
        "csrf_token": _csrf(merchant), "file": (io.BytesIO(data), "products.csv")})
    assert response.status_code == 302
    import_id = rows(app, ImportJob.id)[0][0]
    progress = merchant.get(f"/admin/catalog/imports/{import_id}/progress").get_json()
    assert progress == {"status": "done", "total": 6, "processed": 6, "percent": 100, "created": 5, "updated": 0,
                        "refused": 1, "finished": True, "error": ""}
    detail = merchant.get(response.location).get_data(as_text=True)
    assert "import_progress.js" in detail and "<progress" in detail
    assert "must be an amount in yuan" in detail and "TS-Red-M" in detail
    refused_only = merchant.get(f"/admin/catalog/imports/{import_id}?outcome=refused").get_data(as_text=True)
    assert "TS-Red-M" not in refused_only and "BAD" in refused_only
    report = merchant.get(f"/admin/catalog/imports/{import_id}/report.csv")
    assert report.status_code == 200 and report.data.decode("utf-8-sig").count("\n") == 7


def test_a_fake_xlsx_is_refused_on_the_page(app, merchant):
    response = merchant.post("/admin/catalog/imports", content_type="multipart/form-data", data={
        "csrf_token": _csrf(merchant), "file": (io.BytesIO(b"title,price\n"), "products.xlsx")})
    assert response.status_code == 422 and "not a real XLSX" in response.get_data(as_text=True)
    assert count(app, ImportJob) == 0


def test_dashboard_low_stock_card_and_dismiss(app, merchant, client, headers, store):
    create(client, headers, simple("Candle", stock=6, code="CANDLE", low_stock_threshold=5))
    with in_store(app, store.tenant_id):
        sku = db.session.execute(db.select(Sku).where(Sku.code == "CANDLE")).scalar_one()
        stock.reserve(sku, 3)
        db.session.commit()
    html = merchant.get("/admin/catalog/").get_data(as_text=True)
    card = html[html.index("Low stock"):]
    assert "Candle" in card and "3 left (alert at 5)" in card
    note_id = re.search(r"/admin/catalog/notifications/([0-9a-f-]+)/dismiss", html).group(1)
    merchant.post(f"/admin/catalog/notifications/{note_id}/dismiss", data={"csrf_token": _csrf(merchant)})
    html = merchant.get("/admin/catalog/").get_data(as_text=True)
    assert "No new low-stock alerts" in html


def test_plan_limit_in_the_pages_with_the_upgrade_link(app, merchant, store):
    _fill_to_the_limit(app, store.tenant_id)
    listing = merchant.get("/admin/catalog/products").get_data(as_text=True)
    assert "Your plan allows 100 products" in listing and 'href="/admin/plan"' in listing
    new = merchant.get("/admin/catalog/products/new").get_data(as_text=True)
    assert 'href="/admin/plan"' in new
    form = {"csrf_token": _csrf(merchant), "action": "save", "title": "One more", "sku_key_0": "[]",
            "sku_price_0": "1", "images": [(io.BytesIO(image_bytes()), "a.png")]}
    response = merchant.post("/admin/catalog/products/new", data=form, content_type="multipart/form-data")
    assert response.status_code == 403
    html = response.get_data(as_text=True)
    assert "Upgrade" in html and 'href="/admin/plan"' in html
    assert count(app, Product) == 100 and count(app, ProductImage) == 0


def test_images_reorder_and_delete_on_the_edit_page(app, merchant, client, headers):
    product = create(client, headers, simple())
    token = _csrf(merchant)
    merchant.post(f"/admin/catalog/products/{product['id']}/images", content_type="multipart/form-data", data={
        "csrf_token": token, "images": [(io.BytesIO(image_bytes(color="red")), "a.png"),
                                        (io.BytesIO(image_bytes(color="green")), "b.png")]})
    ordered = [r[1] for r in sorted(rows(app, ProductImage.position, ProductImage.id))]
    merchant.post(f"/admin/catalog/products/{product['id']}/images/{ordered[1]}/move",
                  data={"csrf_token": token, "direction": "first"})
    assert [r[1] for r in sorted(rows(app, ProductImage.position, ProductImage.id))] == [ordered[1], ordered[0]]
    merchant.post(f"/admin/catalog/products/{product['id']}/images/{ordered[0]}/delete", data={"csrf_token": token})
    assert [r[0] for r in rows(app, ProductImage.id)] == [ordered[1]]


def test_pages_need_a_logged_in_member(client, store):
    response = client.get("/admin/catalog/products")
    assert response.status_code == 302 and "/login" in response.location
