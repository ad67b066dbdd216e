"""WeChat Pay notifications end to end through the sandbox over HTTP: verified, checked, applied once,
always recorded; and the forged, replayed, stale, altered and misdirected ones refused with nothing paid."""

from __future__ import annotations

import json

import pytest
import requests
from sqlalchemy import select

from kaidian.payments import services
from kaidian.payments.errors import NotConfigured, PaymentError
from kaidian.payments.models import Payment
from kaidian.platform.extensions import db
from kaidian.platform.models import AuditEvent
from kaidian.platform.tenancy import all_tenants
from kaidian.sandbox import pay_crypto

from .helpers import notifications, payment_row, recorded, signed_notification, wait_until


def start(in_store, store, channel="native", amount=1234, reference="ref-1", **extra):
    with in_store(store):
        return services.start_payment(purpose="test", reference_id=reference, amount_fen=amount,
                                      description="测试商品", channel=channel, **extra)


def notify(pay_env, store, headers, body):
    return requests.post(f"{pay_env.platform_url}/payments/wechatpay/notify/{store.tenant_id}", data=body,
                         headers=headers, timeout=10)


def resource_for(row, merchant, **changes) -> dict:
    resource = {"mchid": merchant["mchid"], "appid": "wxalpha000000001", "out_trade_no": row.out_trade_no,
                "transaction_id": "4200000000202611300000000001", "trade_type": "NATIVE", "trade_state": "SUCCESS",
                "trade_state_desc": "支付成功", "success_time": "2026-11-30T12:00:00+08:00",
                "amount": {"total": row.amount_fen, "payer_total": row.amount_fen, "currency": "CNY"},
                "payer": {"openid": "o-shopper"}}
    resource.update(changes)
    return resource


def test_paying_on_the_cashier_marks_the_payment_paid_once(app, pay_env, sandbox, direct, alpha, in_store):
    page = start(in_store, alpha)
    assert page["code_url"] == page["cashier_url"] and page["channel"] == "native"
    paid = sandbox.pay(page)
    assert paid["trade_state"] == "SUCCESS" and paid["notification"]["delivered"]
    row = payment_row(app, page["out_trade_no"])
    assert (row.status, row.transaction_id, row.amount_fen) == ("paid", paid["transaction_id"], 1234)
    [event] = recorded("payment.succeeded")
    assert event.tenant_id == alpha.tenant_id
    assert event.payload == {"payment_id": page["payment_id"], "purpose": "test", "reference_id": "ref-1",
                             "amount_fen": 1234, "transaction_id": paid["transaction_id"]}
    [note] = notifications(app)
    assert (note.result, note.verified, note.http_status, note.event_type) == ("applied", True, 204,
                                                                                 "TRANSACTION.SUCCESS")
    assert note.tenant_id == alpha.tenant_id and len(note.body_sha256) == 64
    with pytest.raises(PaymentError):  # paid: no second payment for the same reference
        start(in_store, alpha)


def test_a_duplicated_notification_is_answered_but_applied_once(app, sandbox, direct, alpha, in_store):
    sandbox.fault("pay.notify", mode="duplicate")
    page = start(in_store, alpha)
    sandbox.pay(page)
    wait_until(lambda: len(notifications(app)) == 2)
    assert sorted(n.result for n in notifications(app)) == ["applied", "duplicate"]
    assert all(n.http_status == 204 for n in notifications(app))
    assert len(recorded("payment.succeeded")) == 1
    assert payment_row(app, page["out_trade_no"]).status == "paid"


