"""The store's pay page offers the channels of the shopper's context (inside WeChat JSAPI only; on a
computer Native + Alipay page pay; in a phone's browser H5 + Alipay WAP) among the providers the store
set up, and the pay endpoint accepts only those. An order paid with Alipay over HTTP through the
sandbox: the shopper comes back to the order, which is paid after Alipay's notification; a forged or
altered notification changes nothing; an after-sales refund of it goes back through Alipay."""

from __future__ import annotations

import re
import uuid
from urllib.parse import urlsplit

import pytest
import requests
from sqlalchemy import func, select

from kaidian.payments import channels, configuration
from kaidian.payments.models import Payment
from kaidian.platform.extensions import db
from kaidian.platform.tenancy import all_tenants
from kaidian.sandbox import pay_crypto
from tests.conftest import api_token
from tests.orders.helpers import Shopper, checkout_body, make_customer, product, sku_stock

from .helpers import notifications, recorded, wait_until
from .test_orders_through_the_sandbox import order_status

IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Safari/604.1"
WECHAT = IPHONE + " MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI Language/zh_CN"
DESKTOP = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/124.0 Safari/537.36"
AGENTS = {"wechat": WECHAT, "mobile": IPHONE, "desktop": DESKTOP}


@pytest.fixture
def alipay(app, sandbox, alpha, in_store):
    """alpha takes Alipay with an app registered in the sandbox."""
    registered = requests.post(sandbox.base_url + "/sandbox/alipay/apps", json={"name": "Alpha 支付宝"},
                               timeout=10).json()
    with in_store(alpha):
        configuration.save_alipay_settings({"app_id": registered["app_id"],
                                            "app_private_key": registered["app_private_key"],
                                            "alipay_public_key": registered["alipay_public_key"]})
        db.session.commit()
    return registered


def shopper_with(app, store, agent: str) -> Shopper:
    shopper = Shopper(app, store.slug, store.tenant_id, make_customer(app, store.tenant_id))
    shopper.client.environ_base["HTTP_USER_AGENT"] = agent
    shopper.client.set_cookie("lang", "en", domain=f"{store.slug}.localhost")
    return shopper


def place(app, store, shopper, price=2550, stock=5) -> tuple[dict, str]:
    _, sku = product(app, store.tenant_id, title="茶叶", price=price, stock=stock)
    order = shopper.post("/api/store/orders", checkout_body([(sku, 1)], total=price)).get_json()
    return order, sku


def buttons(html: str) -> list[str]:
    return re.findall(r'data-kd-paynow="([a-z0-9_]+)"', html)


def payment_count(app) -> int:
    with app.app_context(), all_tenants():
        value = db.session.execute(select(func.count()).select_from(Payment)).scalar_one()
        db.session.remove()
    return value


@pytest.mark.parametrize(("agent", "expected"), [
    ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Mobile Safari/537.36 MicroMessenger/8.0.49",
     "wechat"),
    (IPHONE, "mobile"), ("Mozilla/5.0 (Linux; Android 14; SM-X910) AppleWebKit/537.36 Safari/537.36", "mobile"),
    (DESKTOP, "desktop"), ("", "desktop"), ("curl/8.5", "desktop"),
])
def test_the_context_comes_from_the_user_agent(agent, expected):
    assert channels.context_of(agent) == expected


@pytest.mark.parametrize(("context", "providers", "offered"), [
    ("wechat", {"wechatpay", "alipay"}, ["jsapi"]),
    ("wechat", {"alipay"}, []),
    ("desktop", {"wechatpay", "alipay"}, ["native", "alipay_page"]),
    ("desktop", {"alipay"}, ["alipay_page"]),
    ("mobile", {"wechatpay", "alipay"}, ["h5", "alipay_wap"]),
    ("mobile", {"wechatpay"}, ["h5"]),
    ("mobile", set(), []),
])
def test_one_rule_decides_the_channels(context, providers, offered):
    assert [c["channel"] for c in channels.offered(context, providers)] == offered


