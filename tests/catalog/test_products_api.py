"""Products through the API: create and edit, listing with filters, keyword search and pagination,
bulk actions, the plan's product limit, rich-text sanitizing, and other stores' ids refused."""

import uuid

import pytest

from kaidian.catalog.models import Category, Product, ProductGroupLink, ProductStatus, Sku
from tests import factories
from tests.catalog.helpers import count, create, rows, simple, tshirt


def _ids(response) -> list[str]:
    assert response.status_code == 200, response.get_json()
    return [p["title"] for p in response.get_json()]


def test_create_read_update_delete(app, client, headers):
    product = create(client, headers, tshirt(description="<p>Hello <b>world</b></p>", status="on_sale"))
    assert (product["status"], product["shopper_status"], product["price_min"], product["total_stock"]) == \
        ("on_sale", "on_sale", 9900, 40)
    response = client.patch(f"/api/v1/products/{product['id']}", headers=headers,
                            json={"title": "Linen T-shirt", "status": "off_sale"})
    assert response.status_code == 200 and response.get_json()["title"] == "Linen T-shirt"
    assert client.delete(f"/api/v1/products/{product['id']}", headers=headers).status_code == 204
    assert client.get(f"/api/v1/products/{product['id']}", headers=headers).status_code == 404
    # soft-deleted: the SKUs are retired (codes free), kept for the ledger
    assert count(app, Sku, Sku.retired_at.is_(None)) == 0 and count(app, Sku) == 4
    create(client, headers, tshirt())  # the same codes can be used again


@pytest.mark.parametrize(("html", "kept", "gone"), [
    ('<p onclick="steal()">Hi<script>alert(1)</script></p>', "<p>Hi</p>", ["script", "onclick", "alert"]),
    ('<img src="javascript:alert(1)" onerror="x()"><img src="https://cdn.example.com/a.jpg" alt="a">',
     '<img src="https://cdn.example.com/a.jpg" alt="a">', ["javascript", "onerror"]),
    ('<a href="https://example.com" target="_blank">go</a><iframe src="https://evil"></iframe>',
     'href="https://example.com"', ["iframe", "evil"]),
    ("<style>body{display:none}</style><h2>Size guide</h2><ul><li>M</li></ul>",
     "<h2>Size guide</h2><ul><li>M</li></ul>", ["style", "display"]),
], ids=["script-and-handler", "javascript-url", "iframe", "style"])
def test_rich_text_description_is_sanitized(client, headers, html, kept, gone):
    product = create(client, headers, simple(description=html))
    assert kept in product["description"]
    for needle in gone:
        assert needle not in product["description"]


def test_listing_filters_by_status_and_stock(client, headers):
    create(client, headers, simple("On sale", stock=50, status="on_sale", code="A"))
    create(client, headers, simple("Sold out", stock=0, status="on_sale", code="B"))
    create(client, headers, simple("Off sale", stock=50, status="off_sale", code="C"))
    create(client, headers, simple("Low", stock=3, status="on_sale", low_stock_threshold=5, code="D"))
    get = lambda query: _ids(client.get(f"/api/v1/products?{query}", headers=headers))  # noqa: E731
    assert sorted(get("status=on_sale")) == ["Low", "On sale"]
    assert get("status=sold_out") == ["Sold out"]
    assert get("status=off_sale") == ["Off sale"]
    assert sorted(get("stock=low")) == ["Low", "Sold out"]
    assert get("stock=out") == ["Sold out"]
    assert client.get("/api/v1/products?status=bogus", headers=headers).status_code == 422


def test_listing_filters_by_category_with_its_children_and_by_group(client, headers):
    clothing = client.post("/api/v1/categories", headers=headers, json={"name": "Clothing"}).get_json()
    shirts = client.post("/api/v1/categories", headers=headers,
                         json={"name": "Shirts", "parent_id": clothing["id"]}).get_json()
    food = client.post("/api/v1/categories", headers=headers, json={"name": "Food"}).get_json()
    new = client.post("/api/v1/groups", headers=headers, json={"name": "New"}).get_json()
    create(client, headers, simple("Shirt", category_id=shirts["id"], group_ids=[new["id"]], code="S"))
    create(client, headers, simple("Coat", category_id=clothing["id"], code="C"))
    create(client, headers, simple("Tea", category_id=food["id"], group_ids=[new["id"]], code="T"))
    get = lambda query: sorted(_ids(client.get(f"/api/v1/products?{query}", headers=headers)))  # noqa: E731
    assert get(f"category_id={clothing['id']}") == ["Coat", "Shirt"]
    assert get(f"category_id={shirts['id']}") == ["Shirt"]
    assert get(f"group_id={new['id']}") == ["Shirt", "Tea"]
    assert get(f"group_id={new['id']}&category_id={food['id']}") == ["Tea"]


