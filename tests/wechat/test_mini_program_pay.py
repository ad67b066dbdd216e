"""Paying from the mini program: ``POST /api/mp/orders/<id>/pay`` gives ``wx.requestPayment``'s parameters for
the shopper's unpaid order, made at WeChat Pay (the sandbox) for the mini program's AppID and the shopper's
openid under it, and signed with the merchant's key the way WeChat checks them."""

from __future__ import annotations

import base64

import pytest
import requests
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

from kaidian.customers.models import Customer
from kaidian.payments import configuration
from kaidian.payments.models import Payment
from kaidian.platform.extensions import db
from kaidian.platform.tenancy import tenant_context
from tests.conftest import login
from tests.orders.helpers import Shopper, checkout_body, make_customer, product

from .helpers import MINI_PROGRAM, authorize, rows, snapshot
from .test_mini_program_login import OTHER_MINI_PROGRAM, PLATFORM, bearer, log_in

STORE_APPID = "wxalphaoa00000001"  # the official account in the store's payment settings


@pytest.fixture
def paying(app, sandbox, merchant, alpha, wechat_env, monkeypatch):
    """alpha: its mini program authorized, and a direct WeChat Pay merchant registered in the sandbox."""
    monkeypatch.setitem(app.config, "WECHATPAY_BASE_URL", wechat_env.server.base_url)
    authorize(merchant, MINI_PROGRAM, kind="mini_program")
    keys = sandbox.post("/sandbox/pay/merchants", name="Alpha 小店")
    with app.app_context(), tenant_context(alpha.tenant_id):
        configuration.save_settings({"mode": "direct", "appid": STORE_APPID, "mchid": keys["mchid"],
                                     "cert_serial": keys["serial_no"], "apiv3_key": keys["apiv3_key"],
                                     "private_key": keys["private_key"],
                                     "public_key_id": keys["wechatpay_public_key_id"],
                                     "public_key": keys["wechatpay_public_key"]})
        db.session.remove()
    return keys


def _order(app, store, customer_id, price: int = 2500) -> dict:
    _, sku = product(app, store.tenant_id, price=price, stock=5)
    shopper = Shopper(app, store.slug, store.tenant_id, customer_id)
    response = shopper.post("/api/store/orders", checkout_body([(sku, 1)], total=price))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _pay(app, token: str, order_id: str):
    return app.test_client().post(f"/api/mp/orders/{order_id}/pay", base_url=PLATFORM, headers=bearer(token))


def verified_by_merchant_key(private_key_pem: str, appid: str, params: dict) -> bool:
    """WeChat's check of ``wx.requestPayment``: SHA256-with-RSA over ``appId\\ntimeStamp\\nnonceStr\\npackage\\n``
    with the merchant's public key."""
    public = serialization.load_pem_private_key(private_key_pem.encode(), None).public_key()
    message = f"{appid}\n{params['timeStamp']}\n{params['nonceStr']}\n{params['package']}\n".encode()
    try:
        public.verify(base64.b64decode(params["paySign"]), message, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        return False
    return True


def test_the_pay_parameters_are_for_the_mini_program_and_signed_by_the_merchant(app, sandbox, paying, alpha):
    answer = log_in(app, sandbox)
    [customer] = rows(app, Customer)
    order = _order(app, alpha, customer.id)
    response = _pay(app, answer["token"], order["id"])
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    params = body["payment"]
    assert set(params) == {"timeStamp", "nonceStr", "package", "signType", "paySign"}
    assert params["signType"] == "RSA" and params["package"].startswith("prepay_id=")
    assert params["timeStamp"].isdigit() and len(params["nonceStr"]) <= 32
    assert body["amount_fen"] == 2500 and body["amount_text"] == "¥25.00"
    assert verified_by_merchant_key(paying["private_key"], MINI_PROGRAM, params)
    assert not verified_by_merchant_key(paying["private_key"], STORE_APPID, params)  # not the official account's
    assert not verified_by_merchant_key(paying["private_key"], MINI_PROGRAM, {**params, "package": "prepay_id=wx1"})
    # WeChat Pay got a JSAPI order for the mini program's AppID and the shopper's openid under it
    [transaction] = sandbox.state()["pay"]["transactions"].values()
    assert (transaction["appid"], transaction["openid"], transaction["total"]) == (MINI_PROGRAM, customer.openid, 2500)
    assert "prepay_id=" + transaction["prepay_id"] == params["package"]
    # the sandbox's cashier accepts the parameters as WeChat's pay sheet would
    cashier = requests.post(wechat_cashier(sandbox), json={"prepay_id": transaction["prepay_id"], "action": "cancel",
                                                          "appId": MINI_PROGRAM, **params}, timeout=10)
    assert cashier.status_code == 200, cashier.text


def wechat_cashier(sandbox) -> str:
    return sandbox.base_url + "/sandbox/pay/cashier"


def test_asking_again_gives_the_same_open_payment(app, sandbox, paying, alpha):
    answer = log_in(app, sandbox)
    [customer] = rows(app, Customer)
    order = _order(app, alpha, customer.id)
    first = _pay(app, answer["token"], order["id"]).get_json()
    again = _pay(app, answer["token"], order["id"]).get_json()
    assert first["payment_id"] == again["payment_id"] and first["payment"]["package"] == again["payment"]["package"]
    assert len(rows(app, Payment)) == 1


def test_another_customers_order_is_refused_and_nothing_changes(app, sandbox, paying, alpha):
    answer = log_in(app, sandbox)
    someone_else = make_customer(app, alpha.tenant_id)
    order = _order(app, alpha, someone_else)
    before = snapshot(app)
    response = _pay(app, answer["token"], order["id"])
    assert response.status_code == 404
    assert snapshot(app) == before and sandbox.state()["pay"]["transactions"] == {}


def test_another_stores_order_is_refused(app, sandbox, paying, alpha, bravo):
    answer = log_in(app, sandbox)
    order = _order(app, bravo, make_customer(app, bravo.tenant_id))
    before = snapshot(app)
    assert _pay(app, answer["token"], order["id"]).status_code == 404
    assert snapshot(app) == before


def test_a_paid_or_unknown_order_and_a_bad_token_are_refused(app, sandbox, paying, alpha):
    answer = log_in(app, sandbox)
    assert _pay(app, answer["token"], "00000000-0000-0000-0000-000000000000").status_code == 404
    assert app.test_client().post("/api/mp/orders/not-a-uuid/pay", base_url=PLATFORM,
                                  headers=bearer(answer["token"])).status_code == 404
    [customer] = rows(app, Customer)
    order = _order(app, alpha, customer.id)
    assert _pay(app, "kdmp.nope", order["id"]).status_code == 401
    assert app.test_client().post(f"/api/mp/orders/{order['id']}/pay", base_url=PLATFORM).status_code == 401


def test_bravo_program_cannot_pay_alphas_order(app, sandbox, paying, alpha, bravo):
    client = app.test_client()
    login(client, bravo.login)
    authorize(client, OTHER_MINI_PROGRAM, kind="mini_program")
    in_alpha = log_in(app, sandbox)
    in_bravo = log_in(app, sandbox, "bravo", OTHER_MINI_PROGRAM)
    customer = next(c for c in rows(app, Customer) if c.tenant_id == alpha.tenant_id)
    order = _order(app, alpha, customer.id)
    assert _pay(app, in_bravo["token"], order["id"]).status_code == 404
    assert _pay(app, in_alpha["token"], order["id"]).status_code == 200