@pytest.mark.parametrize("where", ["wechat", "mobile", "desktop"])
def test_the_pay_page_shows_what_its_context_offers_among_configured_providers(app, sandbox, direct, alipay,
                                                                                 alpha, where):
    shopper = shopper_with(app, alpha, AGENTS[where])
    order, _ = place(app, alpha, shopper)
    html = shopper.get(f"/orders/{order['id']}/pay").get_data(as_text=True)
    assert buttons(html) == {"wechat": ["jsapi"], "mobile": ["h5", "alipay_wap"],
                             "desktop": ["native", "alipay_page"]}[where]
    assert ("Pay with Alipay" in html) == (where != "wechat")


def test_without_alipay_set_up_only_wechat_pay_is_offered_and_alipay_is_refused(app, sandbox, direct, alpha):
    shopper = shopper_with(app, alpha, IPHONE)
    order, _ = place(app, alpha, shopper)
    assert buttons(shopper.get(f"/orders/{order['id']}/pay").get_data(as_text=True)) == ["h5"]
    refused = shopper.post(f"/api/store/orders/{order['id']}/pay", {"channel": "alipay_wap"})
    assert refused.status_code == 422 and "not offered here" in refused.get_data(as_text=True)
    assert payment_count(app) == 0


@pytest.mark.parametrize(("where", "channel"), [("wechat", "alipay_wap"), ("wechat", "native"), ("desktop", "h5"),
                                                ("desktop", "alipay_wap"), ("mobile", "alipay_page"),
                                                ("mobile", "native")])
def test_a_channel_the_context_does_not_offer_is_refused_and_nothing_is_started(app, sandbox, direct, alipay, alpha,
                                                                                where, channel):
    shopper = shopper_with(app, alpha, AGENTS[where])
    order, _ = place(app, alpha, shopper)
    response = shopper.post(f"/api/store/orders/{order['id']}/pay", {"channel": channel})
    assert response.status_code == 422, response.get_json()
    assert payment_count(app) == 0 and order_status(app, order["id"]) == "pending_payment"


def test_in_wechat_with_only_alipay_the_page_says_there_is_no_way_to_pay(app, sandbox, alipay, alpha):
    shopper = shopper_with(app, alpha, WECHAT)
    order, _ = place(app, alpha, shopper)
    html = shopper.get(f"/orders/{order['id']}/pay").get_data(as_text=True)
    assert buttons(html) == [] and "data-kd-no-channel" in html


def pay_on_alipays_cashier(sandbox, pay_url: str) -> str:
    """Open the signed pay request as the browser does, tap pay on the cashier's form; where Alipay sends
    the shopper back (the cashier's redirect)."""
    cashier = requests.get(pay_url, timeout=10)
    assert cashier.status_code == 200
    token = re.search(r'name="token" value="([^"]+)"', cashier.text).group(1)
    done = requests.post(sandbox.base_url + "/sandbox/alipay/cashier", data={"token": token, "action": "pay"},
                         allow_redirects=False, timeout=15)
    assert done.status_code == 302, done.text
    return done.headers["Location"]


