"""The payments use cases — the public API other domains code against (orders, later billing):

- ``offered_channels(user_agent) -> [{"channel", "provider", "handoff", "standby"}]`` (the choices of a pay
  page, ``channels.py``; a ``handoff`` is no payment channel: the pay endpoint never starts one)
- ``shopper_context(user_agent) -> "miniprogram" | "wechat" | "mobile" | "desktop"`` (where the shopper is)
- ``register_mini_program(name, lookup)`` (the store's mini program a pay page can hand off to)
- ``start_payment(*, purpose, reference_id, amount_fen, description, channel, payer_openid=None,
  client_ip="", return_url="") -> dict``
- ``close_payment(reference_id, purpose)``
- ``query_payment(payment_id) -> Payment``
- ``refund(*, purpose, reference_id, amount_fen, reason, out_refund_no) -> Refund``

They run in the current store, validate their input, join the caller's unit of work (``@atomic``: the
outermost unit commits) and raise ``PaymentError`` subclasses.
Outcomes travel as domain events (``payment.succeeded``, ``refund.succeeded``, ``refund.failed``),
each published exactly once: payments never imports its callers.
"""

from __future__ import annotations

import secrets
import time
import uuid
from datetime import timedelta
from urllib.parse import urlencode

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from kaidian.platform import events, sites
from kaidian.platform.extensions import db
from kaidian.platform.models import utcnow
from kaidian.platform.tenancy import current_tenant_id
from kaidian.platform.unit import atomic, unit

from . import channels
from .configuration import PLATFORM_PURPOSES, platform_provider, provider_for, store_settings
from .errors import AlreadyPaid, PaymentError, PaymentNotFound, ProviderFailed, RefundRefused
from .models import CHANNEL_PROVIDERS, Payment, PaymentStatus, Refund, RefundStatus
from .schemas import RefundSchema, StartPaymentSchema, load

REAL_BASE_URL = "https://api.mch.weixin.qq.com"
PREPAY_REUSE = timedelta(minutes=100)  # a prepay_id lives 2 hours at WeChat Pay


def is_sandbox() -> bool:
    return current_app.config["WECHATPAY_BASE_URL"].rstrip("/") != REAL_BASE_URL


# providers whose notify_url is sent with each payment: always the store's own address, whatever the mode
PER_STORE_NOTIFY = frozenset({"alipay"})


def notify_url(tenant_id: uuid.UUID, partner: bool, provider: str = "wechatpay", platform: bool = False) -> str:
    """Where the provider sends notifications: per store in direct mode, one address in partner mode,
    per store on the platform's own WeChat Pay account (``platform``: a store paying its plan)."""
    partner = partner and provider not in PER_STORE_NOTIFY
    if platform:
        endpoint = "payments_notify.wechatpay_platform"
    else:
        endpoint = "payments_notify.wechatpay_partner" if partner else f"payments_notify.{provider}_direct"
    values = {} if partner and not platform else {"tenant_id": tenant_id}
    base = current_app.config["WECHATPAY_NOTIFY_BASE"].rstrip("/")
    if not base:
        return sites.platform_url(endpoint, **values)
    return base + current_app.url_map.bind("localhost").build(endpoint, values)


def new_out_trade_no() -> str:
    """32 characters (WeChat's limit): the time, for people reading statements, then 20 random hex digits."""
    return time.strftime("%y%m%d%H%M%S", time.gmtime()) + secrets.token_hex(10).upper()


# --- starting a payment ------------------------------------------------------------------------------

def offered_channels(user_agent: str | None, shopper_appid: str | None = None) -> list[dict]:
    """The ways of paying the current store offers a shopper with this browser: ``[{"channel",
    "provider", "handoff", "standby"}]``, in the order of the page's buttons (the rule: ``channels.py``).
    ``shopper_appid``: the AppID the shopper's WeChat identity is under (a hand-off needs the store's mini
    program's)."""
    context = channels.context_of(user_agent)
    mini_program = channels.needs_mini_program(context) and channels.hands_off(shopper_appid)
    return channels.offered(context, channels.configured_providers(), mini_program=mini_program)


def shopper_context(user_agent: str | None) -> str:
    """Where a browser is, as the channels' rule sees it: ``miniprogram`` (a mini program's web-view),
    ``wechat``, ``mobile`` or ``desktop``."""
    return channels.context_of(user_agent)


register_mini_program = channels.register_mini_program


