"""Drivers for the payments tests: the sandbox's WeChat Pay levers over HTTP, and notifications built and
signed the way WeChat Pay builds them (to forge, replay or alter one)."""

from __future__ import annotations

import json
import time

import requests
from sqlalchemy import select

from kaidian.payments.models import Payment, PaymentNotification
from kaidian.platform.extensions import db
from kaidian.platform.tenancy import all_tenants
from kaidian.sandbox import pay_crypto

from .conftest import RECORDED


class PaySandbox:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url

    def post(self, path: str, **body) -> dict:
        response = requests.post(self.base_url + path, json=body, timeout=10)
        response.raise_for_status()
        return response.json()

    def reset(self) -> None:
        self.post("/sandbox/reset")
        requests.delete(self.base_url + "/sandbox/faults", timeout=10).raise_for_status()

    def register(self, params: dict) -> dict:
        return self.post("/sandbox/pay/merchants", **params)

    def fault(self, endpoint: str, **fault) -> None:
        self.post("/sandbox/faults", endpoint=endpoint, **fault)

    def state(self) -> dict:
        return requests.get(self.base_url + "/sandbox/state", timeout=10).json()["pay"]

    def key(self) -> dict:
        return self.state()["key"]

    def pay(self, page: dict) -> dict:
        """The shopper taps "pay" on the cashier page (JSAPI parameters passed on as the page would)."""
        prepay_id = (page.get("jsapi") or {}).get("package", "").removeprefix("prepay_id=") or \
            page["cashier_url"].split("prepay_id=")[1].split("&")[0]
        body = {"prepay_id": prepay_id, "action": "pay", **(page.get("jsapi") or {})}
        response = requests.post(self.base_url + "/sandbox/pay/cashier", json=body, timeout=15)
        assert response.status_code == 200, response.text
        return response.json()


def wait_until(predicate, timeout: float = 8.0, step: float = 0.05):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(step)


def signed_notification(key: dict, apiv3_key: str, resource: dict, *, event_type: str = "TRANSACTION.SUCCESS",
                        serial: str | None = None, timestamp: int | None = None,
                        private_pem: str | None = None) -> tuple[dict, bytes]:
    """(headers, body) of a notification as WeChat Pay sends it — or, with the overrides, as a forger would."""
    sealed = pay_crypto.encrypt_resource(apiv3_key, json.dumps(resource), "transaction")
    body = json.dumps({"id": "EV-test", "create_time": "2026-11-30T12:00:00+08:00", "resource_type": "encrypt-resource",
                       "event_type": event_type, "summary": "支付成功",
                       "resource": {"original_type": "transaction", **sealed}})
    stamp, nonce = str(timestamp if timestamp is not None else int(time.time())), pay_crypto.nonce()
    headers = {"Wechatpay-Timestamp": stamp, "Wechatpay-Nonce": nonce, "Wechatpay-Serial": serial or key["id"],
               "Wechatpay-Signature": pay_crypto.sign(private_pem or key["private_pem"], f"{stamp}\n{nonce}\n{body}\n"),
               "Wechatpay-Signature-Type": pay_crypto.SIGNATURE_TYPE, "Content-Type": "application/json"}
    return headers, body.encode()


def payment_row(app, out_trade_no: str) -> Payment:
    with app.app_context(), all_tenants():
        row = db.session.execute(select(Payment).filter_by(out_trade_no=out_trade_no)).scalar_one()
        db.session.expunge(row)
        db.session.remove()
    return row


def notifications(app) -> list[PaymentNotification]:
    with app.app_context():
        rows = db.session.execute(select(PaymentNotification).order_by(PaymentNotification.received_at)).scalars().all()
        for row in rows:
            db.session.expunge(row)
        db.session.remove()
    return rows


def recorded(name: str) -> list:
    return [event for event in RECORDED if event.name == name]
