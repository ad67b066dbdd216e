"""Paying from the store's pages inside the mini program's web-view, in a real browser (Debian's Chromium
through Playwright) with a mini-program web-view User-Agent, against the served app and the sandbox
playing WeChat and WeChat Pay.

The shopper logs in in the mini program (``POST /api/mp/login``), the web-view opens the store's pay
page through the one-time hand-off (``/api/mp/web-session`` → ``/account/app-handoff``, as
``miniprogram/utils/webview-page.js`` does). A stand-in ``WeixinJSBridge`` (WeChat's native bridge,
injected before any script) records what the page sends it: tapping "Pay in the mini program" makes the
real JS-SDK (``weixin-js-sdk``, bundled and self-hosted) send ``invokeMiniProgramAPI`` with
``navigateTo`` to ``/pages/pay/pay?order_id=<id>``. Then the native pay page's part is played over HTTP
(``POST /api/mp/orders/<id>/pay``, the sandbox's cashier standing in for ``wx.requestPayment``), and the
web page, which has been waiting, shows the order paid.

Inside plain WeChat (no ``miniProgram`` in the User-Agent), the hand-off on standby replaces the JSAPI
button only when ``window.__wxjs_environment`` says the page is in a mini program.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlencode

import pytest
import requests
from sqlalchemy import select

from kaidian.platform.extensions import db
from kaidian.platform.tenancy import tenant_context
from tests import factories, services
from tests.browser import TIMEOUT, _js_error
from tests.conftest import login
from tests.orders.helpers import Shopper, checkout_body
from tests.wechat.helpers import MINI_PROGRAM, Sandbox, authorize, english

ROOT = Path(__file__).resolve().parents[2]
BUNDLE = ROOT / "kaidian/themes/static/mini-program.bundle.js"
PLATFORM = "http://localhost"
IOS = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
       "Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI Language/zh_CN")
WEB_VIEW = f"{IOS} miniProgram/{MINI_PROGRAM}"

# WeChat's native bridge, as the web-view injects it: records every invoke and answers "ok"
FAKE_BRIDGE = """
window.__bridgeCalls = [];
window.WeixinJSBridge = {
  invoke: function (name, params, callback) {
    window.__bridgeCalls.push({ name: name, params: JSON.parse(JSON.stringify(params || {})) });
    if (callback) { setTimeout(function () { callback({ err_msg: name + ":ok" }); }, 0); }
  },
  on: function () {},
};
"""
IN_MINI_PROGRAM = "window.__wxjs_environment = 'miniprogram';"


@pytest.fixture(scope="module")
def bundle():
    """WeChat's JS-SDK bundle (``npm run build``, as ``make assets``), built here when missing."""
    if not BUNDLE.exists() and (ROOT / "node_modules").is_dir() and shutil.which("npm"):
        subprocess.run(["npm", "run", "--silent", "build"], cwd=ROOT, check=True, capture_output=True, timeout=120)
    if not BUNDLE.exists():
        if services.in_ci():
            pytest.fail("CI=true: kaidian/themes/static/mini-program.bundle.js is not built (make assets)")
        pytest.skip("the JS-SDK bundle is not built (run `make assets`)")
    return BUNDLE


@pytest.fixture
def sandbox(shop_env):
    driver = Sandbox(shop_env.server.base_url)
    driver.reset()
    driver.push_ticket()
    return driver


@pytest.fixture
def alpha(make_store):
    return make_store("alpha", plan="pro")


@pytest.fixture
def in_mini_program(app, shop_env, sandbox, alpha):
    """alpha with its mini program authorized and WeChat Pay through the sandbox; alice logged in in the
    mini program with an unpaid order. Returns (store URL, bearer token, order)."""
    from kaidian.payments import configuration

    merchant = english(app.test_client())
    login(merchant, alpha.login)
    authorize(merchant, MINI_PROGRAM, kind="mini_program")
    with app.app_context(), tenant_context(alpha.tenant_id):
        configuration.use_sandbox_merchant("Alpha")
        db.session.commit()
        db.session.remove()
    code = sandbox.post("/sandbox/weapp/login", appid=MINI_PROGRAM, user="alice")["code"]
    answer = app.test_client().post("/api/mp/login", base_url=PLATFORM,
                                    json={"appid": MINI_PROGRAM, "code": code, "store": "alpha"})
    assert answer.status_code == 200, answer.get_json()
    token, customer_id = answer.get_json()["token"], answer.get_json()["customer"]["id"]
    product_id = factories.product(app, alpha.tenant_id, "Linen shirt", 12900, stock=5)
    from kaidian.catalog.models import Sku

    with app.app_context(), tenant_context(alpha.tenant_id):
        sku_id = db.session.execute(select(Sku.id).where(Sku.product_id == product_id)).scalar_one()
        db.session.remove()
    shopper = Shopper(app, "alpha", alpha.tenant_id, customer_id)
    placed = shopper.post("/api/store/orders", checkout_body([(sku_id, 1)], total=12900))
    assert placed.status_code == 201, placed.get_json()
    store = shop_env.platform_url.replace("127.0.0.1", "alpha.localhost")
    return store, token, placed.get_json()


