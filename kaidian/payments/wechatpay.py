"""WeChat Pay API v3 through the ``wechatpayv3`` package (maintained, widely used; it signs requests and
verifies the signature of every 2xx answer).

The client is built with the WeChat Pay public key and its id, so it never fetches platform certificates
(new merchants have none, and it would make a network call at construction); its gateway is pointed at
``WECHATPAY_BASE_URL`` (the sandbox in development and tests). Notifications are verified here and not
with the package's ``callback``: that one fetches certificates for an unknown ``Wechatpay-Serial`` and
does not look at the timestamp, while a notification must be refused outright for an unknown serial and
outside a 5-minute window, and the answer must say which check failed.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
from dataclasses import dataclass, replace

import requests
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app
from wechatpayv3 import WeChatPay, WeChatPayType
from wechatpayv3.utils import build_authorization, load_private_key

from .errors import NotificationRefused, ProviderFailed

NOTIFY_WINDOW_SECONDS = 300
PAY_TYPES = {"jsapi": WeChatPayType.JSAPI, "native": WeChatPayType.NATIVE, "h5": WeChatPayType.H5}
SIGNATURE_TYPE = "WECHATPAY2-SHA256-RSA2048"


@dataclass(frozen=True)
class Credentials:
    """Everything a call needs; in partner mode ``mchid``/``appid``/keys are the service provider's."""

    mode: str
    mchid: str
    appid: str
    apiv3_key: str
    private_key_pem: str
    cert_serial: str
    public_key_pem: str
    public_key_id: str
    sub_mchid: str = ""
    sub_appid: str = ""

    @property
    def partner(self) -> bool:
        return self.mode == "partner"


@dataclass(frozen=True)
class Transaction:
    """What the provider says about a payment."""

    trade_state: str  # SUCCESS, NOTPAY, CLOSED, REFUND, PAYERROR, USERPAYING…
    out_trade_no: str
    transaction_id: str
    total: int | None
    mchid: str
    sub_mchid: str


