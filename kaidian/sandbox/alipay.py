"""The openapi.alipay.com side: an Alipay emulator (RSA2 keys; ``/gateway.do`` for page and WAP pay, query,
close and refund; the cashier; signed asynchronous notifications), for development and tests.

Written on ``cryptography`` alone, independent of the platform's client (``python-alipay-sdk``):
- a request is signed by the app over its parameters but ``sign``, sorted by name and joined as
  ``k=v&…`` (raw values), SHA256-with-RSA, base64;
- a synchronous answer is ``{"<method>_response": {…}, "sign": "…"}``, the sign over the exact JSON text
  of the ``…_response`` object, with Alipay's key;
- a notification is a form POST to ``notify_url`` signed over its fields but ``sign`` and ``sign_type``;
  the merchant answers the literal ``success`` (anything else is sent again on the shortened schedule).

Apps are registered with ``POST /sandbox/alipay/apps`` (a new app gets a key pair and Alipay's public key).
Faults: ``alipay.notify`` with ``mode=lose`` or ``mode=duplicate``.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
import time
from decimal import Decimal, InvalidOperation

import requests
from flask import Blueprint, Response, g, jsonify, redirect, render_template, request

from kaidian.sandbox import pay_crypto
from kaidian.sandbox.faults import begin_call
from kaidian.sandbox.pusher import retry_delays
from kaidian.sandbox.runtime import current_sandbox
from kaidian.sandbox.urls import add_query, is_web_url

log = logging.getLogger(__name__)
bp = Blueprint("sandbox_alipay", __name__, template_folder="templates")

PAGE_METHODS = ("alipay.trade.wap.pay", "alipay.trade.page.pay")


def alipay_key(state) -> dict:
    with state.transaction() as data:
        if data["alipay"]["key"] is None:
            private, public = pay_crypto.new_key_pair()
            data["alipay"]["key"] = {"private_pem": private, "public_pem": public}
        return dict(data["alipay"]["key"])


def _signing_string(params: dict, drop: tuple[str, ...]) -> str:
    return "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k not in drop and v != "")


def _yuan(value) -> int | None:
    """``"12.34"`` → 1234 fen; None when it is not a positive amount with at most 2 decimals."""
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return None
    if amount <= 0 or amount.as_tuple().exponent < -2:
        return None
    return int(amount * 100)


def _fen_text(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def _signed_answer(method: str, payload: dict) -> Response:
    key = g.alipay_key  # loaded before any state transaction (the state's file lock is not reentrant)
    inner = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    sign = pay_crypto.sign(key["private_pem"], inner)
    body = "{" + f'"{method.replace(".", "_")}_response":{inner},"sign":"{sign}"' + "}"
    return Response(body, content_type="application/json; charset=utf-8")


def _failure(method: str, code: str, msg: str, sub_code: str, sub_msg: str) -> Response:
    return _signed_answer(method, {"code": code, "msg": msg, "sub_code": sub_code, "sub_msg": sub_msg})


def _business(method: str, sub_code: str, sub_msg: str) -> Response:
    return _failure(method, "40004", "Business Failed", sub_code, sub_msg)


@bp.post("/sandbox/alipay/apps")
def register_app():
    body = request.get_json(force=True, silent=True) or {}
    app_id = str(body.get("app_id") or "2021" + "".join(secrets.choice("0123456789") for _ in range(12)))
    private, public = pay_crypto.new_key_pair()
    key = alipay_key(current_sandbox().state)
    with current_sandbox().state.transaction() as data:
        data["alipay"]["apps"][app_id] = {"app_id": app_id, "name": str(body.get("name") or f"沙箱应用{app_id[-4:]}"),
                                          "public_key_pem": public}
    return jsonify({"app_id": app_id, "app_private_key": private, "alipay_public_key": key["public_pem"]})


@bp.route("/gateway.do", methods=["GET", "POST"])
def gateway():
    params = {**request.args.to_dict(), **request.form.to_dict()}
    method = params.get("method", "")
    g.alipay_key = alipay_key(current_sandbox().state)
    fault = begin_call(current_sandbox().state, f"alipay.{method.removeprefix('alipay.')}", {"method": method})
    if fault and fault.get("latency_ms"):
        time.sleep(fault["latency_ms"] / 1000)
    app = current_sandbox().state.read()["alipay"]["apps"].get(params.get("app_id", ""))
    if app is None:
        return _failure(method, "40002", "Invalid Arguments", "isv.invalid-app-id", "无效的AppID参数")
    if params.get("sign_type") != "RSA2" or not pay_crypto.verify(
            app["public_key_pem"], _signing_string(params, ("sign",)), params.get("sign", "")):
        return _failure(method, "40002", "Invalid Arguments", "isv.invalid-signature", "验签出错")
    try:
        biz = json.loads(params.get("biz_content") or "{}")
    except ValueError:
        return _failure(method, "40002", "Invalid Arguments", "isv.invalid-biz-content", "biz_content 格式错误")
    handler = METHODS.get(method)
    if handler is None:
        return _business(method, "isv.invalid-method", "不存在的方法名")
    return handler(app, params, biz)


def _trade_key(app_id: str, out_trade_no: str) -> str:
    return f"{app_id}:{out_trade_no}"


def _page_pay(app: dict, params: dict, biz: dict):
    total = _yuan(biz.get("total_amount"))
    if not biz.get("out_trade_no") or not biz.get("subject") or total is None:
        return render_template("sandbox/error.html", message="缺少 out_trade_no、subject 或 total_amount"), 400
    key = _trade_key(app["app_id"], biz["out_trade_no"])
    with current_sandbox().state.transaction() as data:
        trade = data["alipay"]["trades"].get(key)
        if trade is None:
            trade = {"key": key, "app_id": app["app_id"], "out_trade_no": biz["out_trade_no"],
                     "subject": biz["subject"], "total": total, "status": "WAIT_BUYER_PAY", "trade_no": "",
                     "refunded": 0, "refunds": {},
                     "notify_url": params.get("notify_url", ""), "return_url": params.get("return_url", ""),
                     "token": secrets.token_urlsafe(16)}
            data["alipay"]["trades"][key] = trade
        elif trade["total"] != total:
            return render_template("sandbox/error.html", message="交易信息被篡改"), 400
        trade = dict(trade)
    if trade["status"] != "WAIT_BUYER_PAY":
        return render_template("sandbox/error.html", message="交易已支付或已关闭"), 409
    return render_template("sandbox/alipay_cashier.html", trade=trade, store=app["name"], yuan=_fen_text(total))


def _find(app: dict, biz: dict) -> dict | None:
    trades = current_sandbox().state.read()["alipay"]["trades"]
    return trades.get(_trade_key(app["app_id"], str(biz.get("out_trade_no", ""))))


def _query(app, params, biz):
    trade = _find(app, biz)
    if trade is None:
        return _business(params["method"], "ACQ.TRADE_NOT_EXIST", "交易不存在")
    return _signed_answer(params["method"], {
        "code": "10000", "msg": "Success", "out_trade_no": trade["out_trade_no"], "trade_no": trade["trade_no"],
        "trade_status": trade["status"], "total_amount": _fen_text(trade["total"]),
        "buyer_logon_id": "san***@sandbox.com"})


def _close(app, params, biz):
    with current_sandbox().state.transaction() as data:
        trade = data["alipay"]["trades"].get(_trade_key(app["app_id"], str(biz.get("out_trade_no", ""))))
        if trade is None:
            return _business(params["method"], "ACQ.TRADE_NOT_EXIST", "交易不存在")
        if trade["status"] != "WAIT_BUYER_PAY":
            return _business(params["method"], "ACQ.TRADE_STATUS_ERROR", "交易状态不合法")
        trade["status"] = "TRADE_CLOSED"
    return _signed_answer(params["method"], {"code": "10000", "msg": "Success", "out_trade_no": trade["out_trade_no"]})


def _refund(app, params, biz):
    amount = _yuan(biz.get("refund_amount"))
    request_no = str(biz.get("out_request_no") or biz.get("out_trade_no", ""))
    with current_sandbox().state.transaction() as data:
        trade = data["alipay"]["trades"].get(_trade_key(app["app_id"], str(biz.get("out_trade_no", ""))))
        if trade is None:
            return _business(params["method"], "ACQ.TRADE_NOT_EXIST", "交易不存在")
        if amount is None:
            return _failure(params["method"], "40002", "Invalid Arguments", "isv.invalid-refund-amount",
                            "退款金额不合法")
        if request_no not in trade["refunds"]:
            if trade["status"] not in ("TRADE_SUCCESS",):
                return _business(params["method"], "ACQ.TRADE_STATUS_ERROR", "交易状态不合法")
            if trade["refunded"] + amount > trade["total"]:
                return _business(params["method"], "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", "退款金额超限")
            trade["refunded"] += amount
            trade["refunds"][request_no] = amount
        trade = dict(trade)
    return _signed_answer(params["method"], {
        "code": "10000", "msg": "Success", "out_trade_no": trade["out_trade_no"], "trade_no": trade["trade_no"],
        "fund_change": "Y", "refund_fee": _fen_text(trade["refunded"]), "buyer_logon_id": "san***@sandbox.com"})


METHODS = {"alipay.trade.wap.pay": _page_pay, "alipay.trade.page.pay": _page_pay, "alipay.trade.query": _query,
           "alipay.trade.close": _close, "alipay.trade.refund": _refund}


@bp.post("/sandbox/alipay/cashier")
def cashier_action():
    params = request.get_json(silent=True) if request.is_json else request.form.to_dict()
    params = params if isinstance(params, dict) else {}
    with current_sandbox().state.transaction() as data:
        trade = next((t for t in data["alipay"]["trades"].values() if t["token"] == params.get("token")), None)
        if trade is None or trade["status"] != "WAIT_BUYER_PAY":
            return jsonify({"code": "FAIL", "message": "交易不存在或已处理"}), 409
        if params.get("action", "pay") == "pay":
            trade.update(status="TRADE_SUCCESS", trade_no=time.strftime("%Y%m%d") + "2200" + secrets.token_hex(7))
        trade = dict(trade)
    delivered = None
    if trade["status"] == "TRADE_SUCCESS" and trade["notify_url"]:
        delivered = send_notification(trade)
    if request.is_json:
        return jsonify({"trade_status": trade["status"], "trade_no": trade["trade_no"], "delivered": delivered})
    if is_web_url(trade["return_url"]):
        return redirect(add_query(trade["return_url"], out_trade_no=trade["out_trade_no"]))
    return render_template("sandbox/cashier_done.html", transaction=trade, paid=trade["status"] == "TRADE_SUCCESS")


def send_notification(trade: dict) -> bool | None:
    """POST the signed ``trade_status_sync`` notification (retried until ``success``); None when lost."""
    sandbox = current_sandbox()
    fault = begin_call(sandbox.state, "alipay.notify", {"out_trade_no": trade["out_trade_no"]})
    mode = (fault or {}).get("mode", "")
    if mode == "lose":
        return None
    fields = {"notify_time": time.strftime("%Y-%m-%d %H:%M:%S"), "notify_type": "trade_status_sync",
              "notify_id": secrets.token_hex(16), "app_id": trade["app_id"], "charset": "utf-8", "version": "1.0",
              "trade_no": trade["trade_no"], "out_trade_no": trade["out_trade_no"], "trade_status": trade["status"],
              "total_amount": _fen_text(trade["total"]), "receipt_amount": _fen_text(trade["total"]),
              "subject": trade["subject"], "gmt_payment": time.strftime("%Y-%m-%d %H:%M:%S")}
    key = alipay_key(sandbox.state)
    fields["sign"] = pay_crypto.sign(key["private_pem"], _signing_string(fields, ("sign", "sign_type")))
    fields["sign_type"] = "RSA2"
    delays = retry_delays(sandbox.config["PAY_NOTIFY_RETRY_DELAYS"])
    timeout = sandbox.config["PUSH_TIMEOUT"]
    delivered = False
    for _ in range(2 if mode == "duplicate" else 1):
        delivered = _post(trade["notify_url"], fields, timeout) or delivered
    if not delivered:
        _retry(trade["notify_url"], fields, timeout, delays, 0)
    return delivered


def _post(url: str, fields: dict, timeout: float) -> bool:
    try:
        response = requests.post(url, data=fields, timeout=timeout)
    except requests.RequestException as exc:
        log.warning("sandbox Alipay notification to %s failed: %s", url, exc)
        return False
    return response.text.strip() == "success"


def _retry(url: str, fields: dict, timeout: float, delays: list[float], attempt: int) -> None:
    if attempt >= len(delays):
        return

    def again():
        if not _post(url, fields, timeout):
            _retry(url, fields, timeout, delays, attempt + 1)

    timer = threading.Timer(delays[attempt], again)
    timer.daemon = True
    timer.start()
