"""Alipay through ``python-alipay-sdk`` (RSA2; it signs requests and verifies every synchronous answer),
behind the same provider interface as WeChat Pay. Its gateway is pointed at ``ALIPAY_GATEWAY_URL`` (the
sandbox's ``/gateway.do`` in development and tests).

Partner mode (第三方应用授权): the store authorized the platform's third-party app; every call is made with
the platform's app id and keys plus the store's ``app_auth_token`` (``ISVAliPay``), and a notification,
signed by Alipay for the platform's app, must name the store's authorized app in ``auth_app_id``.

Channels: ``alipay_wap`` (a mobile browser outside WeChat) and ``alipay_page`` (a desktop browser); the
page gets a ``pay_url`` to open. Refunds are synchronous at Alipay (``fund_change``); payments are
notified by a signed form POST answered with the literal ``success``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from alipay import AliPay, AliPayConfig, ISVAliPay
from alipay.exceptions import AliPayException, AliPayValidationError
from flask import current_app
from flask_babel import gettext as _

from .errors import NotificationRefused, ProviderFailed
from .wechatpay import Transaction

PAGE_METHODS = {"alipay_wap": "api_alipay_trade_wap_pay", "alipay_page": "api_alipay_trade_page_pay"}
PAID = ("TRADE_SUCCESS", "TRADE_FINISHED")
# Alipay's answers (code 20001) to an app_auth_token it does not accept: unknown or revoked, expired
AUTH_TOKEN_CODES = frozenset({"aop.invalid-app-auth-token", "aop.app-auth-token-time-out",
                              "aop.invalid-app-auth-token-no-api"})
STATES = {"TRADE_SUCCESS": "SUCCESS", "TRADE_FINISHED": "SUCCESS", "WAIT_BUYER_PAY": "NOTPAY",
          "TRADE_CLOSED": "CLOSED"}


@dataclass(frozen=True)
class AlipayCredentials:
    app_id: str
    app_private_key_pem: str
    alipay_public_key_pem: str
    mode: str = "direct"
    partner: bool = False
    app_auth_token: str = ""  # partner mode: the store's authorization of the platform's app
    auth_app_id: str = ""  # partner mode: the store's own Alipay app

    @property
    def mchid(self) -> str:  # what a payment records as its merchant (the platform's app in partner mode)
        return self.app_id

    @property
    def sub_mchid(self) -> str:
        return self.auth_app_id


def fen_text(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def text_fen(value) -> int | None:
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return None
    return int(amount * 100) if amount.as_tuple().exponent >= -2 else None


class AlipayProvider:
    name = "alipay"

    def __init__(self, credentials: AlipayCredentials) -> None:
        self.credentials = credentials

    def _client(self, notify_url: str | None = None) -> AliPay:
        c = self.credentials
        if c.partner:
            return isv_client(c.app_id, c.app_private_key_pem, c.alipay_public_key_pem, notify_url=notify_url,
                              app_auth_token=c.app_auth_token)
        try:
            client = AliPay(appid=c.app_id, app_notify_url=notify_url, app_private_key_string=c.app_private_key_pem,
                            alipay_public_key_string=c.alipay_public_key_pem, sign_type="RSA2",
                            config=AliPayConfig(timeout=current_app.config["WECHATPAY_HTTP_TIMEOUT"]))
        except (ValueError, IndexError, TypeError) as exc:
            raise ProviderFailed(detail=f"Alipay client: {exc}") from exc
        client._gateway = current_app.config["ALIPAY_GATEWAY_URL"]
        return client

    @staticmethod
    def _call(func, *args, **kwargs) -> dict:
        try:
            return func(*args, **kwargs)
        except AliPayValidationError as exc:
            raise ProviderFailed(detail="Alipay answer refused: its signature does not verify") from exc
        except AliPayException as exc:
            raise ProviderFailed(detail=f"Alipay: {exc}", provider_code=str(getattr(exc, "code", ""))) from exc
        except OSError as exc:  # urllib: unreachable, timeout
            raise ProviderFailed(detail=f"Alipay unreachable: {exc.__class__.__name__}") from exc

    @staticmethod
    def _failed(answer: dict) -> ProviderFailed:
        sub_code = str(answer.get("sub_code", ""))
        message = _("The store's Alipay authorization is no longer valid (%(reason)s): authorize the platform again "
                    "in the payment settings.", reason=answer.get("sub_msg", sub_code)) \
            if sub_code in AUTH_TOKEN_CODES else None
        return ProviderFailed(message, detail=f"{answer.get('code')} {sub_code}: {answer.get('sub_msg', '')}",
                              provider_code=sub_code)

    def prepay(self, *, channel: str, out_trade_no: str, amount_fen: int, description: str, notify_url: str,
               return_url: str = "", **_ignored) -> dict:
        client = self._client(notify_url)
        order = getattr(client, PAGE_METHODS[channel])(subject=description, out_trade_no=out_trade_no,
                                                       total_amount=fen_text(amount_fen), return_url=return_url or None,
                                                       notify_url=notify_url)
        return {"pay_url": f"{client._gateway}?{order}"}

    def query(self, out_trade_no: str) -> Transaction | None:
        answer = self._call(self._client().api_alipay_trade_query, out_trade_no=out_trade_no)
        if answer.get("sub_code") == "ACQ.TRADE_NOT_EXIST":
            return None
        if answer.get("code") != "10000":
            raise self._failed(answer)
        return Transaction(trade_state=STATES.get(answer.get("trade_status", ""), str(answer.get("trade_status"))),
                           out_trade_no=str(answer.get("out_trade_no", "")),
                           transaction_id=str(answer.get("trade_no", "")),
                           total=text_fen(answer.get("total_amount")), mchid=self.credentials.app_id, sub_mchid="")

    def close(self, out_trade_no: str) -> None:
        answer = self._call(self._client().api_alipay_trade_close, out_trade_no=out_trade_no)
        if answer.get("code") != "10000":
            failure = self._failed(answer)
            failure.provider_code = {"ACQ.TRADE_NOT_EXIST": "ORDER_NOT_EXIST",
                                     "ACQ.TRADE_STATUS_ERROR": "ORDERPAID"}.get(failure.provider_code,
                                                                               failure.provider_code)
            raise failure

    def refund(self, *, out_trade_no: str, out_refund_no: str, amount_fen: int, reason: str, **_ignored) -> dict:
        answer = self._call(self._client().api_alipay_trade_refund, refund_amount=fen_text(amount_fen),
                            out_trade_no=out_trade_no, out_request_no=out_refund_no, refund_reason=reason or None)
        if answer.get("code") != "10000":
            raise self._failed(answer)
        return {"status": "SUCCESS" if answer.get("fund_change") == "Y" else "PROCESSING",
                "refund_id": out_refund_no}

    def query_refund(self, out_refund_no: str) -> dict | None:
        return None  # refunds finish synchronously at Alipay

    def open_notification(self, form: dict) -> dict:
        """Verify the form's RSA2 signature (all fields but ``sign`` and ``sign_type``)."""
        data = dict(form)
        signature = data.pop("sign", "")
        if not signature or data.get("sign_type", "RSA2") != "RSA2":
            raise NotificationRefused("missing signature", 401)
        try:
            valid = self._client().verify(data, signature)
        except (ValueError, TypeError, AliPayException):
            valid = False
        if not valid:
            raise NotificationRefused("signature verification failed", 401)
        if data.get("app_id") != self.credentials.app_id:
            raise NotificationRefused("app_id is not this store's", 400, verified=True)
        if self.credentials.partner and data.get("auth_app_id") != self.credentials.auth_app_id:
            raise NotificationRefused("auth_app_id is not the app this store authorized", 400, verified=True)
        return data


