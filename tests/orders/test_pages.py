"""The shopper's store pages of selling (``orders/pages.py``): cart, checkout, pay, orders, order
detail and after-sales are private page kinds — rendered per customer, never shared-cached, a guest
sent to log in, another customer's order a 404 — and the product page's buy form works without
JavaScript while its cached HTML holds nothing of any shopper."""

from __future__ import annotations

import re
import uuid

import pytest

from tests.orders.helpers import ADDRESS, Shopper, checkout_body, make_customer, product

PRIVATE_PATHS = ("/cart", "/checkout", "/orders")


def english(shopper: Shopper) -> Shopper:
    """The store's pages in English (the store's default language, Chinese, comes before Accept-Language)."""
    shopper.client.set_cookie("lang", "en", domain=shopper.base.split("//")[1])
    return shopper


@pytest.fixture(autouse=True)
def _english(request):
    for name in ("shopper", "guest"):
        if name in request.fixturenames:
            english(request.getfixturevalue(name))


@pytest.fixture
def goods(app, store):
    return product(app, store.tenant_id, title="Linen shirt", price=12900, stock=8)


def place(shopper, sku, quantity=1):
    preview = shopper.post("/api/store/checkout/preview", json=checkout_body([(sku, quantity)])).get_json()
    response = shopper.post("/api/store/orders", json=checkout_body([(sku, quantity)], total=preview["total_fen"]))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


@pytest.mark.parametrize("path", PRIVATE_PATHS)
def test_a_guest_is_sent_to_log_in_and_back(guest, path):
    response = guest.get(path + "?x=1")
    assert response.status_code == 302
    assert "login" in response.headers["Location"]
    assert "next=" + path in response.headers["Location"].replace("%2F", "/")


def test_a_guest_asking_for_an_order_or_its_pay_page_logs_in_first(guest):
    for path in (f"/orders/{uuid.uuid4()}", f"/orders/{uuid.uuid4()}/pay", f"/orders/{uuid.uuid4()}/after-sales"):
        response = guest.get(path)
        assert response.status_code == 302 and "login" in response.headers["Location"], path


def test_the_cart_page_shows_the_customers_lines_privately(shopper, goods):
    _, sku = goods
    assert shopper.post("/api/store/cart", json={"sku_id": sku, "quantity": 2}).status_code == 200
    response = shopper.get("/cart")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-cache"
    html = response.get_data(as_text=True)
    assert "Linen shirt" in html and 'value="2"' in html and "¥258.00" in html
    assert 'href="/checkout?source=cart"' in html
    # a second customer of the same store sees their own (empty) cart, not this one
    other = english(Shopper(shopper.app, "alpha", shopper.tenant_id, make_customer(shopper.app, shopper.tenant_id)))
    other_html = other.get("/cart").get_data(as_text=True)
    assert "Linen shirt" not in other_html and "kd-card kd-empty" in other_html and "Go shopping" in other_html


def test_an_unavailable_line_is_flagged_and_not_counted(app, shopper, goods):
    from kaidian.catalog.models import Sku
    from kaidian.platform.extensions import db
    from tests import factories

    _, sku = goods
    shopper.post("/api/store/cart", json={"sku_id": sku, "quantity": 3})
    with factories.in_store(app, shopper.tenant_id):
        row = db.session.get(Sku, (shopper.tenant_id, uuid.UUID(sku)))
        row.stock = 1
        db.session.commit()
    html = shopper.get("/cart").get_data(as_text=True)
    assert "Only 1 left" in html and "is-unavailable" in html
    assert 'href="/checkout?source=cart"' not in html  # nothing buyable: no checkout link