def verify_signature(public_key_pem: str, timestamp: str, nonce: str, body: str, signature: str) -> bool:
    """WeChat Pay's signature over ``TIMESTAMP\\nNONCE\\nBODY\\n`` (SHA256-with-RSA, PKCS#1 v1.5)."""
    try:
        key = serialization.load_pem_public_key(public_key_pem.encode())
        key.verify(base64.b64decode(signature, validate=True), f"{timestamp}\n{nonce}\n{body}\n".encode(),
                   padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def decrypt_resource(apiv3_key: str, resource: dict) -> str:
    """AEAD_AES_256_GCM with the APIv3 key; raises ``InvalidTag`` for a wrong key or a forged text."""
    if resource.get("algorithm") != "AEAD_AES_256_GCM":
        raise ValueError(f"unsupported algorithm {resource.get('algorithm')!r}")
    return AESGCM(apiv3_key.encode()).decrypt(
        str(resource.get("nonce", "")).encode(), base64.b64decode(str(resource.get("ciphertext", ""))),
        str(resource.get("associated_data") or "").encode()).decode()


class WeChatPayProvider:
    name = "wechatpay"

    def __init__(self, credentials: Credentials) -> None:
        self.credentials = credentials

    def paying_from(self, appid: str) -> WeChatPayProvider:
        """The same merchant with shoppers paying from ``appid`` (their openid is under it): the order's
        ``appid`` in direct mode, its ``sub_appid`` in service-provider mode."""
        c = self.credentials
        return type(self)(replace(c, sub_appid=appid) if c.partner else replace(c, appid=appid))

    # -- the client ------------------------------------------------------------------------------

    def _client(self, channel: str = "native", notify_url: str | None = None) -> WeChatPay:
        c = self.credentials
        try:
            client = WeChatPay(wechatpay_type=PAY_TYPES[channel], mchid=c.mchid, private_key=c.private_key_pem,
                               cert_serial_no=c.cert_serial, appid=c.appid, apiv3_key=c.apiv3_key,
                               notify_url=notify_url, partner_mode=c.partner, timeout=_timeout(),
                               public_key=c.public_key_pem, public_key_id=c.public_key_id)
        except Exception as exc:  # the package raises bare Exceptions for unreadable keys
            raise ProviderFailed(detail=f"WeChat Pay client: {exc}") from exc
        client._core._gate_way = current_app.config["WECHATPAY_BASE_URL"].rstrip("/")
        return client

    @staticmethod
    def _call(func, *args, **kwargs) -> tuple[int, dict]:
        """Run a client call; a transport failure or a bad answer signature becomes ProviderFailed."""
        try:
            status, text = func(*args, **kwargs)
        except requests.RequestException as exc:
            raise ProviderFailed(detail=f"WeChat Pay unreachable: {exc.__class__.__name__}") from exc
        except Exception as exc:  # e.g. "failed to verify the signature"
            raise ProviderFailed(detail=f"WeChat Pay answer refused: {exc}") from exc
        try:
            payload = json.loads(text) if text else {}
        except (ValueError, TypeError):
            payload = {}
        return status, payload if isinstance(payload, dict) else {}

    @staticmethod
    def _failed(status: int, payload: dict) -> ProviderFailed:
        return ProviderFailed(detail=f"{status} {payload.get('code', '')}: {payload.get('message', '')}",
                              provider_code=str(payload.get("code", "")), http_status=status)

    def _sub(self) -> dict:
        return {"sub_mchid": self.credentials.sub_mchid} if self.credentials.partner else {}

    # -- payments --------------------------------------------------------------------------------

    def prepay(self, *, channel: str, out_trade_no: str, amount_fen: int, description: str, notify_url: str,
               payer_openid: str | None, client_ip: str, **_ignored) -> dict:
        c = self.credentials
        kwargs: dict = {"description": description, "out_trade_no": out_trade_no,
                        "amount": {"total": amount_fen, "currency": "CNY"}, **self._sub()}
        if channel == "jsapi":
            if c.partner:
                kwargs["payer"] = {"sub_openid": payer_openid} if c.sub_appid else {"sp_openid": payer_openid}
                if c.sub_appid:
                    kwargs["sub_appid"] = c.sub_appid
            else:
                kwargs["payer"] = {"openid": payer_openid}
        if channel == "h5":
            kwargs["scene_info"] = {"payer_client_ip": client_ip or "127.0.0.1", "h5_info": {"type": "Wap"}}
        status, payload = self._call(self._client(channel, notify_url).pay, **kwargs)
        if status != 200:
            raise self._failed(status, payload)
        return {key: payload[key] for key in ("prepay_id", "code_url", "h5_url") if key in payload}

    def jsapi_params(self, prepay_id: str) -> dict:
        """``getBrandWCPayRequest``'s parameters, signed with the merchant key (the page passes them on)."""
        c = self.credentials
        appid = c.sub_appid if c.partner and c.sub_appid else c.appid
        timestamp, nonce = str(int(time.time())), secrets.token_hex(16)
        package = f"prepay_id={prepay_id}"
        signature = self._client().sign([appid, timestamp, nonce, package])
        return {"appId": appid, "timeStamp": timestamp, "nonceStr": nonce, "package": package, "signType": "RSA",
                "paySign": signature}

    def query(self, out_trade_no: str) -> Transaction | None:
        c = self.credentials
        status, payload = self._call(self._client().query, out_trade_no=out_trade_no, **self._sub())
        if status == 404:
            return None
        if status != 200:
            raise self._failed(status, payload)
        return Transaction(trade_state=str(payload.get("trade_state", "")),
                           out_trade_no=str(payload.get("out_trade_no", "")),
                           transaction_id=str(payload.get("transaction_id") or ""),
                           total=(payload.get("amount") or {}).get("total"),
                           mchid=str(payload.get("sp_mchid" if c.partner else "mchid", "")),
                           sub_mchid=str(payload.get("sub_mchid", "")))

    def close(self, out_trade_no: str) -> None:
        status, payload = self._call(self._client().close, out_trade_no=out_trade_no, **self._sub())
        if status not in (200, 204):
            raise self._failed(status, payload)

    def refund(self, *, out_trade_no: str, out_refund_no: str, amount_fen: int, total_fen: int, reason: str,
               notify_url: str) -> dict:
        kwargs = {"out_refund_no": out_refund_no, "out_trade_no": out_trade_no, "reason": reason or None,
                  "amount": {"refund": amount_fen, "total": total_fen, "currency": "CNY"}, "notify_url": notify_url,
                  **self._sub()}
        status, payload = self._call(self._client().refund, **kwargs)
        if status != 200:
            raise self._failed(status, payload)
        return payload

    def query_refund(self, out_refund_no: str) -> dict | None:
        status, payload = self._call(self._client().query_refund, out_refund_no=out_refund_no, **self._sub())
        if status == 404:
            return None
        if status != 200:
            raise self._failed(status, payload)
        return payload

    # -- notifications ---------------------------------------------------------------------------

    def open_notification(self, headers, body: str) -> dict:
        """Verify (serial, 5-minute window, signature), then decrypt; ``{"id", "event_type", "resource"}``."""
        c = self.credentials
        serial = headers.get("Wechatpay-Serial", "")
        if not serial or serial != c.public_key_id:
            raise NotificationRefused(f"unknown Wechatpay-Serial {serial[:64]!r}", 401)
        timestamp = headers.get("Wechatpay-Timestamp", "")
        if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > NOTIFY_WINDOW_SECONDS:
            raise NotificationRefused("Wechatpay-Timestamp outside the 5-minute window", 401)
        if not verify_signature(c.public_key_pem, timestamp, headers.get("Wechatpay-Nonce", ""), body,
                                headers.get("Wechatpay-Signature", "")):
            raise NotificationRefused("signature verification failed", 401)
        try:
            envelope = json.loads(body)
            resource = json.loads(decrypt_resource(c.apiv3_key, envelope["resource"]))
        except InvalidTag:
            raise NotificationRefused("resource cannot be decrypted with the APIv3 key", 400, verified=True) from None
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise NotificationRefused(f"malformed notification: {exc}", 400, verified=True) from None
        if not isinstance(resource, dict):
            raise NotificationRefused("malformed notification resource", 400, verified=True)
        return {"id": str(envelope.get("id", ""))[:64], "event_type": str(envelope.get("event_type", ""))[:40],
                "resource": resource}

    # -- the settings check ----------------------------------------------------------------------

    def signed_probe(self, out_trade_no: str) -> tuple[int, dict, dict, str]:
        """A real signed query (of an order that does not exist); returns status, payload, headers and body,
        with nothing verified, so the check can say which part is wrong."""
        c = self.credentials
        if c.partner:
            path = (f"/v3/pay/partner/transactions/out-trade-no/{out_trade_no}"
                    f"?sp_mchid={c.mchid}&sub_mchid={c.sub_mchid}")
        else:
            path = f"/v3/pay/transactions/out-trade-no/{out_trade_no}?mchid={c.mchid}"
        authorization = build_authorization(path, "GET", c.mchid, c.cert_serial, load_private_key(c.private_key_pem))
        headers = {"Authorization": authorization, "Accept": "application/json", "User-Agent": "kaidian",
                   "Wechatpay-Serial": c.public_key_id}
        response = requests.get(current_app.config["WECHATPAY_BASE_URL"].rstrip("/") + path, headers=headers,
                                timeout=_timeout())
        try:
            payload = response.json()
        except ValueError:
            payload = {}
        return response.status_code, payload if isinstance(payload, dict) else {}, dict(response.headers), response.text


def _timeout() -> tuple[float, float]:
    seconds = float(current_app.config["WECHATPAY_HTTP_TIMEOUT"])
    return (min(seconds, 5.0), seconds)


def private_key_problem(pem: str) -> str | None:
    """Why ``pem`` is not a usable merchant key (an RSA private key of at least 2048 bits), or None."""
    try:
        key = serialization.load_pem_private_key(pem.strip().encode(), password=None)
    except (ValueError, TypeError):
        return "not_pem"
    if not isinstance(key, rsa.RSAPrivateKey) or key.key_size < 2048:
        return "not_rsa2048"
    return None


def public_key_problem(pem: str) -> str | None:
    try:
        key = serialization.load_pem_public_key(pem.strip().encode())
    except (ValueError, TypeError):
        return "not_pem"
    if not isinstance(key, rsa.RSAPublicKey):
        return "not_rsa"
    return None