@atomic
def start_payment(*, purpose: str, reference_id, amount_fen: int, description: str, channel: str,
                  payer_openid: str | None = None, client_ip: str = "", return_url: str = "",
                  payer_appid: str | None = None) -> dict:
    """Create (or return the still-open) payment of ``reference_id`` on ``channel`` and prepay it at the
    provider. Returns ``{"payment_id", "out_trade_no", "channel", "amount_fen"}`` plus ``"jsapi"`` (the
    ``getBrandWCPayRequest`` / ``wx.requestPayment`` parameters), ``"code_url"`` (Native) or ``"h5_url"``
    (H5); against the sandbox also ``"cashier_url"``. ``payer_appid`` (JSAPI only): the AppID the
    ``payer_openid`` belongs to when it is not the one in the store's settings — the store's mini program
    (it must be bound to the merchant number at WeChat Pay)."""
    args = load(StartPaymentSchema(), {
        "purpose": purpose, "reference_id": str(reference_id), "amount_fen": amount_fen,
        "description": description, "channel": channel, "payer_openid": payer_openid or "",
        "client_ip": client_ip or "", "return_url": return_url or "", "payer_appid": payer_appid or ""})
    if args["channel"] == "jsapi" and not args["payer_openid"]:
        raise PaymentError(_("A payment inside WeChat needs the shopper's openid."))
    if args["purpose"] in PLATFORM_PURPOSES:  # a store paying the platform (its plan): the platform's account
        settings, provider = None, platform_provider()
    else:
        settings = store_settings(CHANNEL_PROVIDERS[args["channel"]])
        provider = provider_for(settings)
    if args["payer_appid"] and args["channel"] == "jsapi":
        provider = provider.paying_from(args["payer_appid"])
    _refuse_if_paid(args["purpose"], args["reference_id"])
    payment = _open_payment(args, provider)
    if payment is None:
        payment = _new_payment(args, provider)
    return _page_data(payment, provider, args["return_url"])


def _refuse_if_paid(purpose: str, reference_id: str) -> None:
    paid = db.session.execute(select(Payment.id).where(
        Payment.purpose == purpose, Payment.reference_id == reference_id,
        Payment.status.in_((PaymentStatus.PAID, PaymentStatus.REFUNDED))).limit(1)).first()
    if paid:
        raise AlreadyPaid()


def _open_payment(args: dict, provider) -> Payment | None:
    """The open payment to reuse, or None after closing one that no longer fits (amount changed…)."""
    payment = db.session.execute(select(Payment).where(
        Payment.purpose == args["purpose"], Payment.reference_id == args["reference_id"],
        Payment.channel == args["channel"], Payment.status == PaymentStatus.CREATED).with_for_update()
    ).scalar_one_or_none()
    if payment is None:
        return None
    c = provider.credentials
    fits = (payment.amount_fen == args["amount_fen"] and payment.description == args["description"]
            and payment.payer_openid == args["payer_openid"] and payment.mchid == c.mchid
            and payment.sub_mchid == c.sub_mchid and payment.prepay
            and utcnow() - payment.created_at < PREPAY_REUSE)
    if fits:
        return payment
    _close_at_provider(payment, provider)
    if payment.status == PaymentStatus.PAID:
        raise AlreadyPaid()
    return None


def _new_payment(args: dict, provider) -> Payment:
    c = provider.credentials
    payment = Payment(purpose=args["purpose"], reference_id=args["reference_id"], channel=args["channel"],
                      out_trade_no=new_out_trade_no(), amount_fen=args["amount_fen"],
                      description=args["description"], payer_openid=args["payer_openid"],
                      status=PaymentStatus.CREATED, mode=c.mode, mchid=c.mchid, sub_mchid=c.sub_mchid,
                      provider=provider.name, refunded_fen=0)
    try:
        with unit(savepoint=True):
            db.session.add(payment)
            db.session.flush()
    except IntegrityError:  # a concurrent call opened one for this reference and channel first
        raise PaymentError(_("A payment for this is already being started; try again.")) from None
    payment.prepay = provider.prepay(
        channel=args["channel"], out_trade_no=payment.out_trade_no, amount_fen=payment.amount_fen,
        description=payment.description, notify_url=notify_url(current_tenant_id(), c.partner, provider.name,
                                                                         platform=c.mode == "platform"),
        payer_openid=payment.payer_openid, client_ip=args["client_ip"], return_url=args["return_url"])
    return payment