def test_keyword_search(client, headers):
    create(client, headers, simple("纯棉连衣裙 夏季", code="DRESS-01"))
    create(client, headers, simple("Cotton T-shirt", subtitle="Breathable summer wear", code="TS-01"))
    create(client, headers, simple("Ceramic mug", code="MUG-01", skus=[{"price": 100, "barcode": "6901234"}]))
    search = lambda q: sorted(_ids(client.get("/api/v1/products", query_string={"q": q}, headers=headers)))  # noqa
    assert search("连衣裙") == ["纯棉连衣裙 夏季"]
    assert search("cotton") == ["Cotton T-shirt"]
    assert search("summer") == ["Cotton T-shirt"]  # in the subtitle
    assert search("cotton summer") == ["Cotton T-shirt"]  # every word must match
    assert search("cotton 连衣裙") == []
    assert search("DRESS-01") == ["纯棉连衣裙 夏季"]  # an exact SKU code
    assert search("6901234") == ["Ceramic mug"]  # an exact barcode
    assert search("100%") == [] and search("_") == []  # wildcards are literal


def test_pagination_gives_the_total(client, headers):
    for i in range(5):
        create(client, headers, simple(f"P{i}", code=f"P{i}"))
    response = client.get("/api/v1/products?per_page=2&page=3&sort=oldest", headers=headers)
    assert _ids(response) == ["P4"] and response.headers["X-Total-Count"] == "5"


def test_bulk_on_off_sale_price_and_stock(app, client, headers):
    a = create(client, headers, simple("A", price=1999, stock=1, code="A"))
    b = create(client, headers, tshirt())
    c = create(client, headers, simple("C", price=1, stock=1, code="C"))
    ids = [a["id"], b["id"], c["id"]]
    bulk = lambda **body: client.post("/api/v1/products/bulk", headers=headers, json=body)  # noqa: E731
    assert bulk(product_ids=ids, action="on_sale").get_json() == {"action": "on_sale", "count": 3}
    assert {r[0] for r in rows(app, Product.status)} == {ProductStatus.ON_SALE}
    # -10%: 1999 → 1799.1 → 1799; 9900 → 8910; 1 fen stays 1 fen (never below)
    assert bulk(product_ids=ids, action="price_percent", percent="-10").status_code == 200
    assert sorted(r[0] for r in rows(app, Sku.price)) == [1, 1799, 8910, 8910, 8910, 8910]
    # +12.5%: 1799 → 2023.875 → 2024 (half up)
    bulk(product_ids=[a["id"]], action="price_percent", percent=12.5)
    assert rows(app, Sku.price, where=[Sku.code == "A"]) == [(2024,)]
    assert bulk(product_ids=ids, action="stock_set", stock=7).status_code == 200
    assert {r[0] for r in rows(app, Sku.stock)} == {7}
    assert bulk(product_ids=ids, action="off_sale").status_code == 200


def test_a_bulk_action_is_all_or_nothing(app, client, headers, other_headers):
    mine = create(client, headers, simple("Mine", price=1000, code="M"))
    theirs = create(client, other_headers, simple("Theirs", price=1000, code="T"))
    before = rows(app, Sku.price, Sku.stock, Product.status, where=[Sku.product_id == Product.id])
    for body in ({"action": "price_percent", "percent": 50}, {"action": "stock_set", "stock": 0},
                 {"action": "delete"}):
        response = client.post("/api/v1/products/bulk", headers=headers,
                               json={"product_ids": [mine["id"], theirs["id"]], **body})
        assert response.status_code == 422
    assert client.post("/api/v1/products/bulk", headers=headers,
                       json={"product_ids": [mine["id"]], "action": "price_percent"}).status_code == 422
    assert rows(app, Sku.price, Sku.stock, Product.status, where=[Sku.product_id == Product.id]) == before