def isv_client(app_id: str, private_key_pem: str, public_key_pem: str, *, notify_url: str | None = None,
               app_auth_token: str = "", app_auth_code: str = "") -> ISVAliPay:
    """The platform's third-party app acting for a store (its ``app_auth_token``), or exchanging a code."""
    try:
        client = ISVAliPay(appid=app_id, app_notify_url=notify_url, app_private_key_string=private_key_pem,
                           alipay_public_key_string=public_key_pem, sign_type="RSA2",
                           app_auth_token=app_auth_token or None, app_auth_code=app_auth_code or None)
    except Exception as exc:  # ISVAliPay raises a bare Exception without a token or a code
        raise ProviderFailed(detail=f"Alipay client: {exc}") from exc
    client._config = AliPayConfig(timeout=current_app.config["WECHATPAY_HTTP_TIMEOUT"])
    client._gateway = current_app.config["ALIPAY_GATEWAY_URL"]
    return client


def refresh_grant(app_id: str, private_key_pem: str, public_key_pem: str, refresh_token: str) -> dict:
    """``alipay.open.auth.token.app`` (grant_type refresh_token): a new grant for the same store. The client is
    built with the refresh token standing in for a code, so no (maybe expired) ``app_auth_token`` is sent."""
    client = isv_client(app_id, private_key_pem, public_key_pem, app_auth_code=refresh_token)
    return _grant(AlipayProvider._call(lambda: client.api_alipay_open_auth_token_app(refresh_token=refresh_token)))


def exchange_auth_code(app_id: str, private_key_pem: str, public_key_pem: str, code: str) -> dict:
    """``alipay.open.auth.token.app`` (grant_type authorization_code): the store's grant, ``{app_auth_token,
    app_refresh_token, auth_app_id, user_id, expires_in, re_expires_in}`` (the first of ``tokens``)."""
    client = isv_client(app_id, private_key_pem, public_key_pem, app_auth_code=code)
    return _grant(AlipayProvider._call(client.api_alipay_open_auth_token_app))


def _grant(answer: dict) -> dict:
    if answer.get("code") != "10000":
        raise AlipayProvider._failed(answer)
    grant = (answer.get("tokens") or [answer])[0]
    if not grant.get("app_auth_token") or not grant.get("auth_app_id"):
        raise ProviderFailed(detail="Alipay's answer carries no app_auth_token")
    return grant
