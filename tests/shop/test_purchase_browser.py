"""The whole purchase in a real browser on a phone-sized page (Debian's Chromium through Playwright),
against the served app and one sandbox playing WeChat and WeChat Pay:

product page (a spec, two pieces, add to cart: the tab's badge says 2) → the cart tab → checkout
(express to the address book's default address, pickup offered too; a price changed on the server
meanwhile shows the new figures instead of placing the order; then a double tap on "place order" is
one order) → pay (a phone's browser: H5, the sandbox's cashier page stands in for WeChat Pay and
sends the notification) → the order is paid and the sandbox recorded the "paid" template message →
the merchant, at a desktop, ships it from the admin's order page → the shopper sees it shipped, with
the parcel's trace, and the "shipped" message → the shopper asks for a refund on the after-sales
page → the merchant approves it in the admin's after-sales list, the refund goes back through the
sandbox → the shopper sees it refunded (and the "refund" message).
"""

from __future__ import annotations

import re
import time
import uuid

import pytest
import requests
from sqlalchemy import select

from kaidian.platform.extensions import db
from kaidian.platform.tenancy import tenant_context
from tests import factories
from tests.browser import TIMEOUT, _js_error
from tests.conftest import PASSWORD, login
from tests.wechat.helpers import SERVICE_OA, Sandbox, authorize, english, shopper_login

IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
          "Version/17.0 Mobile/15E148 Safari/604.1")


@pytest.fixture
def sandbox(shop_env):
    driver = Sandbox(shop_env.server.base_url)
    driver.reset()
    driver.push_ticket()
    return driver


@pytest.fixture
def alpha(make_store):
    return make_store("alpha", plan="pro")


def _wait(predicate, what: str, seconds: float = 15.0):
    """Poll ``predicate`` until it gives something truthy (the sandbox's pushes arrive on their own time)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _messages(sandbox, openid: str) -> list[str]:
    """The template message kinds the sandbox recorded for ``openid`` (by the first line's words)."""
    sent = requests.get(f"{sandbox.base_url}/sandbox/template_messages", params={"openid": openid},
                        timeout=10).json()["messages"]
    return [m["data"] for m in sent]


def _order_row(app, tenant_id):
    from kaidian.orders.models import Order

    with app.app_context(), tenant_context(tenant_id):
        rows = db.session.execute(select(Order)).scalars().all()
        db.session.expunge_all()
        db.session.remove()
    return rows


def _set_price(app, tenant_id, product_id, value: str, fen: int) -> None:
    from kaidian.catalog.models import Sku

    with app.app_context(), tenant_context(tenant_id):
        skus = db.session.execute(select(Sku).where(Sku.product_id == uuid.UUID(str(product_id)))).scalars()
        [sku] = [row for row in skus if row.spec_values == [value]]
        sku.price = fen
        db.session.commit()
        db.session.remove()


def _png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (320, 240), "teal").save(out, "PNG")
    return out.getvalue()


def _store_and_shopper(app, shop_env, alpha):
    """alpha with its official account authorized, WeChat Pay through the sandbox, a product with two
    sizes and a pickup point; alice logged in through (sandbox) WeChat with an address in her book.
    Returns (product id, alice's openid, the store's URL, her session cookie, her test client)."""
    from kaidian.customers import addresses
    from kaidian.customers.models import Customer
    from kaidian.orders.models import PickupPoint
    from kaidian.payments import configuration

    merchant = english(app.test_client())
    login(merchant, alpha.login)
    authorize(merchant, SERVICE_OA)
    product_id = factories.product(app, alpha.tenant_id, "Linen shirt", 12900, stock=5,
                                   specs=[{"name": "Size", "values": ["S", "M"]}],
                                   skus=[(["S"], 12900, 5), (["M"], 13900, 5)])
    with app.app_context(), tenant_context(alpha.tenant_id):
        configuration.use_sandbox_merchant("Alpha")
        db.session.add(PickupPoint(name="Alpha Studio", address="1 Keyuan Rd", hours="10:00-20:00"))
        db.session.commit()
        db.session.remove()
    shopper_client = app.test_client()
    shopper_login(shopper_client, "alpha.localhost", "alice")
    with app.app_context(), tenant_context(alpha.tenant_id):
        customer = db.session.execute(select(Customer)).scalar_one()
        openid = customer.openid
        addresses.create_address(customer, {"recipient": "张三", "mobile": "13800138000", "province_code": "44",
                                            "city_code": "4403", "district_code": "440305", "detail": "科技园 1 号"})
        db.session.commit()
        db.session.remove()
    store = shop_env.platform_url.replace("127.0.0.1", "alpha.localhost")
    cookie = shopper_client.get_cookie(app.config["SESSION_COOKIE_NAME"], domain="alpha.localhost")
    return product_id, openid, store, cookie, shopper_client


