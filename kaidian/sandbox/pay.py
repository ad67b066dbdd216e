"""The api.mch.weixin.qq.com side: a WeChat Pay API v3 emulator.

WeChat Pay's own key pair is made on first use and published as a "WeChat Pay public key" with an id
``PUB_KEY_ID_…`` (``GET /sandbox/pay/public_key``). Merchants are registered in the sandbox's state
(``POST /sandbox/pay/merchants``: a new one gets a key pair, an APIv3 key and a certificate serial,
as the merchant platform hands them out; a sub-merchant names its service provider ``sp_mchid``).
Every API call's ``Authorization`` is verified like WeChat Pay does (mchid known, serial of the
merchant's key, timestamp within 5 minutes, SHA256-with-RSA over the request) and every answer is signed
with WeChat Pay's key (``Wechatpay-*`` headers), errors included.

Endpoints: ``/v3/pay/transactions/{jsapi,native,h5}`` and the partner ``/v3/pay/partner/transactions/…``,
query and close by out_trade_no, ``/v3/refund/domestic/refunds`` (+ query). Payment happens on the
cashier page (``pay_notify.py``), which sends the notification to ``notify_url``.
"""

from __future__ import annotations

import functools
import json
import secrets
import time
from datetime import UTC, datetime, timedelta, timezone

from flask import Blueprint, Response, jsonify, request

from kaidian.sandbox import pay_crypto
from kaidian.sandbox.faults import begin_call
from kaidian.sandbox.runtime import current_sandbox
from kaidian.sandbox.urls import add_query, is_web_url

bp = Blueprint("sandbox_pay", __name__)

CHANNELS = {"jsapi": "JSAPI", "native": "NATIVE", "h5": "MWEB"}
CHINA = timezone(timedelta(hours=8))


class PayError(Exception):
    """A WeChat Pay error answer: HTTP ``status`` with ``{"code", "message"}``."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def china_time(at: float | None = None) -> str:
    """WeChat Pay's time format: RFC 3339 in China time, e.g. ``2026-11-30T23:00:00+08:00``."""
    return datetime.fromtimestamp(at if at is not None else time.time(), UTC).astimezone(CHINA).isoformat(
        timespec="seconds")


# --- WeChat Pay's key and the merchants -------------------------------------------------------------

def pay_key(state) -> dict:
    """WeChat Pay's signing key ``{id, private_pem, public_pem}``, made the first time it is needed."""
    with state.transaction() as data:
        key = data["pay"]["key"]
        if key is None:
            private, public = pay_crypto.new_key_pair()
            key = {"id": "PUB_KEY_ID_" + secrets.token_hex(16).upper(), "private_pem": private,
                   "public_pem": public}
            data["pay"]["key"] = key
        return dict(key)


def register_merchant(state, params: dict) -> dict:
    """Register a merchant (or a sub-merchant of ``sp_mchid``); returns what its owner must configure."""
    mchid = str(params.get("mchid") or "1" + "".join(secrets.choice("0123456789") for _ in range(9)))
    if not mchid.isdigit():
        raise PayError(400, "PARAM_ERROR", "mchid must be digits")
    merchant = {"mchid": mchid, "name": str(params.get("name") or f"沙箱商户{mchid[-4:]}"),
                "sp_mchid": str(params.get("sp_mchid") or ""), "apiv3_key": "", "serial_no": "",
                "public_key_pem": ""}
    answer = {"mchid": mchid, "name": merchant["name"], "sp_mchid": merchant["sp_mchid"]}
    if not merchant["sp_mchid"]:  # a merchant that calls the API itself has keys
        private = params.get("private_key")
        public = params.get("public_key")
        if not public:
            private, public = pay_crypto.new_key_pair()
        merchant["public_key_pem"] = public
        merchant["serial_no"] = str(params.get("serial_no") or secrets.token_hex(20).upper())
        merchant["apiv3_key"] = str(params.get("apiv3_key") or pay_crypto.nonce(32))
        if len(merchant["apiv3_key"].encode()) != 32:
            raise PayError(400, "PARAM_ERROR", "apiv3_key must be 32 bytes")
        key = pay_key(state)
        answer.update({"serial_no": merchant["serial_no"], "apiv3_key": merchant["apiv3_key"],
                       "private_key": private, "wechatpay_public_key": key["public_pem"],
                       "wechatpay_public_key_id": key["id"]})
    with state.transaction() as data:
        if merchant["sp_mchid"] and merchant["sp_mchid"] not in data["pay"]["merchants"]:
            raise PayError(400, "PARAM_ERROR", "unknown sp_mchid")
        data["pay"]["merchants"][mchid] = merchant
    return answer


