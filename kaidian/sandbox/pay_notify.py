"""The sandbox's WeChat Pay cashier page and its notifications.

The cashier (``/sandbox/pay/cashier?prepay_id=…``) stands in for WeChat's payment sheet: it shows the
store and the amount, with "pay" and "cancel". A JSAPI payment must bring the page's
``getBrandWCPayRequest`` parameters (``appId``, ``timeStamp``, ``nonceStr``, ``package``, ``signType``,
``paySign``), and ``paySign`` is verified with the merchant's key as WeChat does; Native and H5 open it
from ``code_url`` / ``h5_url``. Paying sends ``TRANSACTION.SUCCESS`` to the order's ``notify_url``:
signed with WeChat Pay's key, the resource encrypted with the merchant's APIv3 key (the service
provider's in partner mode). An answer other than 200/204 is retried after each of
``PAY_NOTIFY_RETRY_DELAYS`` (WeChat's 15 s … 6 h schedule, shortened). Refunds finish
``PAY_REFUND_DELAY`` seconds after they are asked for and send ``REFUND.SUCCESS`` (or
``REFUND.ABNORMAL`` under the ``pay.refund_result`` fault). Faults on ``pay.notify``: ``mode=lose``,
``mode=duplicate``, ``latency_ms``.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
import time
import uuid

import requests
from flask import Blueprint, jsonify, redirect, render_template, request

from kaidian.sandbox import pay_crypto
from kaidian.sandbox.faults import begin_call
from kaidian.sandbox.pay import china_time, pay_key, transaction_view
from kaidian.sandbox.pusher import retry_delays
from kaidian.sandbox.runtime import current_sandbox
from kaidian.sandbox.state import now
from kaidian.sandbox.urls import is_web_url

log = logging.getLogger(__name__)
bp = Blueprint("sandbox_cashier", __name__, template_folder="templates")

MAX_NOTIFICATIONS = 200
JSAPI_FIELDS = ("appId", "timeStamp", "nonceStr", "package", "signType", "paySign")


class PayNotifier:
    """Sends WeChat Pay notifications with retries (timer threads), and finishes refunds."""

    def __init__(self, config: dict, state) -> None:
        self.config = config
        self.state = state
        self.delays = retry_delays(config["PAY_NOTIFY_RETRY_DELAYS"])
        self._timers: list[threading.Timer] = []

    # -- building ---------------------------------------------------------------------------------

    def _envelope(self, payer_mchid: str, event_type: str, original_type: str, summary: str, resource: dict) -> str:
        merchant = self.state.read()["pay"]["merchants"][payer_mchid]
        sealed = pay_crypto.encrypt_resource(merchant["apiv3_key"], json.dumps(resource, ensure_ascii=False),
                                             original_type)
        return json.dumps({"id": str(uuid.uuid4()), "create_time": china_time(), "resource_type": "encrypt-resource",
                           "event_type": event_type, "summary": summary,
                           "resource": {"original_type": original_type, **sealed}}, ensure_ascii=False)

    def notify_paid(self, tx_key: str) -> dict:
        transaction = self.state.read()["pay"]["transactions"][tx_key]
        body = self._envelope(transaction["payer_mchid"], "TRANSACTION.SUCCESS", "transaction", "支付成功",
                              transaction_view(transaction))
        return self.send(transaction["notify_url"], body, "TRANSACTION.SUCCESS", transaction["out_trade_no"])

    def finish_refund_later(self, refund_key: str) -> None:
        self._later(float(self.config["PAY_REFUND_DELAY"]), self.finish_refund, refund_key)

    def finish_refund(self, refund_key: str) -> dict | None:
        fault = begin_call(self.state, "pay.refund_result", {"refund": refund_key})
        status = "ABNORMAL" if fault and fault.get("mode") == "abnormal" else "SUCCESS"
        with self.state.transaction() as data:
            refund = data["pay"]["refunds"][refund_key]
            if refund["status"] != "PROCESSING":
                return None
            refund["status"] = status
            if status == "SUCCESS":
                refund["success_time"] = china_time()
            else:  # the money stays with the merchant: the order may be refunded again
                data["pay"]["transactions"][refund["tx_key"]]["refunded"] -= refund["refund"]
            refund = dict(refund)
            payer_mchid = data["pay"]["transactions"][refund["tx_key"]]["payer_mchid"]
        if not refund["notify_url"]:
            return None
        resource = {"out_trade_no": refund["out_trade_no"], "transaction_id": refund["transaction_id"],
                    "out_refund_no": refund["out_refund_no"], "refund_id": refund["refund_id"],
                    "refund_status": status, "user_received_account": "支付用户零钱",
                    "amount": {"total": refund["total"], "refund": refund["refund"], "payer_total": refund["total"],
                               "payer_refund": refund["refund"]}}
        transaction = self.state.read()["pay"]["transactions"][refund["tx_key"]]
        if transaction["partner"]:
            resource.update({"sp_mchid": transaction["sp_mchid"], "sub_mchid": transaction["sub_mchid"]})
        else:
            resource["mchid"] = transaction["mchid"]
        if status == "SUCCESS":
            resource["success_time"] = refund["success_time"]
        body = self._envelope(payer_mchid, f"REFUND.{status}", "refund",
                              "退款成功" if status == "SUCCESS" else "退款异常", resource)
        return self.send(refund["notify_url"], body, f"REFUND.{status}", refund["out_refund_no"])

    # -- delivering -------------------------------------------------------------------------------

    def send(self, url: str, body: str, event_type: str, reference: str) -> dict:
        """Deliver now (or after an injected delay), retrying on failure; returns the log entry."""
        entry = {"id": secrets.token_hex(8), "url": url, "event_type": event_type, "reference": reference,
                 "attempts": [], "delivered": False, "lost": False, "at": now()}
        fault = begin_call(self.state, "pay.notify", {"event_type": event_type, "reference": reference})
        mode = (fault or {}).get("mode", "")
        entry["lost"] = mode == "lose"
        self._log(entry)
        if entry["lost"]:
            return entry
        copies = 2 if mode == "duplicate" else 1
        delay = (fault or {}).get("latency_ms", 0) / 1000
        if delay:
            self._later(delay, self._attempt, entry["id"], url, body, 0, copies)
        else:
            self._attempt(entry["id"], url, body, 0, copies)
        return self._entry(entry["id"]) or entry

    def _attempt(self, entry_id: str, url: str, body: str, attempt: int, copies: int = 1) -> None:
        delivered = False
        for _ in range(copies):
            delivered = self._post(entry_id, url, body) or delivered
        if not delivered and attempt < len(self.delays):
            self._later(self.delays[attempt], self._attempt, entry_id, url, body, attempt + 1)

    def _post(self, entry_id: str, url: str, body: str) -> bool:
        key = pay_key(self.state)
        headers = {**pay_crypto.signed_headers(key["private_pem"], key["id"], body),
                   "Content-Type": "application/json", "User-Agent": "Mozilla/4.0 (sandbox wechatpay)"}
        result: dict = {"at": now()}
        try:
            response = requests.post(url, data=body.encode(), headers=headers,
                                     timeout=self.config["PUSH_TIMEOUT"])
            result.update(status=response.status_code, reply=response.text[:500])
        except requests.RequestException as exc:
            result["error"] = f"{exc.__class__.__name__}: {exc}"
        delivered = result.get("status") in (200, 204)
        with self.state.transaction() as data:
            for entry in data["pay"]["notifications"]:
                if entry["id"] == entry_id:
                    entry["attempts"].append(result)
                    entry["delivered"] = entry["delivered"] or delivered
        return delivered

    def _log(self, entry: dict) -> None:
        with self.state.transaction() as data:
            data["pay"]["notifications"].append(entry)
            del data["pay"]["notifications"][:-MAX_NOTIFICATIONS]

    def _entry(self, entry_id: str) -> dict | None:
        return next((e for e in self.state.read()["pay"]["notifications"] if e["id"] == entry_id), None)

    def _later(self, delay: float, func, *args) -> None:
        timer = threading.Timer(delay, self._guarded, (func, *args))
        timer.daemon = True
        self._timers = [t for t in self._timers if t.is_alive()] + [timer]
        timer.start()

    @staticmethod
    def _guarded(func, *args) -> None:
        try:
            func(*args)
        except Exception:  # a timer thread must not die silently mid-schedule
            log.exception("sandbox WeChat Pay notification failed")

    def stop(self) -> None:
        for timer in self._timers:
            timer.cancel()


# --- the cashier -------------------------------------------------------------------------------------

def _transaction_by_prepay(prepay_id: str) -> dict | None:
    transactions = current_sandbox().state.read()["pay"]["transactions"].values()
    return next((t for t in transactions if t["prepay_id"] == prepay_id), None)


def _jsapi_problem(transaction: dict, params: dict) -> str | None:
    """Why WeChat would refuse these ``getBrandWCPayRequest`` parameters (None: accepted)."""
    if transaction["channel"] != "jsapi":
        return None
    if any(not params.get(name) for name in JSAPI_FIELDS):
        return "调起支付缺少参数（appId、timeStamp、nonceStr、package、signType、paySign）"
    appids = {transaction["appid"], transaction.get("sub_appid") or transaction["appid"]}
    if params["package"] != f"prepay_id={transaction['prepay_id']}" or params["appId"] not in appids:
        return "package 或 appId 与预支付交易单不一致"
    merchant = current_sandbox().state.read()["pay"]["merchants"][transaction["payer_mchid"]]
    message = pay_crypto.jsapi_message(params["appId"], params["timeStamp"], params["nonceStr"], params["package"])
    if params["signType"] != "RSA" or not pay_crypto.verify(merchant["public_key_pem"], message, params["paySign"]):
        return "支付验证签名失败（paySign）"
    return None


def _params() -> dict:
    if request.is_json:
        body = request.get_json(silent=True)
        return body if isinstance(body, dict) else {}
    return {**request.args.to_dict(), **request.form.to_dict()}


def _answer(message: str, status: int = 400):
    if request.is_json:
        return jsonify({"code": "FAIL", "message": message}), status
    return render_template("sandbox/error.html", message=message), status


@bp.get("/sandbox/pay/cashier")
def cashier():
    params = _params()
    transaction = _transaction_by_prepay(params.get("prepay_id", ""))
    if transaction is None:
        return _answer("预支付交易单不存在或已过期", 404)
    problem = _jsapi_problem(transaction, params)
    if problem:
        return _answer(problem)
    merchants = current_sandbox().state.read()["pay"]["merchants"]
    store = merchants.get(transaction["owner"], {}).get("name", transaction["owner"])
    carried = {name: params[name] for name in (*JSAPI_FIELDS, "redirect_url") if params.get(name)}
    return render_template("sandbox/cashier.html", transaction=transaction, store=store, carried=carried,
                           yuan=f"{transaction['total'] / 100:.2f}")


@bp.post("/sandbox/pay/cashier")
def cashier_action():
    params = _params()
    transaction = _transaction_by_prepay(params.get("prepay_id", ""))
    if transaction is None:
        return _answer("预支付交易单不存在或已过期", 404)
    problem = _jsapi_problem(transaction, params)
    if problem:
        return _answer(problem)
    action = params.get("action", "pay")
    notification = None
    if action == "pay":
        sandbox = current_sandbox()
        with sandbox.state.transaction() as data:
            live = data["pay"]["transactions"][transaction["key"]]
            if live["trade_state"] != "NOTPAY":
                return _answer("该订单已支付或已关闭", 409)
            live.update(trade_state="SUCCESS", transaction_id="42" + time.strftime("%Y%m%d") + secrets.token_hex(9),
                        success_time=china_time())
            transaction = dict(live)
        notification = sandbox.pay_notifier.notify_paid(transaction["key"])
    redirect_url = params.get("redirect_url", "")
    if request.is_json:
        return jsonify({"trade_state": transaction["trade_state"], "transaction_id": transaction["transaction_id"],
                        "out_trade_no": transaction["out_trade_no"], "notification": notification})
    if is_web_url(redirect_url):
        return redirect(redirect_url)
    return render_template("sandbox/cashier_done.html", transaction=transaction, paid=action == "pay")
