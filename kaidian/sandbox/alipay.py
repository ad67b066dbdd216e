"""The openapi.alipay.com side: an Alipay emulator (RSA2 keys; ``/gateway.do`` for page and WAP pay, query,
close and refund; the cashier; signed asynchronous notifications), for development and tests.

Written on ``cryptography`` alone, independent of the platform's client (``python-alipay-sdk``):
- a request is signed by the app over its parameters but ``sign``, sorted by name and joined as
  ``k=v&…`` (raw values), SHA256-with-RSA, base64;
- a synchronous answer is ``{"<method>_response": {…}, "sign": "…"}``, the sign over the exact JSON text
  of the ``…_response`` object, with Alipay's key;
- a notification is a form POST to ``notify_url`` signed over its fields but ``sign`` and ``sign_type``;
  the merchant answers the literal ``success`` (anything else is sent again on the shortened schedule).

Apps are registered with ``POST /sandbox/alipay/apps`` (a new app gets a key pair and Alipay's public key;
``app_public_key`` registers an app whose key pair the caller keeps, such as a platform's third-party app).
Faults: ``alipay.notify`` with ``mode=lose`` or ``mode=duplicate``.

Third-party app authorization (第三方应用授权): ``GET /oauth2/appToAppAuth.htm?app_id&redirect_uri&state`` is
the merchant's consent page; its button redirects to ``redirect_uri`` with ``app_id``, ``source``,
``app_auth_code`` (single-use, 24 hours) and ``state``. ``alipay.open.auth.token.app`` exchanges the code
(or a refresh token) for an ``app_auth_token`` (answer: ``tokens`` list). A gateway call carrying
``app_auth_token`` acts for the merchant's app (``auth_app_id``); an unknown or foreign token is answered
``20001 aop.invalid-app-auth-token``, an expired one ``20001 aop.app-auth-token-time-out``; its
notifications carry ``app_id`` (the third-party app) and ``auth_app_id`` (the merchant's).
``POST /sandbox/alipay/auth/expire {app_auth_token}`` expires a token.
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


def _new_app_id() -> str:
    return "2021" + "".join(secrets.choice("0123456789") for _ in range(12))


@bp.post("/sandbox/alipay/apps")
def register_app():
    body = request.get_json(force=True, silent=True) or {}
    app_id = str(body.get("app_id") or _new_app_id())
    private, public = (None, str(body["app_public_key"])) if body.get("app_public_key") else pay_crypto.new_key_pair()
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
    if params.get("app_auth_token"):
        grant = current_sandbox().state.read()["alipay"].get("auth_tokens", {}).get(params["app_auth_token"])
        if grant is None or grant["app_id"] != app["app_id"]:
            return _failure(method, "20001", "Insufficient Token Permissions", "aop.invalid-app-auth-token",
                            "无效的应用授权令牌")
        if grant["expires_at"] < time.time():
            return _failure(method, "20001", "Insufficient Token Permissions", "aop.app-auth-token-time-out",
                            "应用授权令牌已过期")
        app = {"app_id": grant["auth_app_id"], "name": grant["name"], "isv_app_id": app["app_id"]}
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
            trade = {"key": key, "app_id": app["app_id"], "isv_app_id": app.get("isv_app_id", ""),
                     "out_trade_no": biz["out_trade_no"],
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


def _auth_token(app, params, biz):
    """``alipay.open.auth.token.app``: an ``app_auth_code`` (single-use) or a refresh token → the merchant's
    ``app_auth_token`` for this third-party app."""
    method = params["method"]
    with current_sandbox().state.transaction() as data:
        store = data["alipay"]
        codes, tokens = store.setdefault("auth_codes", {}), store.setdefault("auth_tokens", {})
        if biz.get("grant_type") == "authorization_code":
            grant = codes.pop(str(biz.get("code", "")), None)
            if grant is None or grant["app_id"] != app["app_id"] or grant["expires_at"] < time.time():
                return _failure(method, "40002", "Invalid Arguments", "isv.code-invalid", "授权码code无效")
        elif biz.get("grant_type") == "refresh_token":
            old = next((t for t, v in tokens.items() if v["refresh_token"] == str(biz.get("refresh_token", ""))
                        and v["app_id"] == app["app_id"]), None)
            if old is None:
                return _failure(method, "40002", "Invalid Arguments", "isv.refresh-token-invalid", "刷新令牌无效")
            grant = tokens.pop(old)
        else:
            return _failure(method, "40002", "Invalid Arguments", "isv.invalid-grant-type", "grant_type 不合法")
        token = time.strftime("%Y%m") + "BB" + secrets.token_hex(16)
        tokens[token] = {"app_id": app["app_id"], "auth_app_id": grant["auth_app_id"], "user_id": grant["user_id"],
                         "name": grant["name"], "refresh_token": time.strftime("%Y%m") + "BB" + secrets.token_hex(16),
                         "expires_at": time.time() + TOKEN_SECONDS}
        issued = dict(tokens[token])
    item = {"app_auth_token": token, "app_refresh_token": issued["refresh_token"],
            "auth_app_id": issued["auth_app_id"], "expires_in": TOKEN_SECONDS, "re_expires_in": TOKEN_SECONDS + 86400,
            "user_id": issued["user_id"]}
    return _signed_answer(method, {"code": "10000", "msg": "Success", "tokens": [item]})


TOKEN_SECONDS = 365 * 86400
METHODS = {"alipay.trade.wap.pay": _page_pay, "alipay.trade.page.pay": _page_pay, "alipay.trade.query": _query,
           "alipay.trade.close": _close, "alipay.trade.refund": _refund, "alipay.open.auth.token.app": _auth_token}


@bp.get("/oauth2/appToAppAuth.htm")
def app_to_app_auth():
    """The merchant's consent page: authorize the third-party app ``app_id`` to act for its Alipay app."""
    app = current_sandbox().state.read()["alipay"]["apps"].get(request.args.get("app_id", ""))
    redirect_uri = request.args.get("redirect_uri", "")
    if app is None:
        return render_template("sandbox/error.html", message="无效的 app_id"), 400
    if not is_web_url(redirect_uri):
        return render_template("sandbox/error.html", message="redirect_uri 不合法"), 400
    return render_template("sandbox/alipay_auth.html", app=app, redirect_uri=redirect_uri,
                           state=request.args.get("state", ""))