def test_checkout_buy_now_and_from_the_cart(shopper, goods):
    product_id, sku = goods
    html = shopper.get(f"/checkout?sku={sku}&quantity=3").get_data(as_text=True)
    assert 'data-source="buy_now"' in html and "× 3" in html and "¥387.00" in html
    key = re.search(r'data-key="([^"]+)"', html).group(1)
    assert key != re.search(r'data-key="([^"]+)"', shopper.get(f"/checkout?sku={sku}").get_data(as_text=True)).group(1)
    # the no-JavaScript form names the product and its spec values
    assert "× 1" in shopper.get(f"/checkout?product={product_id}&quantity=1").get_data(as_text=True)
    shopper.post("/api/store/cart", json={"sku_id": sku, "quantity": 1})
    assert 'data-source="cart"' in shopper.get("/checkout").get_data(as_text=True)


def test_order_pages_show_the_customers_order_and_404_anyone_elses(app, shopper, goods):
    _, sku = goods
    order = place(shopper, sku)
    listing = shopper.get("/orders")
    assert listing.headers["Cache-Control"] == "private, no-cache"
    assert order["number"] in listing.get_data(as_text=True)
    assert order["number"] not in shopper.get("/orders?status=shipped").get_data(as_text=True)
    detail = shopper.get(f"/orders/{order['id']}")
    assert detail.status_code == 200 and detail.headers["Cache-Control"] == "private, no-cache"
    html = detail.get_data(as_text=True)
    assert "Pending payment" in html and "Order placed" in html and ADDRESS["detail"] in html
    assert f'href="/orders/{order["id"]}/pay"' in html
    pay = shopper.get(f"/orders/{order['id']}/pay")
    assert pay.status_code == 200 and order["total_text"] in pay.get_data(as_text=True)
    # another customer of the same store: every page of that order is a 404
    other = Shopper(app, "alpha", shopper.tenant_id, make_customer(app, shopper.tenant_id))
    for path in (f"/orders/{order['id']}", f"/orders/{order['id']}/pay", f"/orders/{order['id']}/after-sales"):
        assert other.get(path).status_code == 404, path
    assert order["number"] not in other.get("/orders").get_data(as_text=True)
    assert shopper.get("/orders/not-a-uuid").status_code == 404


def test_the_pay_page_of_a_cancelled_order_goes_to_the_order(shopper, goods):
    _, sku = goods
    order = place(shopper, sku)
    assert shopper.post(f"/api/store/orders/{order['id']}/cancel", json={"reason": ""}).status_code == 200
    response = shopper.get(f"/orders/{order['id']}/pay")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/orders/{order['id']}")
    html = shopper.get(f"/orders/{order['id']}").get_data(as_text=True)
    assert "Cancelled" in html and "/pay" not in html


def test_the_product_page_is_shared_and_holds_no_shopper_data(shopper, goods):
    product_id, sku = goods
    shopper.post("/api/store/cart", json={"sku_id": sku, "quantity": 2})
    response = shopper.get(f"/products/{product_id}")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "public, no-cache"
    html = response.get_data(as_text=True)
    assert 'action="/cart/add"' in html and 'value="buy_now"' in html and f'name="sku" value="{sku}"' in html
    assert "csrf" not in html.lower() and str(shopper.customer_id) not in html
    assert 'data-kd-cart-badge hidden' in html  # the badge is filled by storefront.js