def _page_data(payment: Payment, provider, return_url: str) -> dict:
    data = {"payment_id": str(payment.id), "out_trade_no": payment.out_trade_no, "channel": payment.channel,
            "amount_fen": payment.amount_fen}
    prepay = payment.prepay or {}
    if payment.channel == "jsapi":
        data["jsapi"] = provider.jsapi_params(prepay["prepay_id"])
        if is_sandbox():
            query = {"prepay_id": prepay["prepay_id"], **data["jsapi"]}
            if return_url:
                query["redirect_url"] = return_url
            base = current_app.config["WECHATPAY_BASE_URL"].rstrip("/")
            data["cashier_url"] = f"{base}/sandbox/pay/cashier?{urlencode(query)}"
    elif payment.channel == "native":
        data["code_url"] = prepay["code_url"]
    elif payment.provider == "alipay":
        data["pay_url"] = prepay["pay_url"]
    else:
        h5_url = prepay["h5_url"]
        data["h5_url"] = h5_url + ("&" if "?" in h5_url else "?") + urlencode({"redirect_url": return_url}) \
            if return_url else h5_url
    if is_sandbox() and payment.channel != "jsapi":
        data["cashier_url"] = data.get("h5_url") or data.get("pay_url") or data["code_url"]
    return data


def provider_of(payment: Payment):
    """The provider a payment was made with, with the store's current settings for it (the platform's
    own account for a payment made on it)."""
    if payment.mode == "platform":
        return platform_provider()
    return provider_for(store_settings(payment.provider))


# --- applying outcomes (used by notifications and queries) ------------------------------------------

def apply_paid(payment: Payment, transaction_id: str) -> bool:
    """Mark ``payment`` paid by ``transaction_id`` once: True when this call did it (and published
    ``payment.succeeded``), False when it was already paid."""
    result = db.session.execute(
        update(Payment).where(Payment.id == payment.id,
                              Payment.status.in_((PaymentStatus.CREATED, PaymentStatus.CLOSED)))
        .values(status=PaymentStatus.PAID, transaction_id=transaction_id, paid_at=utcnow())
        .execution_options(synchronize_session=False))
    db.session.refresh(payment)
    if result.rowcount != 1:
        return False
    events.publish("payment.succeeded", tenant_id=payment.tenant_id, payment_id=str(payment.id),
                   purpose=payment.purpose, reference_id=payment.reference_id, amount_fen=payment.amount_fen,
                   transaction_id=transaction_id)
    return True


def finish_refund(refund: Refund, succeeded: bool, provider_status: str) -> bool:
    """Move ``refund`` out of ``processing`` once; True when this call did it (and published the event)."""
    status = RefundStatus.SUCCEEDED if succeeded else RefundStatus.FAILED
    result = db.session.execute(
        update(Refund).where(Refund.id == refund.id, Refund.status == RefundStatus.PROCESSING)
        .values(status=status, provider_status=provider_status[:32], finished_at=utcnow())
        .execution_options(synchronize_session=False))
    db.session.refresh(refund)
    if result.rowcount != 1:
        return False
    if succeeded:
        payment = db.session.get(Payment, (refund.tenant_id, refund.payment_id), with_for_update=True)
        payment.refunded_fen += refund.amount_fen
        if payment.refunded_fen >= payment.amount_fen:
            payment.status = PaymentStatus.REFUNDED
    events.publish("refund.succeeded" if succeeded else "refund.failed", tenant_id=refund.tenant_id,
                   **(refund.event_data or {}), refund_id=str(refund.id), purpose=refund.purpose,
                   reference_id=refund.reference_id, amount_fen=refund.amount_fen)
    return True


def _close_at_provider(payment: Payment, provider) -> None:
    """Close ``payment`` at the provider and here; a payment the provider reports paid is applied instead."""
    try:
        provider.close(payment.out_trade_no)
    except ProviderFailed as exc:
        if exc.provider_code == "ORDERPAID":
            _apply_query(payment, provider)
            return
        if exc.provider_code != "ORDER_NOT_EXIST":
            raise
    payment.status, payment.closed_at = PaymentStatus.CLOSED, utcnow()


def _apply_query(payment: Payment, provider) -> str:
    """Ask the provider about ``payment`` and apply what it says; returns its trade state."""
    found = provider.query(payment.out_trade_no)
    payment.checked_at = utcnow()
    if found is None:
        return "NOT_FOUND"
    if found.trade_state in ("SUCCESS", "REFUND"):
        if found.total != payment.amount_fen or found.mchid != payment.mchid or found.sub_mchid != payment.sub_mchid:
            raise PaymentError(_("The provider reports this payment with another amount or merchant."))
        apply_paid(payment, found.transaction_id)
    elif found.trade_state in ("CLOSED", "REVOKED", "PAYERROR") and payment.status == PaymentStatus.CREATED:
        payment.status, payment.closed_at = PaymentStatus.CLOSED, utcnow()
    return found.trade_state


# --- the rest of the public API ----------------------------------------------------------------------