def test_a_shopper_buys_pays_gets_it_shipped_and_a_refund(app, shop_env, sandbox, alpha, form_browser):
    started = time.monotonic()
    product_id, openid, store, cookie, _ = _store_and_shopper(app, shop_env, alpha)
    context = form_browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                       user_agent=IPHONE, base_url=store)
    context.set_default_timeout(TIMEOUT)
    context.add_cookies([{"name": "lang", "value": "en", "url": store},
                         {"name": cookie.key, "value": cookie.value, "url": store}])
    errors: list[str] = []
    desk = form_browser.new_context(viewport={"width": 1280, "height": 900}, base_url=shop_env.platform_url)
    desk.set_default_timeout(TIMEOUT)
    desk.add_cookies([{"name": "lang", "value": "en", "url": shop_env.platform_url}])
    admin = desk.new_page()
    admin.on("pageerror", lambda e: errors.append(f"admin uncaught: {e}"))
    admin.goto("/login")
    admin.fill("input[name=login]", alpha.login)
    admin.fill("input[name=password]", PASSWORD)
    with admin.expect_navigation():
        admin.click("main form button[type=submit]")
    page = context.new_page()
    page.on("console", lambda m: errors.append(f"{m.type}: {m.text}") if _js_error(m) else None)
    page.on("pageerror", lambda e: errors.append(f"uncaught: {e}"))
    expect = pytest.importorskip("playwright.sync_api").expect
    try:
        # --- product page: a spec, two pieces, add to cart; the tab's badge follows
        page.goto(f"/products/{product_id}")
        page.locator("label.kd-option", has_text="M").click()
        expect(page.locator(".kd-sku-price")).to_have_text("¥139.00")
        page.get_by_role("button", name="One more").click()
        page.get_by_role("button", name="Add to cart").click()
        expect(page.locator("[data-kd-buy-msg]")).to_have_text("Added to the cart.")
        expect(page.locator(".kd-tabbar [data-kd-cart-badge]")).to_have_text("2")
        # --- the cart tab, then checkout with pickup
        page.locator(".kd-tabbar a[href='/cart']").click()
        expect(page.locator("[data-kd-line]")).to_have_count(1)
        expect(page.locator("[data-kd-total]")).to_have_text("¥278.00")
        page.locator("[data-kd-checkout]").click()
        page.wait_for_url(re.compile(r"/checkout"))
        page.get_by_label("Pick up in store").check()  # pickup offers the store's point …
        expect(page.get_by_label(re.compile("Alpha Studio"))).to_be_checked()
        page.get_by_label("Express delivery").check()  # … express the default address of the book
        expect(page.get_by_label(re.compile("张三 13800138000"))).to_be_checked()
        expect(page.locator("[data-kd-freight]")).to_have_text("¥0.00")
        expect(page.locator("[data-kd-total]")).to_have_text("¥278.00")
        expect(page.locator("form[data-kd-checkout-form]")).not_to_have_attribute(
            "aria-busy", "true")  # the express quote has come back: the figures shown are the ones placed against
        # the price changes on the server meanwhile: nothing is placed, the new figures are shown
        _set_price(app, alpha.tenant_id, product_id, "M", 14900)
        page.locator("[data-kd-place]").click()
        expect(page.locator("[data-kd-error]")).to_contain_text("Prices changed")
        expect(page.locator("[data-kd-total]")).to_have_text("¥298.00")
        assert _order_row(app, alpha.tenant_id) == []
        page.locator("[data-kd-place]").dblclick()  # a double tap: one order
        page.wait_for_url(re.compile(r"/orders/[0-9a-f-]{36}/pay$"))
        order_id = page.url.rsplit("/", 2)[-2]
        [order] = _order_row(app, alpha.tenant_id)
        assert str(order.id) == order_id and order.total_fen == 29800 and order.delivery_method == "express"
        assert order.address["district_code"] == "440305" and order.address["district"] == "南山区"
        # --- pay: H5 in a phone's browser; the sandbox's cashier page pays and notifies
        expect(page.locator("[data-kd-countdown]")).to_have_text(re.compile(r"^(29|30):\d\d$"))
        page.get_by_role("button", name="Pay with WeChat").click()
        page.wait_for_url(re.compile(r"/sandbox/pay/cashier"))
        expect(page.locator("[data-amount]")).to_have_text("¥298.00")
        page.locator("[data-pay]").click()
        page.wait_for_url(re.compile(rf"/orders/{order_id}$"))
        expect(page.locator(".kd-order-status h1")).to_have_text("Paid, waiting to ship")
        _wait(lambda: len(_messages(sandbox, openid)) >= 1, "the paid template message")
        # --- the merchant, at a desktop, finds the paid order in the admin and hands it over
        admin.goto("/admin/orders?status=paid")
        admin.get_by_role("link", name=re.compile(order.number)).first.click()
        admin.wait_for_url(re.compile(rf"/admin/orders/{order_id}$"))
        admin.get_by_label("Carrier").select_option("SF")
        admin.get_by_label("Tracking number").fill("SF1234567890")
        with admin.expect_navigation():
            admin.get_by_role("button", name="Ship").click()
        page.reload()
        expect(page.locator(".kd-order-status h1")).to_have_text("Shipped")
        expect(page.locator("[data-kd-tracking]")).to_have_text("SF1234567890")
        expect(page.locator(".kd-trace li").first).to_be_visible()  # the sandbox's parcel trace
        _wait(lambda: len(_messages(sandbox, openid)) >= 2, "the shipped template message")
        # --- after-sales: ask for a refund of one piece
        page.get_by_role("link", name="Ask for a refund").click()
        page.wait_for_url(re.compile(rf"/orders/{order_id}/after-sales$"))
        page.get_by_label(re.compile("Linen shirt")).fill("1")
        page.get_by_label("Reason").fill("Too small")
        page.locator("[data-kd-as-photo-input]").set_input_files(
            files=[{"name": "label.png", "mimeType": "image/png", "buffer": _png()}])
        expect(page.locator(".kd-as-photos img")).to_have_count(1)  # uploaded, its preview shown
        page.get_by_role("button", name="Submit request").click()
        page.wait_for_url(re.compile(rf"/orders/{order_id}$"))
        expect(page.locator("[data-kd-after-sale-status]")).to_have_text("Requested")
        admin.goto("/admin/orders/after-sales")
        expect(admin.locator(".after-sale-photos img")).to_have_count(1)  # the shopper's photo
        photo = admin.locator(".after-sale-photos img")
        assert photo.evaluate("img => img.decode().then(() => img.naturalWidth)") > 0  # it loads, an image
        with admin.expect_navigation():
            admin.get_by_role("button", name="Approve and refund").click()
        _wait(lambda: _order_row(app, alpha.tenant_id)[0].refunded_fen == 14900, "the refund", seconds=20)
        page.reload()
        expect(page.locator("[data-kd-after-sale-status]")).to_have_text("Refunded")
        expect(page.locator("[data-kd-refunded]")).to_have_text("¥149.00")
        _wait(lambda: len(_messages(sandbox, openid)) >= 3, "the refund template message")
    finally:
        context.close()
        desk.close()
    assert errors == [], errors
    print(f"\nwhole purchase in the browser: {time.monotonic() - started:.1f}s")


