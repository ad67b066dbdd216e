"""Tencent Cloud SMS's API (``SendSms``, version 2021-01-11) as the sandbox emulates it, so Tencent's own
SDK — a client Kaidian did not write — can be pointed at it (``SMS_TENCENT_ENDPOINT=http://127.0.0.1:…``).

``POST /`` with ``X-TC-Action: SendSms`` (Tencent's API calls all go to the root path):

1. the **TC3-HMAC-SHA256** signature is verified before the body is read: ``Authorization:
   TC3-HMAC-SHA256 Credential=<SecretId>/<date>/sms/tc3_request, SignedHeaders=content-type;host,
   Signature=<hex>``; the canonical request is ``POST``, ``/``, an empty query, the ``content-type`` and
   ``host`` headers, and the SHA-256 of the body; the key is derived from ``"TC3" + SecretKey`` through
   the date, the service and ``tc3_request``. An unknown SecretId, a wrong key, a tampered body or header
   answers ``AuthFailure.SecretIdNotFound`` / ``AuthFailure.SignatureFailure``, a timestamp more than
   five minutes off ``AuthFailure.SignatureExpire`` — in Tencent's error shape, HTTP 200:
   ``{"Response": {"Error": {"Code", "Message"}, "RequestId"}}``;
2. the app id, the signature name and the template id must be the configured ones
   (``TENCENT_SMS_APP_ID``, ``TENCENT_SMS_SIGN_NAME``, ``TENCENT_SMS_TEMPLATES``), with as many
   parameters as the template has variables, each at most 6 characters (6 digits in a verification-code
   template, ``TENCENT_SMS_CODE_TEMPLATES``);
3. each number gets a ``SendStatusSet`` entry (``Code: "Ok"``) and the message — ``【sign】`` and the
   template filled with its parameters — lands in the inbox ``/sandbox/sms/inbox`` reads.

Faults (``POST /sandbox/faults``, ``errmsg`` holding Tencent's code): endpoint ``tencent_sms.SendSms``
makes the next call answer that error; ``tencent_sms.SendSms:<11-digit mobile>`` makes that number's
status carry the code (e.g. ``LimitExceeded.PhoneNumberDailyLimit``) and nothing is delivered to it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
import uuid
from datetime import UTC, datetime

from flask import Blueprint, jsonify, request

from kaidian.sandbox.faults import use_fault
from kaidian.sandbox.runtime import current_sandbox
from kaidian.sandbox.sms import MAX_SMS
from kaidian.sandbox.state import now

bp = Blueprint("sandbox_tencent_sms", __name__)

ENDPOINT = "tencent_sms.SendSms"
MAX_SKEW = 300  # seconds
PARAM_LIMIT = 6
AUTH = re.compile(
    r"^TC3-HMAC-SHA256 Credential=([^/\s]+)/(\d{4}-\d{2}-\d{2})/([a-z]+)/tc3_request, "
    r"SignedHeaders=([a-z;-]+), Signature=([0-9a-f]{64})$"
)
E164_CN = re.compile(r"^\+861[3-9]\d{9}$")


class TencentError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(code)
        self.code, self.message = code, message


def _answer(response: dict):
    return jsonify({"Response": {**response, "RequestId": str(uuid.uuid4())}})


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def tc3_signature(
    secret_key: str, date: str, service: str, timestamp: str, method: str, headers: dict, body: bytes
) -> str:
    """The TC3-HMAC-SHA256 signature of a request without a query (Tencent Cloud API 3.0's signing)."""
    canonical = "\n".join(
        [
            method,
            "/",
            "",
            f"content-type:{headers['content-type']}\nhost:{headers['host']}\n",
            "content-type;host",
            hashlib.sha256(body).hexdigest(),
        ]
    )
    to_sign = "\n".join(
        ["TC3-HMAC-SHA256", timestamp, f"{date}/{service}/tc3_request", hashlib.sha256(canonical.encode()).hexdigest()]
    )
    key = _hmac(_hmac(_hmac(("TC3" + secret_key).encode(), date), service), "tc3_request")
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


def _verify(settings: dict) -> None:
    match = AUTH.match(request.headers.get("Authorization", ""))
    if match is None:
        raise TencentError("AuthFailure.InvalidAuthorization", "Authorization is not TC3-HMAC-SHA256.")
    secret_id, date, service, signed_headers, signature = match.groups()
    if secret_id != settings["TENCENT_SMS_SECRET_ID"]:
        raise TencentError("AuthFailure.SecretIdNotFound", "The SecretId is not found.")
    timestamp = request.headers.get("X-TC-Timestamp", "")
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > MAX_SKEW:
        raise TencentError("AuthFailure.SignatureExpire", "The signature expired.")
    day = datetime.fromtimestamp(int(timestamp), UTC).strftime("%Y-%m-%d")
    if service != "sms" or date != day or signed_headers != "content-type;host":
        raise TencentError("AuthFailure.SignatureFailure", "The credential scope does not match the request.")
    headers = {"content-type": request.headers.get("Content-Type", ""), "host": request.headers.get("Host", "")}
    expected = tc3_signature(
        settings["TENCENT_SMS_SECRET_KEY"],
        date,
        service,
        timestamp,
        request.method,
        headers,
        request.get_data(cache=True),
    )
    if not hmac.compare_digest(expected, signature):
        raise TencentError("AuthFailure.SignatureFailure", "The provided credentials could not be validated.")


def _take_fault(data: dict, key: str) -> str | None:
    fault = use_fault(data, key)
    return str(fault.get("errmsg") or "InternalError.OtherError") if fault else None


def _template(settings: dict, body: dict) -> tuple[str, list[str]]:
    """The approved template's body and the parameters, checked as Tencent checks them."""
    if body.get("SmsSdkAppId") != settings["TENCENT_SMS_APP_ID"]:
        raise TencentError("InvalidParameterValue.SdkAppIdNotExist", "The SdkAppId does not exist.")
    if body.get("SignName") != settings["TENCENT_SMS_SIGN_NAME"]:
        raise TencentError("FailedOperation.SignatureIncorrectOrUnapproved", "The signature is not approved.")
    template_id = body.get("TemplateId")
    template = json.loads(settings["TENCENT_SMS_TEMPLATES"]).get(str(template_id))
    if template is None:
        raise TencentError("FailedOperation.TemplateIncorrectOrUnapproved", "The template is not approved.")
    params = body.get("TemplateParamSet") or []
    variables = set(re.findall(r"\{(\d+)\}", template))
    if not isinstance(params, list) or {str(n) for n in range(1, len(params) + 1)} != variables:
        raise TencentError(
            "FailedOperation.TemplateParamSetNotMatchApprovedTemplate", "The parameters do not match the template."
        )
    code_templates = {t.strip() for t in str(settings["TENCENT_SMS_CODE_TEMPLATES"]).split(",")}
    for index, value in enumerate(params):
        if not isinstance(value, str) or len(value) > PARAM_LIMIT:
            raise TencentError(
                "InvalidParameterValue.TemplateParameterLengthLimit",
                f"A template parameter is longer than {PARAM_LIMIT} characters.",
            )
        if index == 0 and template_id in code_templates and not value.isdigit():
            raise TencentError(
                "InvalidParameterValue.TemplateParameterFormatError", "A verification code must be digits."
            )
    return template, params


def _render(template: str, params: list[str]) -> str:
    return re.sub(r"\{(\d+)\}", lambda m: params[int(m.group(1)) - 1], template)


@bp.post("/")
def api():
    settings = current_sandbox().config
    try:
        _verify(settings)
        action = request.headers.get("X-TC-Action", "")
        if action != "SendSms":
            raise TencentError("InvalidAction", f"The action {action!r} is not supported by the sandbox.")
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            raise TencentError("InvalidParameter", "The body is not a JSON object.")
        return _send(settings, body)
    except TencentError as error:
        return _answer({"Error": {"Code": error.code, "Message": error.message}})


def _send(settings: dict, body: dict):
    numbers = body.get("PhoneNumberSet")
    if not isinstance(numbers, list) or not numbers:
        raise TencentError("MissingParameter.EmptyPhoneNumberSet", "PhoneNumberSet is empty.")
    template, params = _template(settings, body)
    text = f"【{settings['TENCENT_SMS_SIGN_NAME']}】" + _render(template, params)
    with current_sandbox().state.transaction() as data:
        data["call_counts"][ENDPOINT] = data["call_counts"].get(ENDPOINT, 0) + 1
        failure = _take_fault(data, ENDPOINT)  # raised after the transaction, which keeps the fault used up
        if not failure:
            statuses = [_deliver(data, number, text, body, params) for number in numbers]
    if failure:
        raise TencentError(failure, "Injected by the sandbox.")
    return _answer({"SendStatusSet": statuses})


def _deliver(data: dict, number, text: str, body: dict, params: list[str]) -> dict:
    status = {
        "SerialNo": uuid.uuid4().hex,
        "PhoneNumber": str(number),
        "Fee": 1,
        "SessionContext": "",
        "Code": "Ok",
        "Message": "send success",
        "IsoCode": "CN",
    }
    if not isinstance(number, str) or not E164_CN.match(number):
        return {
            **status,
            "Fee": 0,
            "Code": "InvalidParameterValue.IncorrectPhoneNumber",
            "Message": "incorrect phone number",
        }
    mobile = number[3:]
    code = _take_fault(data, f"{ENDPOINT}:{mobile}")
    if code:
        return {**status, "Fee": 0, "Code": code, "Message": "injected by the sandbox"}
    messages = data.setdefault("sms", [])
    messages.append(
        {
            "mobile": mobile,
            "text": text,
            "sign": body["SignName"],
            "at": now(),
            "template_id": str(body["TemplateId"]),
            "params": params,
        }
    )
    del messages[:-MAX_SMS]
    return status