@pytest.mark.parametrize("forgery", ["other_key", "unknown_serial", "stale", "tampered"])
def test_forged_notifications_are_refused_and_change_nothing(app, pay_env, sandbox, direct, alpha, in_store,
                                                              forgery):
    page = start(in_store, alpha)
    row = payment_row(app, page["out_trade_no"])
    key = sandbox.key()
    options = {
        "other_key": {"private_pem": pay_crypto.new_key_pair()[0]},
        "unknown_serial": {"serial": "PUB_KEY_ID_0000000000000000000000000000DEAD"},
        "stale": {"timestamp": int(__import__("time").time()) - 301},
        "tampered": {},
    }[forgery]
    headers, body = signed_notification(key, direct["apiv3_key"], resource_for(row, direct), **options)
    if forgery == "tampered":
        body = body.replace(b'"EV-test"', b'"EV-tamp"')
    answer = notify(pay_env, alpha, headers, body)
    assert answer.status_code == 401
    assert answer.json()["code"] == "FAIL" and answer.json()["message"]
    assert payment_row(app, page["out_trade_no"]).status == "created"
    assert recorded("payment.succeeded") == []
    [note] = notifications(app)
    assert (note.result, note.verified, note.http_status) == ("refused", False, 401)


def test_an_amount_that_differs_is_refused_recorded_and_audited(app, pay_env, sandbox, direct, alpha, in_store):
    page = start(in_store, alpha, amount=5000)
    row = payment_row(app, page["out_trade_no"])
    resource = resource_for(row, direct, amount={"total": 1, "payer_total": 1, "currency": "CNY"})
    answer = notify(pay_env, alpha, *signed_notification(sandbox.key(), direct["apiv3_key"], resource))
    assert answer.status_code == 400 and "amount" in answer.json()["message"]
    assert payment_row(app, page["out_trade_no"]).status == "created"
    assert recorded("payment.succeeded") == []
    [note] = notifications(app)
    assert (note.result, note.verified, note.out_trade_no) == ("refused", True, row.out_trade_no)
    with app.app_context(), all_tenants():
        actions = db.session.execute(select(AuditEvent.action)).scalars().all()
    assert "payments.amount_mismatch" in actions


def test_a_notification_for_another_merchant_is_refused(app, pay_env, sandbox, direct, alpha, in_store):
    page = start(in_store, alpha)
    row = payment_row(app, page["out_trade_no"])
    resource = resource_for(row, direct, mchid="1999999999")
    answer = notify(pay_env, alpha, *signed_notification(sandbox.key(), direct["apiv3_key"], resource))
    assert answer.status_code == 400 and "mchid" in answer.json()["message"]
    assert payment_row(app, page["out_trade_no"]).status == "created"


def test_another_stores_payment_cannot_be_paid_through_this_stores_address(app, pay_env, sandbox, direct, alpha,
                                                                          bravo, in_store):
    from kaidian.payments import configuration

    with in_store(bravo):  # bravo uses the same merchant number (it cannot: but even then)
        configuration.save_settings({"mode": "direct", "appid": "wxbravo000000001", "mchid": direct["mchid"],
                                     "cert_serial": direct["serial_no"], "apiv3_key": direct["apiv3_key"],
                                     "private_key": direct["private_key"],
                                     "public_key_id": direct["wechatpay_public_key_id"],
                                     "public_key": direct["wechatpay_public_key"]})
    page = start(in_store, bravo)
    row = payment_row(app, page["out_trade_no"])
    answer = notify(pay_env, alpha, *signed_notification(sandbox.key(), direct["apiv3_key"], resource_for(row, direct)))
    assert answer.status_code == 404 and "out_trade_no" in answer.json()["message"]
    assert payment_row(app, page["out_trade_no"]).status == "created"


def test_a_notification_that_is_too_large_is_refused(app, pay_env, sandbox, direct, alpha):
    answer = notify(pay_env, alpha, {"Content-Type": "application/json"}, b"{" + b" " * (64 * 1024) + b"}")
    assert answer.status_code == 413 and answer.json()["code"] == "FAIL"


def test_a_store_without_settings_cannot_start_a_payment(app, sandbox, alpha, in_store):
    with pytest.raises(NotConfigured) as caught:
        start(in_store, alpha)
    assert caught.value.status == 409 and str(caught.value.message)
    with in_store(alpha):
        assert db.session.execute(select(Payment)).first() is None


