"""WeChat Pay notifications: verified before they are parsed, checked, applied once, always recorded.

Order of checks: the ``Wechatpay-Serial`` must name the WeChat Pay public key configured for the
receiving merchant (an unknown serial is refused, never looked up), the timestamp must be within
5 minutes, the signature must verify; then the resource is decrypted with the APIv3 key; then the
merchant (mchid, and sp_mchid + sub_mchid in partner mode), the payment (its ``out_trade_no`` in this
store) and the **amount** are checked; then the payment is applied once (a conditional update and the
unique transaction id). A duplicate is answered as a success without being applied again. Refusals are
answered 4xx with ``{"code": "FAIL", "message": …}`` (WeChat Pay retries them), successes 204.
"""

from __future__ import annotations

import hashlib
import logging
import uuid

from sqlalchemy import select

from kaidian.platform import audit
from kaidian.platform.extensions import db
from kaidian.platform.models import Tenant
from kaidian.platform.tenancy import all_tenants, tenant_context
from kaidian.platform.unit import unit

from .alipay import PAID, AlipayProvider, text_fen
from .configuration import alipay_credentials, credentials, partner_credentials, platform_credentials, store_settings
from .errors import NotConfigured, NotificationRefused
from .models import Payment, PaymentNotification, PaymentSettings, Refund
from .services import apply_paid, apply_refund_status
from .wechatpay import Credentials, WeChatPayProvider

log = logging.getLogger(__name__)

HEADERS_KEPT = ("Wechatpay-Serial", "Wechatpay-Timestamp", "Wechatpay-Nonce", "Wechatpay-Signature-Type")


class Outcome:
    def __init__(self) -> None:
        self.tenant_id: uuid.UUID | None = None
        self.notification_id = self.event_type = self.out_trade_no = self.transaction_id = ""
        self.verified = False
        self.result, self.detail = "refused", ""
        self.audit: tuple[str, str] | None = None


def handle(route: str, tenant_id: uuid.UUID | None, headers, body: bytes) -> tuple[int, dict | None]:
    """Handle one notification POSTed to the ``route`` ("direct" for ``tenant_id``, or "partner");
    returns the HTTP status and JSON body to answer with. The apply step is one unit of work in the
    store; the record of the notification (and an audit of a refused amount) is a unit of its own, kept
    whatever happened to the first."""
    outcome = Outcome()
    outcome.tenant_id = tenant_id
    try:
        _handle(route, tenant_id, headers, body, outcome)
        status, answer = 204, None
    except NotificationRefused as refusal:
        db.session.rollback()
        outcome.result, outcome.detail = "refused", refusal.message
        outcome.verified = outcome.verified or refusal.verified
        outcome.audit = refusal.audit
        status, answer = refusal.status, {"code": "FAIL", "message": refusal.message}
        log.warning("payment notification refused (%s): %s", route, refusal.message)
    except Exception:
        db.session.rollback()
        log.exception("payment notification failed (%s)", route)
        outcome.result, outcome.detail = "error", "internal error"
        status, answer = 500, {"code": "FAIL", "message": "internal error"}
    _record(route, headers, body, outcome, status)
    return status, answer


def _handle(route: str, tenant_id, headers, body: bytes, outcome: Outcome) -> None:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise NotificationRefused("body is not UTF-8", 400) from None
    if route == "partner":
        try:
            creds = partner_credentials()
        except NotConfigured:
            raise NotificationRefused("service-provider mode is not configured", 404) from None
    elif route == "platform":
        try:
            creds = platform_credentials()
        except NotConfigured:
            raise NotificationRefused("the platform's merchant account is not configured", 404) from None
    else:
        creds = _direct_credentials(tenant_id)
    opened = WeChatPayProvider(creds).open_notification(headers, text)
    outcome.verified = True
    outcome.notification_id, outcome.event_type = opened["id"], opened["event_type"]
    resource = opened["resource"]
    outcome.out_trade_no = str(resource.get("out_trade_no", ""))[:64]
    outcome.transaction_id = str(resource.get("transaction_id", ""))[:64]
    _check_merchant(creds, resource)
    if route == "partner":
        tenant_id = _tenant_of_sub_mchid(str(resource.get("sub_mchid", "")))
        outcome.tenant_id = tenant_id
    with tenant_context(tenant_id), unit():
        if outcome.event_type == "TRANSACTION.SUCCESS":
            outcome.result = _apply_transaction(creds, resource)
        elif outcome.event_type.startswith("REFUND."):
            outcome.result = _apply_refund(creds, resource, outcome.event_type)
        else:
            outcome.result = "ignored"