def test_the_form_without_javascript_adds_to_the_cart_from_the_stores_own_pages(guest, goods):
    product_id, sku = goods
    form = {"product": product_id, "sku": sku, "quantity": "2", "action": "cart"}
    refused = guest.client.post("/cart/add", data=form, base_url=guest.base,
                                headers={"Origin": "http://evil.example"})
    assert refused.status_code == 403
    assert guest.get("/api/store/cart/count").get_json()["count"] == 0
    response = guest.client.post("/cart/add", data=form, base_url=guest.base,
                                 headers={"Referer": f"{guest.base}/products/{product_id}"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/cart")
    assert guest.get("/api/store/cart/count").get_json()["count"] == 2
    buy = guest.client.post("/cart/add", data={**form, "action": "buy_now"}, base_url=guest.base,
                            headers={"Origin": guest.base})
    assert buy.status_code == 303 and f"/checkout?sku={sku}&quantity=2" in buy.headers["Location"]
    assert guest.get("/api/store/cart/count").get_json()["count"] == 2  # buy now leaves the cart alone


def test_the_pay_qr_is_drawn_only_for_payment_links(guest):
    assert guest.get("/api/store/pay-qr?data=https://evil.example/").status_code == 404
    response = guest.get("/api/store/pay-qr?data=weixin://wxpay/bizpayurl?pr=abc123")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"


def test_the_tab_bar_has_a_cart_tab_with_a_badge(shopper):
    html = shopper.get("/").get_data(as_text=True)
    assert re.search(r'<a href="/cart"[^>]*>.*?data-kd-cart-badge', html, re.S)


@pytest.mark.parametrize(("handle", "shows"), [("cart", "kd-line"), ("checkout", "data-kd-checkout-form"),
                                                ("pay", "data-kd-pay"), ("orders", "kd-order-card"),
                                                ("order", "data-kd-order"), ("after_sale", "data-kd-after-sale-form")])
def test_the_merchant_previews_each_selling_page_with_sample_data(app, store, handle, shows):
    from tests.conftest import login

    client = app.test_client()
    login(client, store.login)
    response = client.get(f"/admin/theme/preview/{handle}")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "private, no-store"
    assert shows in response.get_data(as_text=True) and "kd-preview-bar" in response.get_data(as_text=True)


@pytest.mark.parametrize("origin", ["http://alpha.localhost.evil.example", "http://bravo.localhost", "null",
                                    "http://[::1", ""])
def test_the_form_refuses_other_origins_and_adds_nothing(guest, goods, origin):
    product_id, sku = goods
    headers = {"Origin": origin} if origin else {}
    response = guest.client.post("/cart/add", data={"product": product_id, "sku": sku, "quantity": "1"},
                                 base_url=guest.base, headers=headers)
    assert response.status_code == 403
    assert guest.get("/api/store/cart/count").get_json()["count"] == 0


def test_the_order_page_asks_for_the_returns_tracking_number_once_approved(app, client, store, shopper, goods):
    from tests.conftest import api_token
    from tests.orders.test_aftersales import paid_order

    headers = {**api_token(client, store.login), "Accept-Language": "en"}
    _, sku = goods
    order = paid_order(app, store, shopper, [(sku, 1)], 12900)
    client.post(f"/api/v1/orders/{order['id']}/ship", json={"carrier_code": "ZTO", "tracking_number": "ZT12345"},
                headers=headers)
    html = shopper.get(f"/orders/{order['id']}").get_data(as_text=True)
    assert "Shipped" in html and "ZT12345" in html and "ZTO Express" in html
    assert 'data-kd-action="confirm-receipt"' in html
    asked = shopper.post(f"/api/store/orders/{order['id']}/after-sales", {
        "kind": "return_refund", "reason": "broken", "items": [{"line_id": order["lines"][0]["id"], "quantity": 1}]})
    assert asked.status_code == 201
    assert 'data-kd-return-form' not in shopper.get(f"/orders/{order['id']}").get_data(as_text=True)
    client.post(f"/api/v1/after-sales/{asked.get_json()['id']}/approve", json={"return_address": "Warehouse, 1 Road"},
                headers=headers)
    html = shopper.get(f"/orders/{order['id']}").get_data(as_text=True)
    assert f'data-kd-return-form="{asked.get_json()["id"]}"' in html and "Warehouse, 1 Road" in html
    assert '<option value="SF">SF Express</option>' in html and 'for="kd-rt-1"' in html
    shopper.post(f"/api/store/after-sales/{asked.get_json()['id']}/return", {"carrier": "SF", "tracking_number": "SF9"})
    html = shopper.get(f"/orders/{order['id']}").get_data(as_text=True)
    assert "data-kd-return-form" not in html and "Returned with SF9" in html and "Return shipped" in html