def test_starting_again_reuses_the_open_payment_and_a_new_amount_replaces_it(app, sandbox, direct, alpha, in_store):
    first = start(in_store, alpha)
    again = start(in_store, alpha)
    assert again["out_trade_no"] == first["out_trade_no"]
    changed = start(in_store, alpha, amount=999)
    assert changed["out_trade_no"] != first["out_trade_no"]
    assert payment_row(app, first["out_trade_no"]).status == "closed"
    tx = sandbox.state()["transactions"]
    assert tx[f"{direct['mchid']}:{first['out_trade_no']}"]["trade_state"] == "CLOSED"


def test_jsapi_parameters_are_signed_so_the_cashier_accepts_them(app, sandbox, direct, alpha, in_store):
    page = start(in_store, alpha, channel="jsapi", payer_openid="o-shopper-1", return_url="http://alpha.localhost/x")
    jsapi = page["jsapi"]
    assert set(jsapi) == {"appId", "timeStamp", "nonceStr", "package", "signType", "paySign"}
    assert jsapi["appId"] == "wxalpha000000001" and jsapi["package"].startswith("prepay_id=")
    assert "redirect_url=" in page["cashier_url"]
    forged = {**page, "jsapi": {**jsapi, "paySign": jsapi["paySign"][::-1]}}
    prepay_id = jsapi["package"].removeprefix("prepay_id=")
    refused = requests.post(sandbox.base_url + "/sandbox/pay/cashier",
                            json={"prepay_id": prepay_id, "action": "pay", **forged["jsapi"]}, timeout=10)
    assert refused.status_code == 400 and "paySign" in refused.json()["message"]
    assert sandbox.pay(page)["trade_state"] == "SUCCESS"
    assert payment_row(app, page["out_trade_no"]).status == "paid"


def test_h5_payment_carries_the_return_address(app, sandbox, direct, alpha, in_store):
    page = start(in_store, alpha, channel="h5", client_ip="203.0.113.9", return_url="http://alpha.localhost/orders")
    assert "redirect_url=http" in page["h5_url"]
    cashier = requests.get(page["h5_url"], timeout=10)
    assert cashier.status_code == 200 and "Alpha 小店" in cashier.text and "¥12.34" in cashier.text


def test_partner_mode_notifications_reach_the_sub_merchants_store(app, sandbox, alpha, bravo, in_store):
    from kaidian.payments import configuration

    sandbox.register({"mchid": "1600000001", "sp_mchid": "1900000100", "name": "Bravo 子商户"})
    with in_store(bravo):
        configuration.save_settings({"mode": "partner", "sub_mchid": "1600000001"})
    page = start(in_store, bravo)
    paid = sandbox.pay(page)
    assert paid["notification"]["delivered"]
    row = payment_row(app, page["out_trade_no"])
    assert (row.status, row.tenant_id, row.mode, row.sub_mchid) == ("paid", bravo.tenant_id, "partner", "1600000001")
    [note] = notifications(app)
    assert (note.route, note.tenant_id, note.result) == ("partner", bravo.tenant_id, "applied")