def _direct_credentials(tenant_id) -> Credentials:
    if tenant_id is None:
        raise NotificationRefused("unknown store", 404)
    with tenant_context(tenant_id):
        settings = store_settings()
        try:
            creds = credentials(settings) if settings is not None and settings.mode == "direct" else None
        except NotConfigured:
            creds = None
    if creds is None:
        raise NotificationRefused("this store has no direct-mode WeChat Pay settings", 404)
    return creds


def _check_merchant(creds: Credentials, resource: dict) -> None:
    if creds.partner:
        if resource.get("sp_mchid") != creds.mchid:
            raise NotificationRefused("sp_mchid is not this service provider", 400, verified=True)
    elif resource.get("mchid") != creds.mchid:
        raise NotificationRefused("mchid is not this store's merchant number", 400, verified=True)


def _tenant_of_sub_mchid(sub_mchid: str) -> uuid.UUID:
    with all_tenants():
        tenant_ids = db.session.execute(select(PaymentSettings.tenant_id).where(
            PaymentSettings.sub_mchid == sub_mchid, PaymentSettings.mode == "partner",
            PaymentSettings.sub_mchid != "")).scalars().all()
    if len(tenant_ids) != 1:
        raise NotificationRefused("sub_mchid belongs to no store", 400, verified=True)
    return tenant_ids[0]


def _apply_transaction(creds: Credentials, resource: dict) -> str:
    payment = db.session.execute(select(Payment).filter_by(
        out_trade_no=str(resource.get("out_trade_no", "")))).scalar_one_or_none()
    if payment is None:
        raise NotificationRefused("unknown out_trade_no", 404, verified=True)
    if payment.mchid != creds.mchid or payment.sub_mchid != str(resource.get("sub_mchid", "") if creds.partner else ""):
        raise NotificationRefused("the payment belongs to another merchant", 400, verified=True)
    if resource.get("trade_state") != "SUCCESS":
        raise NotificationRefused(f"trade_state {str(resource.get('trade_state'))[:20]} is not SUCCESS", 400,
                                  verified=True)
    total = (resource.get("amount") or {}).get("total")
    if total != payment.amount_fen:
        raise NotificationRefused(f"amount {total!r} does not match the payment", 400, verified=True,
                                  audit=("payments.amount_mismatch",
                                         f"{payment.out_trade_no}: notified {total!r}, expected {payment.amount_fen}"))
    transaction_id = str(resource.get("transaction_id") or "")
    if not transaction_id:
        raise NotificationRefused("transaction_id missing", 400, verified=True)
    if apply_paid(payment, transaction_id):
        return "applied"
    if payment.transaction_id != transaction_id:  # one out_trade_no paid twice: a person must look
        audit.record("payments.second_transaction", f"{payment.out_trade_no}: {transaction_id} after "
                     f"{payment.transaction_id}", tenant_id=payment.tenant_id)
    return "duplicate"


def _apply_refund(creds: Credentials, resource: dict, event_type: str) -> str:
    refund = db.session.execute(select(Refund).filter_by(
        out_refund_no=str(resource.get("out_refund_no", "")))).scalar_one_or_none()
    if refund is None:
        raise NotificationRefused("unknown out_refund_no", 404, verified=True)
    if (resource.get("amount") or {}).get("refund") != refund.amount_fen:
        raise NotificationRefused("refund amount does not match", 400, verified=True)
    before = refund.status
    apply_refund_status(refund, event_type.removeprefix("REFUND."))
    return "applied" if refund.status != before else "duplicate"