@bp.post("/oauth2/appToAppAuth.htm")
def app_to_app_consent():
    """The merchant pressed 确认授权: a code for its app (``merchant_app_id``, or a new one) and back."""
    form = request.form.to_dict()
    app_id, redirect_uri = form.get("app_id", ""), form.get("redirect_uri", "")
    if not is_web_url(redirect_uri):
        return render_template("sandbox/error.html", message="redirect_uri 不合法"), 400
    code = secrets.token_hex(16)
    with current_sandbox().state.transaction() as data:
        if app_id not in data["alipay"]["apps"]:
            return render_template("sandbox/error.html", message="无效的 app_id"), 400
        merchant_app = form.get("merchant_app_id") or _new_app_id()
        data["alipay"].setdefault("auth_codes", {})[code] = {
            "app_id": app_id, "auth_app_id": merchant_app, "user_id": "2088" + merchant_app[-12:],
            "name": form.get("merchant_name") or f"沙箱商家{merchant_app[-4:]}", "expires_at": time.time() + 86400}
    return redirect(add_query(redirect_uri, app_id=app_id, source="alipay_app_auth", app_auth_code=code,
                              state=form.get("state", "")))


@bp.post("/sandbox/alipay/auth/expire")
def expire_auth_token():
    body = request.get_json(force=True, silent=True) or {}
    with current_sandbox().state.transaction() as data:
        grant = data["alipay"].setdefault("auth_tokens", {}).get(str(body.get("app_auth_token", "")))
        if grant is None:
            return jsonify({"code": "FAIL", "message": "no such token"}), 404
        grant["expires_at"] = time.time() - 1
    return jsonify({"ok": True})


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
              "notify_id": secrets.token_hex(16), "app_id": trade.get("isv_app_id") or trade["app_id"],
              "auth_app_id": trade["app_id"], "charset": "utf-8", "version": "1.0",
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