def _handoff_path(app, token: str, path: str) -> str:
    """Where the mini program points its web-view: ``/account/app-handoff`` with a fresh one-time ticket."""
    answer = app.test_client().post("/api/mp/web-session", base_url=PLATFORM,
                                    headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200, answer.get_json()
    return "/account/app-handoff?" + urlencode({"ticket": answer.get_json()["ticket"], "next": path})


def _web_view(form_browser, store: str, path: str, agent: str, scripts: list[str]):
    """A phone page with ``agent``, ``scripts`` run before the page's own, opened on ``path``.
    Returns (context, page, console errors)."""
    context = form_browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                       user_agent=agent, base_url=store)
    context.set_default_timeout(TIMEOUT)
    context.add_cookies([{"name": "lang", "value": "en", "url": store}])
    for script in scripts:
        context.add_init_script(script)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(f"{m.type}: {m.text}") if _js_error(m) else None)
    page.on("pageerror", lambda e: errors.append(f"uncaught: {e}"))
    page.goto(path)
    return context, page, errors


def _order_status(app, tenant_id, order_id) -> str:
    from kaidian.orders.models import Order

    with app.app_context(), tenant_context(tenant_id):
        status = db.session.execute(select(Order.status).where(Order.id == order_id)).scalar_one()
        db.session.remove()
    return status


def test_the_pay_page_hands_the_order_to_the_mini_program_and_shows_it_paid(app, shop_env, sandbox, alpha, bundle,
                                                                            in_mini_program, form_browser):
    store, token, order = in_mini_program
    expect = pytest.importorskip("playwright.sync_api").expect
    context, page, errors = _web_view(form_browser, store, _handoff_path(app, token, f"/orders/{order['id']}/pay"),
                                      WEB_VIEW, [FAKE_BRIDGE, IN_MINI_PROGRAM])
    try:
        page.wait_for_url(re.compile(rf"/orders/{order['id']}/pay$"))  # signed in by the hand-off
        expect(page.locator("[data-kd-paynow]")).to_have_count(1)
        assert page.get_by_role("button", name="Pay with WeChat").count() == 0
        page.get_by_role("button", name="Pay in the mini program").click()
        expect(page.get_by_role("status")).to_be_visible()  # waiting for the payment meanwhile
        page.wait_for_function("window.__bridgeCalls.length > 0")
        calls = page.evaluate("window.__bridgeCalls")
        assert [(c["name"], c["params"]["name"], c["params"]["arg"]) for c in calls] == [
            ("invokeMiniProgramAPI", "navigateTo", {"url": f"/pages/pay/pay?order_id={order['id']}"})]
        assert _order_status(app, alpha.tenant_id, order["id"]) == "pending_payment"  # the web page paid nothing

        # the mini program's native pay page (pages/pay/pay.js): JSAPI for the mini program, then the
        # sandbox's cashier in place of wx.requestPayment
        paying = app.test_client().post(f"/api/mp/orders/{order['id']}/pay", base_url=PLATFORM,
                                        headers={"Authorization": f"Bearer {token}"})
        assert paying.status_code == 200, paying.get_json()
        params = paying.get_json()["payment"]
        paid = requests.post(f"{sandbox.base_url}/sandbox/pay/cashier", timeout=15, json={
            "prepay_id": params["package"].removeprefix("prepay_id="), "action": "pay", "appId": MINI_PROGRAM,
            **params})
        assert paid.status_code == 200, paid.text

        # back in the web-view: the order, paid
        page.wait_for_url(re.compile(rf"/orders/{order['id']}$"), timeout=20_000)
        expect(page.locator(".kd-order-status h1")).to_have_text("Paid, waiting to ship")
    finally:
        context.close()
    assert _order_status(app, alpha.tenant_id, order["id"]) == "paid"
    assert errors == [], errors


@pytest.mark.parametrize("in_one", [True, False], ids=["environment says mini program", "plain WeChat"])
def test_inside_wechat_the_standby_hand_off_shows_only_in_a_mini_program(app, shop_env, sandbox, alpha, bundle,
                                                                         in_mini_program, form_browser, in_one):
    store, token, order = in_mini_program
    expect = pytest.importorskip("playwright.sync_api").expect
    scripts = [FAKE_BRIDGE] + ([IN_MINI_PROGRAM] if in_one else [])
    context, page, errors = _web_view(form_browser, store, _handoff_path(app, token, f"/orders/{order['id']}/pay"),
                                      IOS, scripts)  # no miniProgram marker in the User-Agent
    try:
        page.wait_for_url(re.compile(rf"/orders/{order['id']}/pay$"))
        handoff = page.locator('[data-kd-paynow="miniprogram"]')
        jsapi = page.locator('[data-kd-paynow="jsapi"]')
        if in_one:
            expect(handoff).to_be_visible()
            expect(jsapi).to_be_hidden()
            handoff.click()
            page.wait_for_function("window.__bridgeCalls.length > 0")
            [call] = page.evaluate("window.__bridgeCalls")
            assert call["name"] == "invokeMiniProgramAPI" and call["params"]["name"] == "navigateTo"
            assert call["params"]["arg"] == {"url": f"/pages/pay/pay?order_id={order['id']}"}
        else:
            expect(jsapi).to_be_visible()
            expect(handoff).to_be_hidden()
            assert page.evaluate("window.__bridgeCalls") == []
    finally:
        context.close()
    assert errors == [], errors