def test_the_project_client_and_an_independent_check_accept_the_sandboxs_notification(app, pay_env, sandbox,
                                                                                      direct, alpha, in_store):
    """The sandbox's notification, captured, verifies with wechatpayv3 (a client we did not write) and
    with a check written here on ``cryptography`` alone."""
    import base64

    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from wechatpayv3 import WeChatPay, WeChatPayType
    from werkzeug.wrappers import Request, Response

    from kaidian.sandbox.testing import run_wsgi_in_thread

    captured = []

    def receiver(environ, start_response):
        request = Request(environ)
        captured.append((dict(request.headers), request.get_data(as_text=True)))
        return Response(status=204)(environ, start_response)

    url, stop = run_wsgi_in_thread(receiver)
    try:
        app.config["WECHATPAY_NOTIFY_BASE"] = url
        page = start(in_store, alpha)
    finally:
        app.config["WECHATPAY_NOTIFY_BASE"] = pay_env.platform_url
    try:
        sandbox.pay(page)
    finally:
        stop()
    [(headers, body)] = captured
    client = WeChatPay(wechatpay_type=WeChatPayType.NATIVE, mchid=direct["mchid"], private_key=direct["private_key"],
                       cert_serial_no=direct["serial_no"], appid="wxalpha000000001", apiv3_key=direct["apiv3_key"],
                       public_key=direct["wechatpay_public_key"], public_key_id=direct["wechatpay_public_key_id"])
    opened = client.callback(headers, body)
    assert opened["resource"]["out_trade_no"] == page["out_trade_no"]
    assert opened["resource"]["amount"]["total"] == 1234

    key = serialization.load_pem_public_key(direct["wechatpay_public_key"].encode())
    message = f"{headers['Wechatpay-Timestamp']}\n{headers['Wechatpay-Nonce']}\n{body}\n".encode()
    key.verify(base64.b64decode(headers["Wechatpay-Signature"]), message, padding.PKCS1v15(), hashes.SHA256())
    assert headers["Wechatpay-Serial"] == direct["wechatpay_public_key_id"].strip()
    resource = json.loads(body)["resource"]
    plain = AESGCM(direct["apiv3_key"].encode()).decrypt(resource["nonce"].encode(),
                                                         base64.b64decode(resource["ciphertext"]),
                                                         resource["associated_data"].encode())
    assert json.loads(plain)["trade_state"] == "SUCCESS"


def test_a_notification_the_platform_refuses_is_sent_again_until_accepted(app, pay_env, sandbox, alpha, in_store):
    """WeChat Pay's retry schedule (shortened): the store's settings arrive after the first attempt."""
    from kaidian.payments import configuration

    merchant = sandbox.register({"name": "Alpha"})
    form = {"mode": "direct", "appid": "wxalpha000000001", "mchid": merchant["mchid"],
            "cert_serial": merchant["serial_no"], "apiv3_key": merchant["apiv3_key"],
            "private_key": merchant["private_key"], "public_key_id": merchant["wechatpay_public_key_id"],
            "public_key": merchant["wechatpay_public_key"]}
    with in_store(alpha):
        configuration.save_settings(form)
    page = start(in_store, alpha)
    with in_store(alpha):  # the merchant breaks the settings: the first attempt is refused
        configuration.save_settings({**form, "public_key_id": "PUB_KEY_ID_0000000000000000000000000000AAAA"})
    sandbox.pay(page)
    wait_until(lambda: len(notifications(app)) >= 1)
    with in_store(alpha):
        configuration.save_settings(form)
    wait_until(lambda: recorded("payment.succeeded"))  # the event follows the accepted copy's commit
    assert payment_row(app, page["out_trade_no"]).status == "paid"
    wait_until(lambda: notifications(app)[-1].result == "applied")
    results = [n.result for n in notifications(app)]
    assert results[0] == "refused" and results[-1] == "applied"
    assert len(recorded("payment.succeeded")) == 1


def test_two_copies_arriving_at_once_are_applied_once(app, pay_env, sandbox, direct, alpha, in_store):
    from concurrent.futures import ThreadPoolExecutor

    page = start(in_store, alpha)
    row = payment_row(app, page["out_trade_no"])
    copies = [signed_notification(sandbox.key(), direct["apiv3_key"], resource_for(row, direct)) for _ in range(4)]
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda copy: notify(pay_env, alpha, *copy), copies))
    assert [a.status_code for a in answers] == [204] * 4
    assert sorted(n.result for n in notifications(app)) == ["applied", "duplicate", "duplicate", "duplicate"]
    assert len(recorded("payment.succeeded")) == 1
