"""Alibaba Cloud SMS's API (``SendSms``, version 2017-05-25, RPC style) as the sandbox emulates it, so
Alibaba's own SDK — a client Kaidian did not write — can be pointed at it
(``SMS_ALIYUN_ENDPOINT=http://127.0.0.1:…``).

``POST /`` with ``x-acs-action: SendSms`` (the SDK sends its RPC calls to the root path, the parameters
in the query string; Tencent's emulation shares the path and is told apart by that header):

1. the **ACS3-HMAC-SHA256** signature is verified before anything else (Alibaba Cloud's "请求体&签名机制"
   of SDK V3, e.g. https://help.aliyun.com/zh/model-studio/user-guide/roa-style-request-body-signature-mechanism,
   and what ``alibabacloud_tea_openapi`` 0.4.6 sends: ``Client.do_request``, ``utils.get_authorization``):
   ``Authorization: ACS3-HMAC-SHA256 Credential=<AccessKeyId>,SignedHeaders=<h1;h2…>,Signature=<hex>``; the canonical
   request is the method, the path, the query (keys sorted, keys and values percent-encoded with only
   ``A-Za-z0-9-_.~`` left), the signed headers (lower-case ``name:value`` lines, sorted), their names, and
   ``x-acs-content-sha256`` (the hex SHA-256 of the body, checked against the body); the signature is the
   hex HMAC-SHA256, keyed with the AccessKey secret, of ``ACS3-HMAC-SHA256\\n`` + the hex SHA-256 of the
   canonical request. ``host``, ``x-acs-action``, ``x-acs-content-sha256``, ``x-acs-date``,
   ``x-acs-signature-nonce``, ``x-acs-version`` (and ``content-type`` when sent) must be signed. Refused
   in Alibaba Cloud's error shape ``{"RequestId", "HostId", "Code", "Message", "Recommend"}``:
   ``IncompleteSignature`` (400), ``InvalidAccessKeyId.NotFound`` (404), ``SignatureDoesNotMatch`` (400:
   a wrong secret, a tampered query, header or body), ``InvalidTimeStamp.Expired`` (400: ``x-acs-date``
   more than 15 minutes off), ``SignatureNonceUsed`` (400: a replayed nonce) — nothing is recorded;
2. the signature name and the template code must be the configured ones (``ALIYUN_SMS_SIGN_NAME``,
   ``ALIYUN_SMS_TEMPLATES``: code → body with ``${name}`` variables), ``TemplateParam`` a JSON object
   naming exactly the template's variables, each a string of at most ``PARAM_LIMIT`` characters (the
   sandbox's own rule, matching what Kaidian sends), digits for the ``code`` variable of a
   verification-code template (``ALIYUN_SMS_CODE_TEMPLATES``); business errors answer HTTP 200 with
   ``{"Code": "isv.…", "Message", "RequestId"}`` as Aliyun does;
3. a good call answers ``{"Code": "OK", "Message": "OK", "BizId", "RequestId"}`` and the message —
   ``【sign】`` and the template filled — lands in the inbox ``/sandbox/sms/inbox`` reads.

Faults (``POST /sandbox/faults``, ``errmsg`` holding Aliyun's code): endpoint ``aliyun_sms.SendSms``
makes the next call answer that code; ``aliyun_sms.SendSms:<11-digit mobile>`` makes a call to that number
answer it (e.g. ``isv.BUSINESS_LIMIT_CONTROL``, the number's frequency limit) and nothing is delivered.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
import uuid
from datetime import UTC, datetime
from urllib.parse import quote

from flask import Blueprint, jsonify, request

from kaidian.sandbox.faults import use_fault
from kaidian.sandbox.runtime import current_sandbox
from kaidian.sandbox.sms import MAX_SMS
from kaidian.sandbox.state import now

bp = Blueprint("sandbox_aliyun_sms", __name__)

ENDPOINT = "aliyun_sms.SendSms"
ALGORITHM = "ACS3-HMAC-SHA256"
VERSION = "2017-05-25"
MAX_SKEW = 15 * 60  # seconds
PARAM_LIMIT = 6
MUST_SIGN = {"host", "x-acs-action", "x-acs-content-sha256", "x-acs-date", "x-acs-signature-nonce", "x-acs-version"}
AUTH = re.compile(r"^ACS3-HMAC-SHA256 Credential=([^,\s]+),SignedHeaders=([a-z0-9;-]+),Signature=([0-9a-f]{64})$")
MOBILE = re.compile(r"^(?:\+?86)?(1[3-9]\d{9})$")
VARIABLE = re.compile(r"\$\{(\w+)\}")


class AliyunError(Exception):
    def __init__(self, code: str, message: str, status: int = 200):
        super().__init__(code)
        self.code, self.message, self.status = code, message, status


def _encode(value: str) -> str:
    return quote(value, safe="~", encoding="utf-8")


def acs3_signature(secret: str, method: str, path: str, query: dict, headers: dict, body: bytes) -> str:
    """The ACS3-HMAC-SHA256 signature of a request: ``headers`` are the signed ones (lower-case names)."""
    canonical_query = "&".join(f"{_encode(k)}={_encode(query[k])}" for k in sorted(query))
    names = sorted(headers)
    canonical = "\n".join(
        [
            method,
            path or "/",
            canonical_query,
            "".join(f"{name}:{headers[name].strip()}\n" for name in names),
            ";".join(names),
            hashlib.sha256(body).hexdigest(),
        ]
    )
    to_sign = f"{ALGORITHM}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
    return hmac.new(secret.encode(), to_sign.encode(), hashlib.sha256).hexdigest()


def _verify(settings: dict) -> str:
    """Check the request's signature; its nonce."""
    match = AUTH.match(request.headers.get("Authorization", ""))
    if match is None:
        raise AliyunError("IncompleteSignature", "The request signature does not conform to Aliyun standards.", 400)
    access_key_id, signed, signature = match.groups()
    names = signed.split(";")
    required = MUST_SIGN | ({"content-type"} if request.headers.get("Content-Type") else set())
    if names != sorted(set(names)) or not required <= set(names):
        raise AliyunError("IncompleteSignature", f"SignedHeaders must include {', '.join(sorted(required))}.", 400)
    if access_key_id != settings["ALIYUN_SMS_ACCESS_KEY_ID"]:
        raise AliyunError("InvalidAccessKeyId.NotFound", "Specified access key is not found.", 404)
    body = request.get_data(cache=True)
    headers = {name: ",".join(sorted(v.strip() for v in request.headers.getlist(name))) for name in names}
    query = {key: request.args.get(key, "") for key in request.args}
    expected = acs3_signature(
        settings["ALIYUN_SMS_ACCESS_KEY_SECRET"], request.method, request.path, query, headers, body
    )
    if (
        not hmac.compare_digest(expected, signature)
        or headers["x-acs-content-sha256"] != hashlib.sha256(body).hexdigest()
    ):
        raise AliyunError("SignatureDoesNotMatch", "Specified signature does not match our calculation.", 400)
    try:
        stamp = datetime.strptime(headers["x-acs-date"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp()
    except ValueError:
        stamp = 0
    if abs(time.time() - stamp) > MAX_SKEW:
        raise AliyunError("InvalidTimeStamp.Expired", "Specified time stamp or date value is expired.", 400)
    return headers["x-acs-signature-nonce"]


def _error(error: AliyunError):
    answer = {"RequestId": str(uuid.uuid4()).upper(), "Code": error.code, "Message": error.message}
    if error.status != 200:
        answer |= {"HostId": request.host, "Recommend": "https://api.aliyun.com/troubleshoot"}
    return jsonify(answer), error.status


def _take_fault(data: dict, key: str) -> str | None:
    fault = use_fault(data, key)
    return str(fault.get("errmsg") or "isp.SYSTEM_ERROR") if fault else None


def _template(settings: dict, params: dict) -> tuple[str, dict]:
    """The approved template's body and its parameters, checked."""
    if params.get("SignName") != settings["ALIYUN_SMS_SIGN_NAME"]:
        raise AliyunError("isv.SMS_SIGNATURE_ILLEGAL", "该账号下找不到对应签名")
    code = params.get("TemplateCode", "")
    template = json.loads(settings["ALIYUN_SMS_TEMPLATES"]).get(code)
    if template is None:
        raise AliyunError("isv.SMS_TEMPLATE_ILLEGAL", "该账号下找不到对应模板")
    try:
        values = json.loads(params.get("TemplateParam") or "{}")
    except ValueError:
        values = None
    if not isinstance(values, dict):
        raise AliyunError("isv.INVALID_JSON_PARAM", "JSON参数不合法,只接受字符串值")
    if set(values) != set(VARIABLE.findall(template)):
        raise AliyunError("isv.TEMPLATE_MISSING_PARAMETERS", "模板变量缺少对应参数值")
    code_templates = {t.strip() for t in str(settings["ALIYUN_SMS_CODE_TEMPLATES"]).split(",")}
    for name, value in values.items():
        if not isinstance(value, str | int) or len(str(value)) > PARAM_LIMIT:
            raise AliyunError("isv.PARAM_LENGTH_LIMIT", "参数超出长度限制")
        if name == "code" and code in code_templates and not str(value).isdigit():
            raise AliyunError("isv.TEMPLATE_PARAMS_ILLEGAL", "验证码只能为数字")
    return template, {name: str(value) for name, value in values.items()}


def api():
    settings = current_sandbox().config
    try:
        nonce = _verify(settings)
        action = request.headers.get("x-acs-action", "")
        if action != "SendSms" or request.headers.get("x-acs-version") != VERSION:
            raise AliyunError("InvalidAction.NotFound", f"Specified api {action!r} is not found.", 404)
        params = {**request.form.to_dict(), **request.args.to_dict()}
        return _send(settings, params, nonce)
    except AliyunError as error:
        return _error(error)


@bp.before_app_request
def _route():
    """``POST /`` carrying ``x-acs-action`` is Alibaba Cloud's; the rest goes on to Tencent's emulation."""
    if request.method == "POST" and request.path == "/" and "x-acs-action" in request.headers:
        return api()
    return None


def _send(settings: dict, params: dict, nonce: str):
    numbers = [n.strip() for n in str(params.get("PhoneNumbers") or "").split(",") if n.strip()]
    if not numbers:
        raise AliyunError("isv.MOBILE_NUMBER_ILLEGAL", "PhoneNumbers is empty.")
    mobiles = []
    for number in numbers:
        match = MOBILE.match(number)
        if match is None:
            raise AliyunError("isv.MOBILE_NUMBER_ILLEGAL", "非法手机号")
        mobiles.append(match.group(1))
    template, values = _template(settings, params)
    text = f"【{settings['ALIYUN_SMS_SIGN_NAME']}】" + VARIABLE.sub(lambda m: values[m.group(1)], template)
    with current_sandbox().state.transaction() as data:
        nonces = data.setdefault("aliyun_sms_nonces", {})
        horizon = time.time() - 2 * MAX_SKEW
        for old in [n for n, at in nonces.items() if at < horizon]:
            del nonces[old]
        replayed = nonce in nonces
        nonces[nonce] = time.time()
        failure = None
        if not replayed:
            data["call_counts"][ENDPOINT] = data["call_counts"].get(ENDPOINT, 0) + 1
            failure = _take_fault(data, ENDPOINT)
            for mobile in mobiles:  # a number's fault (its limit) answers the whole call, nothing delivered
                failure = failure or _take_fault(data, f"{ENDPOINT}:{mobile}")
            if not failure:
                messages = data.setdefault("sms", [])
                for mobile in mobiles:
                    messages.append(
                        {
                            "mobile": mobile,
                            "text": text,
                            "sign": params["SignName"],
                            "at": now(),
                            "template_id": params["TemplateCode"],
                            "params": values,
                        }
                    )
                del messages[:-MAX_SMS]
    if replayed:
        raise AliyunError("SignatureNonceUsed", "Specified signature nonce was used already.", 400)
    if failure:
        raise AliyunError(failure, "Injected by the sandbox.")
    return jsonify({"Code": "OK", "Message": "OK", "BizId": uuid.uuid4().hex[:20], "RequestId": str(uuid.uuid4())})