def _fill_to_the_limit(app, tenant_id, n=100):
    factories.products(app, tenant_id, n, price=100, stock=0, status="off_sale")


def test_plan_limit_in_the_api_with_an_upgrade_link(app, client, headers, store):
    # given a basic-plan store with its 100 products
    _fill_to_the_limit(app, store.tenant_id)
    # when it creates one more
    response = client.post("/api/v1/products", json=simple(code="X"), headers=headers)
    # then it is refused with a clear message and a link to upgrade, and nothing was created
    assert response.status_code == 403
    error = response.get_json()["error"]
    assert error["code"] == "plan_limit_reached" and "100" in error["message"]
    assert error["fields"]["upgrade_url"] == ["/admin/plan"]
    assert count(app, Product) == 100 and count(app, Sku, Sku.code == "X") == 0
    # deleting one makes room again
    first = client.get("/api/v1/products?per_page=1", headers=headers).get_json()[0]
    client.delete(f"/api/v1/products/{first['id']}", headers=headers)
    create(client, headers, simple(code="X"))


def test_another_stores_category_or_group_cannot_be_attached(app, client, headers, other_headers):
    theirs_category = client.post("/api/v1/categories", headers=other_headers, json={"name": "Theirs"}).get_json()
    theirs_group = client.post("/api/v1/groups", headers=other_headers, json={"name": "Theirs"}).get_json()
    # when creating
    for body in (simple(category_id=theirs_category["id"]), simple(group_ids=[theirs_group["id"]])):
        response = client.post("/api/v1/products", json=body, headers=headers)
        assert response.status_code == 422, response.get_json()
    assert count(app, Product) == 0
    # when editing
    mine = create(client, headers, simple())
    for body in ({"category_id": theirs_category["id"]}, {"group_ids": [theirs_group["id"]]}):
        assert client.patch(f"/api/v1/products/{mine['id']}", json=body, headers=headers).status_code == 422
    assert rows(app, Product.category_id) == [(None,)] and count(app, ProductGroupLink) == 0
    # nor as the parent of a new category
    response = client.post("/api/v1/categories", headers=headers,
                           json={"name": "Sub", "parent_id": theirs_category["id"]})
    assert response.status_code == 422
    assert count(app, Category) == 1


def test_categories_have_two_levels_and_an_order(client, headers):
    top = client.post("/api/v1/categories", headers=headers, json={"name": "Clothing"}).get_json()
    sub = client.post("/api/v1/categories", headers=headers, json={"name": "Shirts", "parent_id": top["id"]})
    third = client.post("/api/v1/categories", headers=headers, json={"name": "Polo", "parent_id": sub.get_json()["id"]})
    assert third.status_code == 422
    second = client.post("/api/v1/categories", headers=headers, json={"name": "Food"}).get_json()
    client.patch(f"/api/v1/categories/{second['id']}", headers=headers, json={"position": 0})
    names = [c["name"] for c in client.get("/api/v1/categories", headers=headers).get_json()]
    assert names == ["Food", "Clothing", "Shirts"]
    # a category with subcategories cannot be deleted; an empty one can, its products become uncategorized
    assert client.delete(f"/api/v1/categories/{top['id']}", headers=headers).status_code == 409
    product = create(client, headers, simple(category_id=second["id"]))
    assert client.delete(f"/api/v1/categories/{second['id']}", headers=headers).status_code == 204
    assert client.get(f"/api/v1/products/{product['id']}", headers=headers).get_json()["category_id"] is None


def test_groups_are_ordered_by_hand(client, headers):
    ids = [client.post("/api/v1/groups", headers=headers, json={"name": n}).get_json()["id"]
           for n in ("新品", "热销", "特价")]
    client.patch(f"/api/v1/groups/{ids[2]}", headers=headers, json={"position": 0})
    assert [g["name"] for g in client.get("/api/v1/groups", headers=headers).get_json()] == ["特价", "新品", "热销"]
    assert client.post("/api/v1/groups", headers=headers, json={"name": "热销"}).status_code == 409


def test_staff_may_edit_the_catalog_but_a_stranger_may_not_read_it(client, headers, other_headers):
    product = create(client, headers, simple())
    assert client.get(f"/api/v1/products/{product['id']}", headers=other_headers).status_code == 404
    assert client.get("/api/v1/products", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert uuid.UUID(product["id"])