WECHAT = IPHONE + " MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI Language/zh_CN"


@pytest.mark.parametrize("where", ["inside WeChat", "on a computer", "with Alipay on a computer"])
def test_the_pay_page_picks_jsapi_inside_wechat_and_a_qr_code_or_alipay_on_a_computer(app, shop_env, sandbox, alpha,
                                                                                       form_browser, where):
    product_id, openid, store, cookie, client = _store_and_shopper(app, shop_env, alpha)
    if where.startswith("with Alipay"):
        from kaidian.payments import configuration

        with app.app_context(), tenant_context(alpha.tenant_id):
            configuration.use_sandbox_alipay_app("Alpha")
            db.session.remove()
    from kaidian.catalog.models import Sku

    with app.app_context(), tenant_context(alpha.tenant_id):
        sku = db.session.execute(select(Sku).where(Sku.product_id == uuid.UUID(str(product_id)))).scalars().first()
        sku_id, price = str(sku.id), sku.price
        db.session.remove()
    base = "http://alpha.localhost"
    token = client.get("/api/store/cart/count", base_url=base).get_json()["csrf_token"]
    [point] = client.get("/api/store/pickup-points", base_url=base).get_json()["pickup_points"]
    body = {"lines": [{"sku_id": sku_id, "quantity": 1}], "delivery_method": "pickup", "pickup_point_id": point["id"],
            "idempotency_key": uuid.uuid4().hex, "expected_total_fen": price}
    placed = client.post("/api/store/orders", json=body, base_url=base, headers={"X-CSRFToken": token})
    assert placed.status_code == 201, placed.get_json()
    order_id = placed.get_json()["id"]
    phone = where == "inside WeChat"
    device = ({"viewport": {"width": 390, "height": 844}, "is_mobile": True, "user_agent": WECHAT} if phone
              else {"viewport": {"width": 1280, "height": 900}})
    context = form_browser.new_context(**device, base_url=store)
    context.set_default_timeout(TIMEOUT)
    context.add_cookies([{"name": "lang", "value": "en", "url": store},
                         {"name": cookie.key, "value": cookie.value, "url": store}])
    expect = pytest.importorskip("playwright.sync_api").expect
    page = context.new_page()
    try:
        page.goto(f"/orders/{order_id}/pay")
        if where.startswith("with Alipay"):  # Alipay's page pay, then back to the order once notified
            expect(page.locator("[data-kd-paynow]")).to_have_count(2)
            page.get_by_role("button", name="Pay with Alipay").click()
            page.wait_for_url(re.compile(r"/gateway\.do\?"))
            expect(page.locator("[data-amount]")).to_have_text(re.compile(r"^¥\d+\.\d\d$"))
            page.locator("[data-pay]").click()
        elif phone:  # JSAPI with the shopper's openid: in development the sandbox's cashier is the payment sheet
            page.get_by_role("button", name="Pay with WeChat").click()
            page.wait_for_url(re.compile(r"/sandbox/pay/cashier"))
            page.locator("[data-pay]").click()
        else:  # Native: a QR code to scan, and (sandbox) a link to the cashier it encodes
            page.get_by_role("button", name="Pay with WeChat").click()
            qr = page.get_by_role("img", name="WeChat Pay QR code")
            expect(qr).to_be_visible()
            assert page.locator("[data-kd-qr-img]").evaluate("img => img.decode().then(() => img.naturalWidth)") > 0
            with context.expect_page() as opened:
                page.get_by_role("link", name="Open the sandbox cashier").click()
            cashier = opened.value
            cashier.locator("[data-pay]").click()
            cashier.wait_for_load_state()
        page.wait_for_url(re.compile(rf"/orders/{order_id}$"))
        expect(page.locator(".kd-order-status h1")).to_have_text("Paid, waiting to ship")
    finally:
        context.close()
    [order] = _order_row(app, alpha.tenant_id)
    assert order.status == "paid" and order.paid_fen == price