# --- Alipay: a signed form, answered with the literal "success" ----------------------------------------

def handle_alipay(tenant_id: uuid.UUID, form: dict, body: bytes) -> tuple[int, str]:
    """Handle one Alipay notification for the store ``tenant_id``: verify, check app, payment and amount,
    apply once. Returns the status and the text Alipay reads (``success``, or ``fail`` to be retried)."""
    outcome = Outcome()
    outcome.tenant_id = tenant_id
    outcome.event_type = str(form.get("notify_type", ""))[:40]
    outcome.out_trade_no = str(form.get("out_trade_no", ""))[:64]
    outcome.transaction_id = str(form.get("trade_no", ""))[:64]
    route = "direct"
    try:
        with tenant_context(tenant_id):
            settings = store_settings("alipay")
            try:
                provider = AlipayProvider(alipay_credentials(settings)) if settings else None
            except NotConfigured:
                provider = None
            if provider is None:
                raise NotificationRefused("this store has no Alipay settings", 404)
            route = provider.credentials.mode  # partner: signed for the platform's app, for the store's auth_app_id
            data = provider.open_notification(form)
            outcome.verified = True
            with unit():
                outcome.result = _apply_alipay(provider, data)
        status, answer = 200, "success"
    except NotificationRefused as refusal:
        db.session.rollback()
        outcome.result, outcome.detail = "refused", refusal.message
        outcome.verified = outcome.verified or refusal.verified
        outcome.audit = refusal.audit
        status, answer = refusal.status, "fail"
        log.warning("Alipay notification refused: %s", refusal.message)
    except Exception:
        db.session.rollback()
        log.exception("Alipay notification failed")
        outcome.result, outcome.detail = "error", "internal error"
        status, answer = 500, "fail"
    _record(route, {}, body, outcome, status, provider="alipay")
    return status, answer


def _apply_alipay(provider: AlipayProvider, data: dict) -> str:
    payment = db.session.execute(select(Payment).filter_by(
        out_trade_no=str(data.get("out_trade_no", "")), provider="alipay")).scalar_one_or_none()
    if payment is None:
        raise NotificationRefused("unknown out_trade_no", 404, verified=True)
    if data.get("trade_status") not in PAID:
        return "ignored"  # WAIT_BUYER_PAY / TRADE_CLOSED: nothing to apply
    total = text_fen(data.get("total_amount"))
    if total != payment.amount_fen:
        raise NotificationRefused(f"amount {str(data.get('total_amount'))[:20]!r} does not match the payment", 400,
                                  verified=True, audit=("payments.amount_mismatch",
                                                        f"{payment.out_trade_no}: notified {total!r}, "
                                                        f"expected {payment.amount_fen}"))
    trade_no = str(data.get("trade_no") or "")
    if not trade_no:
        raise NotificationRefused("trade_no missing", 400, verified=True)
    return "applied" if apply_paid(payment, trade_no) else "duplicate"


def _record(route: str, headers, body: bytes, outcome: Outcome, status: int, provider: str = "wechatpay") -> None:
    with all_tenants():
        known = outcome.tenant_id is not None and db.session.get(Tenant, outcome.tenant_id) is not None
    tenant_id = outcome.tenant_id if known else None
    row = PaymentNotification(
        tenant_id=tenant_id, route=route, provider=provider,
        headers={name: str(headers.get(name, ""))[:128] for name in HEADERS_KEPT},
        body_sha256=hashlib.sha256(body).hexdigest(), body_bytes=len(body),
        notification_id=outcome.notification_id, event_type=outcome.event_type, verified=outcome.verified,
        out_trade_no=outcome.out_trade_no, transaction_id=outcome.transaction_id, result=outcome.result,
        detail=outcome.detail[:300], http_status=status)
    with tenant_context(tenant_id), unit():
        db.session.add(row)
        if outcome.audit and tenant_id is not None:
            audit.record(*outcome.audit, tenant_id=tenant_id)