# --- signed answers and authenticated calls -------------------------------------------------------------

def signed_response(payload: dict | None, status: int = 200) -> Response:
    body = "" if payload is None else json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    key = pay_key(current_sandbox().state)
    headers = pay_crypto.signed_headers(key["private_pem"], key["id"], body)
    headers["Request-ID"] = secrets.token_hex(16)
    return Response(body, status=status, headers=headers, content_type="application/json; charset=utf-8")


def _authenticate() -> dict:
    """The merchant whose signature is on this request, or a 401 SIGN_ERROR as WeChat Pay answers."""
    fields = pay_crypto.parse_authorization(request.headers.get("Authorization", ""))
    if fields is None:
        raise PayError(401, "SIGN_ERROR", "Authorization 头缺失或格式错误")
    merchant = current_sandbox().state.read()["pay"]["merchants"].get(fields["mchid"])
    if merchant is None or not merchant["public_key_pem"]:
        raise PayError(401, "SIGN_ERROR", f"商户号 {fields['mchid']} 不存在或未开通 API v3")
    if fields["serial_no"] != merchant["serial_no"]:
        raise PayError(401, "SIGN_ERROR", "商户证书序列号与商户号不匹配")
    try:
        skew = abs(time.time() - int(fields["timestamp"]))
    except ValueError:
        raise PayError(401, "SIGN_ERROR", "timestamp 格式错误") from None
    if skew > pay_crypto.REQUEST_SKEW_SECONDS:
        raise PayError(401, "SIGN_ERROR", "请求时间戳已过期")
    query = request.query_string.decode()
    target = request.path + (f"?{query}" if query else "")
    message = pay_crypto.request_message(request.method, target, fields["timestamp"], fields["nonce_str"],
                                         request.get_data(as_text=True))
    if not pay_crypto.verify(merchant["public_key_pem"], message, fields["signature"]):
        raise PayError(401, "SIGN_ERROR", "签名错误")
    return merchant


