"""The cart: guests (signed cookie) and customers (rows), priced from the catalog on every read,
lines that cannot be bought flagged, guest lines merged after login."""

import uuid

from kaidian.catalog.models import Product, ProductStatus, Sku
from kaidian.orders.models import CartLine
from kaidian.platform.extensions import db
from tests import factories
from tests.orders.helpers import Shopper, count, make_customer, product


def test_a_guest_adds_and_sees_the_cart_priced_by_the_server(app, store, guest):
    _, sku = product(app, store.tenant_id, price=1990, stock=5)
    response = guest.post("/api/store/cart", {"sku_id": sku, "quantity": 2, "unit_fen": 1})  # a price is not read
    assert response.status_code == 200, response.get_json()
    body = guest.get("/api/store/cart").get_json()
    assert body["logged_in"] is False
    assert [(line["sku_id"], line["quantity"], line["unit_fen"], line["status"]) for line in body["lines"]] == [
        (sku, 2, 1990, "ok")]
    assert body["goods_fen"] == 3980 and body["count"] == 2
    assert guest.get("/api/store/cart/count").get_json()["count"] == 2
    assert count(app, CartLine) == 0  # a guest's cart is the cookie, no row


def test_lines_are_flagged_not_dropped_when_the_catalog_changes(app, store, shopper):
    _, gone = product(app, store.tenant_id, title="Gone", stock=5)
    off_id, off = product(app, store.tenant_id, title="Off", stock=5)
    _, short = product(app, store.tenant_id, title="Short", price=500, stock=5)
    for sku in (gone, off, short):
        assert shopper.post("/api/store/cart", {"sku_id": sku, "quantity": 3}).status_code == 200
    with factories.in_store(app, store.tenant_id):
        db.session.get(Sku, (store.tenant_id, uuid.UUID(gone))).retired_at = db.func.now()
        db.session.get(Product, (store.tenant_id, uuid.UUID(off_id))).status = ProductStatus.OFF_SALE
        db.session.get(Sku, (store.tenant_id, uuid.UUID(short))).stock = 1
        db.session.get(Sku, (store.tenant_id, uuid.UUID(short))).price = 700
        db.session.commit()
    body = shopper.get("/api/store/cart").get_json()
    assert {line["title"]: (line["status"], line["available"]) for line in body["lines"]} == {
        "Gone": ("gone", 5), "Off": ("off_sale", 5), "Short": ("short", 1)}
    assert body["lines"][2]["unit_fen"] == 700  # the price now, not when added
    assert body["goods_fen"] == 0 and body["count"] == 9


def test_adding_refuses_what_cannot_be_bought_and_changes_nothing(app, store, shopper):
    _, sku = product(app, store.tenant_id, stock=2)
    _, off = product(app, store.tenant_id, title="Off", status="off_sale")
    assert shopper.post("/api/store/cart", {"sku_id": sku, "quantity": 3}).status_code == 409
    assert shopper.post("/api/store/cart", {"sku_id": off, "quantity": 1}).status_code == 422
    assert shopper.post("/api/store/cart", {"sku_id": str(uuid.uuid4())}).status_code == 422
    assert shopper.post("/api/store/cart", {"sku_id": sku, "quantity": 0}).status_code == 422
    assert shopper.post("/api/store/cart", {"sku_id": sku, "quantity": 1}, csrf=False).status_code == 400
    assert count(app, CartLine) == 0


def test_another_stores_sku_cannot_enter_the_cart(app, store, other_store, shopper):
    _, theirs = product(app, other_store.tenant_id)
    assert shopper.post("/api/store/cart", {"sku_id": theirs}).status_code == 422
    assert count(app, CartLine) == 0


def test_change_and_remove_lines(app, store, shopper):
    _, a = product(app, store.tenant_id, title="A", stock=10)
    _, b = product(app, store.tenant_id, title="B", stock=10)
    shopper.post("/api/store/cart", {"sku_id": a})
    shopper.post("/api/store/cart", {"sku_id": a, "quantity": 2})
    shopper.post("/api/store/cart", {"sku_id": b})
    assert shopper.get("/api/store/cart/count").get_json()["count"] == 4
    body = shopper.patch(f"/api/store/cart/{a}", {"quantity": 7}).get_json()
    assert [line["quantity"] for line in body["lines"]] == [7, 1]
    assert shopper.patch(f"/api/store/cart/{a}", {"quantity": 11}).status_code == 409
    assert shopper.patch(f"/api/store/cart/{uuid.uuid4()}", {"quantity": 1}).status_code == 404
    assert [line["title"] for line in shopper.delete(f"/api/store/cart/{a}").get_json()["lines"]] == ["B"]
    assert shopper.post("/api/store/cart/remove", {"sku_ids": [b]}).get_json()["lines"] == []


def test_a_guest_cart_merges_into_the_customers_at_login(app, store, payments):
    _, a = product(app, store.tenant_id, title="A", stock=10)
    _, b = product(app, store.tenant_id, title="B", stock=10)
    customer_id = make_customer(app, store.tenant_id)
    earlier = Shopper(app, store.slug, store.tenant_id, customer_id)
    earlier.post("/api/store/cart", {"sku_id": a, "quantity": 2})
    browser = Shopper(app, store.slug, store.tenant_id)
    browser.post("/api/store/cart", {"sku_id": a, "quantity": 1})
    browser.post("/api/store/cart", {"sku_id": b, "quantity": 4})
    browser.log_in(customer_id)
    body = browser.get("/api/store/cart").get_json()  # shown merged at once …
    assert body["logged_in"] and {line["title"]: line["quantity"] for line in body["lines"]} == {"A": 3, "B": 4}
    assert count(app, CartLine) == 1  # … saved only by the next write (a GET writes nothing)
    browser.patch(f"/api/store/cart/{b}", {"quantity": 5})
    assert count(app, CartLine) == 2
    assert {line["title"]: line["quantity"] for line in browser.get("/api/store/cart").get_json()["lines"]} == {
        "A": 3, "B": 5}  # the cookie was dropped: not merged twice


def test_a_forged_or_other_stores_cookie_is_an_empty_cart(app, store, other_store, guest):
    _, sku = product(app, store.tenant_id)
    other = Shopper(app, other_store.slug, other_store.tenant_id)
    _, theirs = product(app, other_store.tenant_id)
    other.post("/api/store/cart", {"sku_id": theirs})
    cookie = other.client.get_cookie("kd_cart", domain="bravo.localhost").value
    guest.client.set_cookie("kd_cart", cookie, domain="alpha.localhost")
    assert guest.get("/api/store/cart").get_json()["lines"] == []
    guest.client.set_cookie("kd_cart", cookie[:-3] + "abc", domain="alpha.localhost")
    assert guest.get("/api/store/cart").get_json()["lines"] == []
    assert sku