@atomic
def close_payment(reference_id, purpose: str) -> None:
    """Close every open payment of the reference at the provider (e.g. the payment window is over).
    One the provider reports paid is applied (``payment.succeeded``) instead of closed."""
    payments = db.session.execute(select(Payment).where(
        Payment.purpose == purpose, Payment.reference_id == str(reference_id),
        Payment.status == PaymentStatus.CREATED).with_for_update()).scalars().all()
    for payment in payments:
        _close_at_provider(payment, provider_of(payment))


@atomic
def query_payment(payment_id) -> Payment:
    """Ask the provider about a payment and apply a success found there (the reconcile job)."""
    try:
        key = (current_tenant_id(), uuid.UUID(str(payment_id)))
    except ValueError:
        raise PaymentNotFound() from None
    payment = db.session.get(Payment, key)
    if payment is None:
        raise PaymentNotFound()
    if payment.status == PaymentStatus.CREATED or payment.status == PaymentStatus.CLOSED:
        _apply_query(payment, provider_of(payment))
    return payment


@atomic
def refund(*, purpose: str, reference_id, amount_fen: int, reason: str, out_refund_no: str,
           metadata: dict | None = None) -> Refund:
    """Refund part or all of the paid payment of a reference; idempotent by ``out_refund_no`` (the same
    number returns the same refund). The outcome comes as ``refund.succeeded`` / ``refund.failed``,
    carrying ``metadata`` (≤ 8 short string values, e.g. ``customer_id``, ``order_no``). A provider
    failure leaves nothing behind once the unit rolls back: the same ``out_refund_no`` may be tried again."""
    args = load(RefundSchema(), {"purpose": purpose, "reference_id": str(reference_id), "amount_fen": amount_fen,
                                 "reason": reason or "", "out_refund_no": out_refund_no,
                                 "metadata": {k: str(v) for k, v in (metadata or {}).items()}})
    existing = db.session.execute(select(Refund).filter_by(out_refund_no=args["out_refund_no"])).scalar_one_or_none()
    if existing is not None:
        if (existing.amount_fen, existing.reference_id, existing.purpose) != (
                args["amount_fen"], args["reference_id"], args["purpose"]):
            raise RefundRefused(_("This refund number was already used for another refund."))
        return existing
    paid = db.session.execute(select(Payment).where(
        Payment.purpose == args["purpose"], Payment.reference_id == args["reference_id"],
        Payment.status == PaymentStatus.PAID).order_by(Payment.paid_at.desc()).with_for_update()).scalars().all()
    if not paid:
        raise RefundRefused(_("Nothing was paid for this, so nothing can be refunded."))
    # a reference paid twice (two channels): the latest payment that still covers the amount
    payment = next((p for p in paid if args["amount_fen"] <= _refundable(p)), None)
    if payment is None:
        raise RefundRefused(_("The refund is larger than what is left to refund."))
    provider = provider_of(payment)
    row = Refund(payment_id=payment.id, purpose=payment.purpose, reference_id=payment.reference_id,
                 out_refund_no=args["out_refund_no"], amount_fen=args["amount_fen"], reason=args["reason"],
                 status=RefundStatus.PROCESSING, event_data=args["metadata"])
    db.session.add(row)
    db.session.flush()
    answer = provider.refund(out_trade_no=payment.out_trade_no, out_refund_no=row.out_refund_no,
                             amount_fen=row.amount_fen, total_fen=payment.amount_fen, reason=row.reason,
                             notify_url=notify_url(current_tenant_id(), provider.credentials.partner, provider.name,
                                                platform=payment.mode == "platform"))
    row.provider_refund_id = str(answer.get("refund_id", ""))[:64]
    apply_refund_status(row, str(answer.get("status", "")))
    return row


def _refundable(payment: Payment) -> int:
    pending = db.session.execute(select(func.coalesce(func.sum(Refund.amount_fen), 0)).where(
        Refund.payment_id == payment.id, Refund.status == RefundStatus.PROCESSING)).scalar_one()
    return payment.amount_fen - payment.refunded_fen - pending


def apply_refund_status(row: Refund, provider_status: str) -> None:
    row.provider_status = provider_status[:32]
    if provider_status == "SUCCESS":
        finish_refund(row, True, provider_status)
    elif provider_status in ("ABNORMAL", "CLOSED"):
        finish_refund(row, False, provider_status)


@atomic
def query_refund(refund_id) -> Refund:
    """Ask the provider about a processing refund and apply its outcome (the reconcile job)."""
    row = db.session.get(Refund, (current_tenant_id(), uuid.UUID(str(refund_id))))
    if row is None:
        raise PaymentNotFound()
    if row.status == RefundStatus.PROCESSING:
        payment = db.session.get(Payment, (row.tenant_id, row.payment_id))
        answer = provider_of(payment).query_refund(row.out_refund_no)
        if answer is not None:
            apply_refund_status(row, str(answer.get("status", "")))
    return row