def pay_endpoint(name: str):
    """Count the call, apply an injected fault, authenticate, and sign the answer (``(payload, status)``)."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            fault = begin_call(current_sandbox().state, name, {**request.args.to_dict(), "path": request.path})
            if fault:
                if fault.get("latency_ms"):
                    time.sleep(fault["latency_ms"] / 1000)
                if fault.get("http_status", 200) >= 400:
                    return signed_response({"code": fault.get("errmsg") or "SYSTEM_ERROR",
                                            "message": "系统错误（沙箱注入）"}, fault["http_status"])
            try:
                merchant = _authenticate()
                payload, status = view(merchant, *args, **kwargs)
            except PayError as error:
                return signed_response({"code": error.code, "message": error.message}, error.status)
            return signed_response(payload, status)

        return wrapper

    return decorate


def _body() -> dict:
    try:
        body = json.loads(request.get_data(as_text=True) or "{}")
    except ValueError:
        raise PayError(400, "PARAM_ERROR", "请求体不是合法的 JSON") from None
    if not isinstance(body, dict):
        raise PayError(400, "PARAM_ERROR", "请求体不是 JSON 对象")
    return body


def _owner(merchant: dict, partner: bool, sp_mchid: str, sub_mchid: str, mchid: str) -> str:
    """The merchant number a transaction belongs to (the sub-merchant in partner mode), after checking
    that the caller may act for it."""
    if not partner:
        if mchid != merchant["mchid"]:
            raise PayError(400, "INVALID_REQUEST", "mchid 与请求方商户号不一致")
        return mchid
    if sp_mchid != merchant["mchid"]:
        raise PayError(400, "INVALID_REQUEST", "sp_mchid 与请求方商户号不一致")
    sub = current_sandbox().state.read()["pay"]["merchants"].get(sub_mchid)
    if sub is None or sub["sp_mchid"] != sp_mchid:
        raise PayError(400, "INVALID_REQUEST", "sub_mchid 与 sp_mchid 不存在受理关系")
    return sub_mchid


def _tx_key(owner: str, out_trade_no: str) -> str:
    return f"{owner}:{out_trade_no}"


# --- orders ------------------------------------------------------------------------------------------

def _new_order(merchant: dict, channel: str, partner: bool) -> dict:
    body = _body()
    required = ["description", "out_trade_no", "notify_url", "amount"]
    required += ["sp_appid", "sp_mchid", "sub_mchid"] if partner else ["appid", "mchid"]
    missing = [name for name in required if not body.get(name)]
    if missing:
        raise PayError(400, "PARAM_ERROR", f"缺少参数 {', '.join(missing)}")
    owner = _owner(merchant, partner, str(body.get("sp_mchid", "")), str(body.get("sub_mchid", "")),
                   str(body.get("mchid", "")))
    amount = body["amount"]
    total = amount.get("total") if isinstance(amount, dict) else None
    if not isinstance(total, int) or isinstance(total, bool) or total <= 0:
        raise PayError(400, "PARAM_ERROR", "amount.total 必须为正整数（分）")
    if not is_web_url(body["notify_url"]):
        raise PayError(400, "PARAM_ERROR", "notify_url 格式错误")
    payer = body.get("payer") or {}
    openid = payer.get("openid") or payer.get("sp_openid") or payer.get("sub_openid") or ""
    if channel == "jsapi" and not openid:
        raise PayError(400, "PARAM_ERROR", "JSAPI 下单需要 payer.openid")
    if channel == "h5" and not (body.get("scene_info") or {}).get("payer_client_ip"):
        raise PayError(400, "PARAM_ERROR", "H5 下单需要 scene_info.payer_client_ip")
    return {"body": body, "owner": owner, "total": total, "openid": openid}


def create_transaction(merchant: dict, channel: str, partner: bool) -> dict:
    order = _new_order(merchant, channel, partner)
    body, owner = order["body"], order["owner"]
    base = current_sandbox().config["PUBLIC_BASE"]
    with current_sandbox().state.transaction() as data:
        key = _tx_key(owner, body["out_trade_no"])
        existing = data["pay"]["transactions"].get(key)
        if existing is not None and existing["trade_state"] != "NOTPAY":
            raise PayError(400, "ORDERPAID" if existing["trade_state"] == "SUCCESS" else "ORDER_CLOSED",
                           "该订单已支付" if existing["trade_state"] == "SUCCESS" else "订单已关闭")
        if existing is not None and existing["total"] != order["total"]:
            raise PayError(400, "INVALID_REQUEST", "同一 out_trade_no 的金额与原订单不一致")
        transaction = existing or {
            "key": key, "partner": partner, "owner": owner, "payer_mchid": merchant["mchid"],
            "appid": body.get("appid") or body.get("sp_appid"), "sub_appid": body.get("sub_appid", ""),
            "mchid": body.get("mchid", ""), "sp_mchid": body.get("sp_mchid", ""),
            "sub_mchid": body.get("sub_mchid", ""), "out_trade_no": body["out_trade_no"],
            "description": body["description"], "total": order["total"], "channel": channel,
            "trade_type": CHANNELS[channel], "notify_url": body["notify_url"], "openid": order["openid"],
            "prepay_id": "wx" + secrets.token_hex(16), "trade_state": "NOTPAY", "transaction_id": "",
            "success_time": "", "created_at": time.time(), "refunded": 0, "attach": body.get("attach", ""),
        }
        data["pay"]["transactions"][key] = transaction
    cashier = add_query(f"{base}/sandbox/pay/cashier", prepay_id=transaction["prepay_id"])
    if channel == "jsapi":
        return {"prepay_id": transaction["prepay_id"]}
    if channel == "native":
        return {"code_url": cashier}  # WeChat: weixin://wxpay/bizpayurl?pr=…, opened by scanning
    return {"h5_url": cashier}


for _channel in CHANNELS:
    for _partner in (False, True):
        _path = f"/v3/pay/{'partner/' if _partner else ''}transactions/{_channel}"

        def _view(merchant, channel=_channel, partner=_partner):
            return create_transaction(merchant, channel, partner), 200

        bp.add_url_rule(_path, f"prepay_{'sp_' if _partner else ''}{_channel}",
                        pay_endpoint(f"pay.{_channel}")(_view), methods=["POST"])


def transaction_view(transaction: dict) -> dict:
    """The transaction as the query API and the notification show it."""
    view = {"out_trade_no": transaction["out_trade_no"], "trade_type": transaction["trade_type"],
            "trade_state": transaction["trade_state"], "trade_state_desc": TRADE_STATE_DESC[transaction["trade_state"]],
            "attach": transaction.get("attach", ""),
            "amount": {"total": transaction["total"], "currency": "CNY"}}
    if transaction["partner"]:
        view.update({"sp_appid": transaction["appid"], "sp_mchid": transaction["sp_mchid"],
                     "sub_mchid": transaction["sub_mchid"]})
        if transaction["sub_appid"]:
            view["sub_appid"] = transaction["sub_appid"]
    else:
        view.update({"appid": transaction["appid"], "mchid": transaction["mchid"]})
    if transaction["trade_state"] in ("SUCCESS", "REFUND"):
        view.update({"transaction_id": transaction["transaction_id"], "bank_type": "OTHERS",
                     "success_time": transaction["success_time"]})
        view["amount"].update({"payer_total": transaction["total"], "payer_currency": "CNY"})
        payer_field = "sp_openid" if transaction["partner"] else "openid"
        view["payer"] = {payer_field: transaction["openid"] or "oSandboxPayer000000000000000"}
    return view


TRADE_STATE_DESC = {"NOTPAY": "未支付", "SUCCESS": "支付成功", "CLOSED": "已关闭", "REFUND": "转入退款",
                    "PAYERROR": "支付失败"}


def _find(owner: str, out_trade_no: str) -> dict:
    transaction = current_sandbox().state.read()["pay"]["transactions"].get(_tx_key(owner, out_trade_no))
    if transaction is None:
        raise PayError(404, "ORDER_NOT_EXIST", "订单不存在")
    return transaction


@bp.get("/v3/pay/transactions/out-trade-no/<out_trade_no>")
@pay_endpoint("pay.query")
def query(merchant, out_trade_no):
    owner = _owner(merchant, False, "", "", request.args.get("mchid", ""))
    return transaction_view(_find(owner, out_trade_no)), 200


@bp.get("/v3/pay/partner/transactions/out-trade-no/<out_trade_no>")
@pay_endpoint("pay.query")
def query_partner(merchant, out_trade_no):
    owner = _owner(merchant, True, request.args.get("sp_mchid", ""), request.args.get("sub_mchid", ""), "")
    return transaction_view(_find(owner, out_trade_no)), 200


def _close(owner: str, out_trade_no: str):
    with current_sandbox().state.transaction() as data:
        transaction = data["pay"]["transactions"].get(_tx_key(owner, out_trade_no))
        if transaction is None:
            raise PayError(404, "ORDER_NOT_EXIST", "订单不存在")
        if transaction["trade_state"] in ("SUCCESS", "REFUND"):
            raise PayError(400, "ORDERPAID", "订单已支付，不能关闭")
        transaction["trade_state"] = "CLOSED"
    return None, 204


@bp.post("/v3/pay/transactions/out-trade-no/<out_trade_no>/close")
@pay_endpoint("pay.close")
def close(merchant, out_trade_no):
    return _close(_owner(merchant, False, "", "", str(_body().get("mchid", ""))), out_trade_no)


@bp.post("/v3/pay/partner/transactions/out-trade-no/<out_trade_no>/close")
@pay_endpoint("pay.close")
def close_partner(merchant, out_trade_no):
    body = _body()
    return _close(_owner(merchant, True, str(body.get("sp_mchid", "")), str(body.get("sub_mchid", "")), ""),
                  out_trade_no)


# --- refunds -----------------------------------------------------------------------------------------

def refund_view(refund: dict) -> dict:
    view = {"refund_id": refund["refund_id"], "out_refund_no": refund["out_refund_no"],
            "transaction_id": refund["transaction_id"], "out_trade_no": refund["out_trade_no"],
            "channel": "ORIGINAL", "user_received_account": "支付用户零钱", "create_time": refund["create_time"],
            "status": refund["status"], "funds_account": "AVAILABLE",
            "amount": {"total": refund["total"], "refund": refund["refund"], "payer_total": refund["total"],
                       "payer_refund": refund["refund"], "currency": "CNY"}}
    if refund.get("success_time"):
        view["success_time"] = refund["success_time"]
    return view


@bp.post("/v3/refund/domestic/refunds")
@pay_endpoint("pay.refund")
def create_refund(merchant):
    body = _body()
    partner = bool(body.get("sub_mchid"))
    owner = (_owner(merchant, True, merchant["mchid"], str(body["sub_mchid"]), "") if partner
             else merchant["mchid"])
    amount = body.get("amount") if isinstance(body.get("amount"), dict) else {}
    refund_fen, total = amount.get("refund"), amount.get("total")
    if not body.get("out_refund_no") or not isinstance(refund_fen, int) or refund_fen <= 0:
        raise PayError(400, "PARAM_ERROR", "缺少 out_refund_no 或 amount.refund")
    with current_sandbox().state.transaction() as data:
        refunds = data["pay"]["refunds"]
        refund_key = _tx_key(owner, body["out_refund_no"])
        if refund_key in refunds:  # the same out_refund_no is the same refund
            return refund_view(refunds[refund_key]), 200
        transaction = data["pay"]["transactions"].get(_tx_key(owner, str(body.get("out_trade_no", ""))))
        if transaction is None:
            transaction = next((t for t in data["pay"]["transactions"].values()
                                if t["owner"] == owner and t["transaction_id"]
                                and t["transaction_id"] == body.get("transaction_id")), None)
        if transaction is None:
            raise PayError(404, "RESOURCE_NOT_EXISTS", "订单不存在")
        if transaction["trade_state"] not in ("SUCCESS", "REFUND"):
            raise PayError(403, "NOT_ENOUGH", "订单未支付，不能退款")
        if total != transaction["total"]:
            raise PayError(400, "PARAM_ERROR", "amount.total 与原订单金额不一致")
        if transaction["refunded"] + refund_fen > transaction["total"]:
            raise PayError(403, "NOT_ENOUGH", "退款金额超过订单可退金额")
        transaction["refunded"] += refund_fen
        transaction["trade_state"] = "REFUND"
        refund = {"key": refund_key, "owner": owner, "partner": transaction["partner"],
                  "refund_id": "50" + secrets.token_hex(14), "out_refund_no": body["out_refund_no"],
                  "transaction_id": transaction["transaction_id"], "out_trade_no": transaction["out_trade_no"],
                  "tx_key": transaction["key"], "total": transaction["total"], "refund": refund_fen,
                  "reason": body.get("reason", ""), "notify_url": body.get("notify_url", ""),
                  "status": "PROCESSING", "create_time": china_time(), "success_time": ""}
        refunds[refund_key] = refund
    current_sandbox().pay_notifier.finish_refund_later(refund_key)
    return refund_view(refund), 200


@bp.get("/v3/refund/domestic/refunds/<out_refund_no>")
@pay_endpoint("pay.refund_query")
def query_refund(merchant, out_refund_no):
    sub_mchid = request.args.get("sub_mchid")
    owner = _owner(merchant, True, merchant["mchid"], sub_mchid, "") if sub_mchid else merchant["mchid"]
    refund = current_sandbox().state.read()["pay"]["refunds"].get(_tx_key(owner, out_refund_no))
    if refund is None:
        raise PayError(404, "RESOURCE_NOT_EXISTS", "退款单不存在")
    return refund_view(refund), 200


# --- the sandbox's own levers --------------------------------------------------------------------------

@bp.get("/sandbox/pay/public_key")
def public_key():
    key = pay_key(current_sandbox().state)
    return jsonify({"public_key_id": key["id"], "public_key": key["public_pem"]})


@bp.post("/sandbox/pay/merchants")
def merchants():
    params = request.get_json(force=True, silent=True)
    try:
        return jsonify(register_merchant(current_sandbox().state, params if isinstance(params, dict) else {}))
    except PayError as error:
        return jsonify({"code": error.code, "message": error.message}), error.status

