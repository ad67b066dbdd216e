"""Alipay behind the same interface, through python-alipay-sdk (a client we did not write) against the
sandbox's Alipay over HTTP: pay on the cashier, the signed notification applied once, forged and altered
notifications refused, a lost one found by the reconcile job, refunds, and the settings check."""

from __future__ import annotations

import pytest
import requests

from kaidian.payments import configuration, services, tasks
from kaidian.platform.extensions import db
from kaidian.sandbox import pay_crypto

from .helpers import notifications, payment_row, recorded


@pytest.fixture
def alipay_app(app, sandbox, alpha, in_store):
    registered = requests.post(sandbox.base_url + "/sandbox/alipay/apps", json={"name": "Alpha 支付宝"},
                               timeout=10).json()
    with in_store(alpha):
        configuration.save_alipay_settings({"app_id": registered["app_id"],
                                            "app_private_key": registered["app_private_key"],
                                            "alipay_public_key": registered["alipay_public_key"]})
    return registered


def start(in_store, store, amount=2550, reference="ali-1", channel="alipay_wap"):
    with in_store(store):
        return services.start_payment(purpose="test", reference_id=reference, amount_fen=amount,
                                      description="支付宝商品", channel=channel,
                                      return_url="http://alpha.localhost/orders")


def trade_of(sandbox, page) -> dict:
    trades = requests.get(sandbox.base_url + "/sandbox/state", timeout=10).json()["alipay"]["trades"]
    return next(t for t in trades.values() if t["out_trade_no"] == page["out_trade_no"])


def pay(sandbox, page) -> dict:
    cashier = requests.get(page["pay_url"], timeout=10)  # the signed page-pay request, as the browser opens it
    assert cashier.status_code == 200 and "¥25.50" in cashier.text
    token = trade_of(sandbox, page)["token"]
    return requests.post(sandbox.base_url + "/sandbox/alipay/cashier", json={"token": token, "action": "pay"},
                         timeout=15).json()


def test_an_alipay_payment_is_paid_on_the_cashier_and_applied_once(app, sandbox, alipay_app, alpha, in_store):
    page = start(in_store, alpha)
    assert page["pay_url"].startswith(sandbox.base_url + "/gateway.do?") and page["cashier_url"] == page["pay_url"]
    paid = pay(sandbox, page)
    assert paid["delivered"] is True and paid["trade_status"] == "TRADE_SUCCESS"
    row = payment_row(app, page["out_trade_no"])
    assert (row.status, row.provider, row.transaction_id, row.mchid) == ("paid", "alipay", paid["trade_no"],
                                                                       alipay_app["app_id"])
    [event] = recorded("payment.succeeded")
    assert event["amount_fen"] == 2550 and event["transaction_id"] == paid["trade_no"]
    [note] = notifications(app)
    assert (note.provider, note.result, note.verified, note.http_status) == ("alipay", "applied", True, 200)


def test_a_duplicated_alipay_notification_is_applied_once(app, sandbox, alipay_app, alpha, in_store):
    sandbox.fault("alipay.notify", mode="duplicate")
    page = start(in_store, alpha)
    pay(sandbox, page)
    assert sorted(n.result for n in notifications(app)) == ["applied", "duplicate"]
    assert len(recorded("payment.succeeded")) == 1


def _notification(app_id: str, out_trade_no: str, total: str, private_pem: str) -> dict:
    fields = {"notify_type": "trade_status_sync", "notify_id": "n1", "app_id": app_id, "charset": "utf-8",
              "version": "1.0", "trade_no": "2026113022001", "out_trade_no": out_trade_no,
              "trade_status": "TRADE_SUCCESS", "total_amount": total}
    text = "&".join(f"{k}={v}" for k, v in sorted(fields.items()))
    return {**fields, "sign": pay_crypto.sign(private_pem, text), "sign_type": "RSA2"}


@pytest.mark.parametrize("case", ["forged", "amount"])
def test_forged_or_altered_alipay_notifications_are_refused(app, pay_env, sandbox, alipay_app, alpha, in_store, case):
    page = start(in_store, alpha)
    alipay_key = requests.get(sandbox.base_url + "/sandbox/state", timeout=10).json()["alipay"]["key"]
    private = pay_crypto.new_key_pair()[0] if case == "forged" else alipay_key["private_pem"]
    total = "25.50" if case == "forged" else "0.01"
    answer = requests.post(f"{pay_env.platform_url}/payments/alipay/notify/{alpha.tenant_id}",
                           data=_notification(alipay_app["app_id"], page["out_trade_no"], total, private), timeout=10)
    assert answer.text == "fail" and answer.status_code == (401 if case == "forged" else 400)
    assert payment_row(app, page["out_trade_no"]).status == "created"
    assert recorded("payment.succeeded") == []
    [note] = notifications(app)
    assert (note.result, note.verified) == ("refused", case == "amount")


def test_a_lost_alipay_notification_is_found_by_the_reconcile_job(app, sandbox, alipay_app, alpha, in_store):
    sandbox.fault("alipay.notify", mode="lose")
    page = start(in_store, alpha)
    assert pay(sandbox, page)["delivered"] is None
    app.config["PAYMENTS_RECONCILE_AFTER_MINUTES"] = 0
    try:
        with app.app_context():
            assert tasks.reconcile_payments()["payments"] == 1
            db.session.remove()
    finally:
        app.config["PAYMENTS_RECONCILE_AFTER_MINUTES"] = 5
    assert payment_row(app, page["out_trade_no"]).status == "paid"
    assert len(recorded("payment.succeeded")) == 1


def test_an_alipay_refund_succeeds_at_once_and_closing_closes(app, sandbox, alipay_app, alpha, in_store):
    page = start(in_store, alpha)
    pay(sandbox, page)
    with in_store(alpha):
        row = services.refund(purpose="test", reference_id="ali-1", amount_fen=550, reason="", out_refund_no="AR-1")
        assert row.status == "succeeded"
    assert [e["amount_fen"] for e in recorded("refund.succeeded")] == [550]
    assert trade_of(sandbox, page)["refunded"] == 550
    other = start(in_store, alpha, reference="ali-2", channel="alipay_page")
    assert requests.get(other["pay_url"], timeout=10).status_code == 200  # the shopper opened the cashier
    with in_store(alpha):
        services.close_payment("ali-2", "test")
    assert payment_row(app, other["out_trade_no"]).status == "closed"
    assert trade_of(sandbox, other)["status"] == "TRADE_CLOSED"


def test_the_alipay_settings_check(app, sandbox, alipay_app, alpha, in_store):
    from flask_babel import force_locale

    with in_store(alpha), force_locale("en"):
        assert configuration.check_alipay_settings().ok
        configuration.save_alipay_settings({"app_id": alipay_app["app_id"],
                                            "alipay_public_key": pay_crypto.new_key_pair()[1]})
        result = configuration.check_alipay_settings()
    assert not result.ok and "does not verify with the configured Alipay public key" in result.problems[0]