@pytest.mark.parametrize(("where", "channel"), [("mobile", "alipay_wap"), ("desktop", "alipay_page")])
def test_an_order_paid_with_alipay_comes_back_paid_and_is_refunded_through_alipay(app, client, sandbox, alipay, alpha,
                                                                                  where, channel):
    shopper = shopper_with(app, alpha, AGENTS[where])
    order, sku = place(app, alpha, shopper)
    started = shopper.post(f"/api/store/orders/{order['id']}/pay", {"channel": channel})
    assert started.status_code == 200, started.get_json()
    page = started.get_json()
    assert page["channel"] == channel and page["pay_url"].startswith(sandbox.base_url + "/gateway.do?")
    back = pay_on_alipays_cashier(sandbox, page["pay_url"])
    # Alipay brings the shopper back to this store's pay page, which waits for the notification
    parts = urlsplit(back)
    assert parts.netloc == "alpha.localhost" and parts.path == f"/orders/{order['id']}/pay"
    assert "back=1" in parts.query and "out_trade_no=" + page["out_trade_no"] in parts.query
    wait_until(lambda: order_status(app, order["id"]) == "paid")
    returned = shopper.get(f"{parts.path}?{parts.query}")
    assert returned.status_code == 302 and returned.headers["Location"].endswith(f"/orders/{order['id']}")
    detail = shopper.get(f"/api/store/orders/{order['id']}").get_json()
    assert (detail["status"], detail["paid_fen"]) == ("paid", 2550)
    [note] = notifications(app)
    assert (note.provider, note.result) == ("alipay", "applied")

    asked = shopper.post(f"/api/store/orders/{order['id']}/after-sales", {
        "kind": "refund_only", "reason": "不要了", "items": [{"line_id": order["lines"][0]["id"], "quantity": 1}]})
    assert asked.status_code == 201, asked.get_json()
    headers = api_token(client, alpha.login)
    approved = client.post(f"/api/v1/after-sales/{asked.get_json()['id']}/approve", json={}, headers=headers)
    assert approved.status_code == 200, approved.get_json()
    wait_until(lambda: shopper.get(f"/api/store/after-sales/{asked.get_json()['id']}").get_json()["status"]
               == "refunded")
    trades = requests.get(sandbox.base_url + "/sandbox/state", timeout=10).json()["alipay"]["trades"]
    [trade] = [t for t in trades.values() if t["out_trade_no"] == page["out_trade_no"]]
    assert trade["refunded"] == 2550  # the money went back through Alipay
    assert shopper.get(f"/api/store/orders/{order['id']}").get_json()["refunded_fen"] == 2550
    assert sku_stock(app, sku) == 5
    [refunded] = recorded("refund.succeeded")
    assert (refunded["order_no"], refunded["amount_fen"]) == (order["number"], 2550)


def _alipay_form(app_id: str, out_trade_no: str, total: str, private_pem: str) -> dict:
    fields = {"notify_type": "trade_status_sync", "notify_id": uuid.uuid4().hex, "app_id": app_id, "charset": "utf-8",
              "version": "1.0", "trade_no": "2026010122001" + uuid.uuid4().hex[:8], "out_trade_no": out_trade_no,
              "trade_status": "TRADE_SUCCESS", "total_amount": total}
    text = "&".join(f"{k}={v}" for k, v in sorted(fields.items()))
    return {**fields, "sign": pay_crypto.sign(private_pem, text), "sign_type": "RSA2"}


@pytest.mark.parametrize("case", ["forged", "altered_amount", "other_app"])
def test_a_forged_alipay_notification_for_an_order_changes_nothing(app, pay_env, sandbox, alipay, alpha, case):
    shopper = shopper_with(app, alpha, IPHONE)
    order, sku = place(app, alpha, shopper)
    page = shopper.post(f"/api/store/orders/{order['id']}/pay", {"channel": "alipay_wap"}).get_json()
    alipay_key = requests.get(sandbox.base_url + "/sandbox/state", timeout=10).json()["alipay"]["key"]
    private = pay_crypto.new_key_pair()[0] if case == "forged" else alipay_key["private_pem"]
    app_id = "2021000000000000" if case == "other_app" else alipay["app_id"]
    total = "0.01" if case == "altered_amount" else "25.50"
    answer = requests.post(f"{pay_env.platform_url}/payments/alipay/notify/{alpha.tenant_id}",
                           data=_alipay_form(app_id, page["out_trade_no"], total, private), timeout=10)
    assert answer.text == "fail" and answer.status_code in (400, 401)
    assert order_status(app, order["id"]) == "pending_payment"
    assert shopper.get(f"/api/store/orders/{order['id']}").get_json()["paid_fen"] == 0
    assert recorded("payment.succeeded") == [] and sku_stock(app, sku) == 4
    assert [n.result for n in notifications(app)] == ["refused"]
