"""Paying the platform: a WeChat Pay **Native** QR code through the payments package, on the
platform's own merchant account, and the ``payment.succeeded`` reaction that applies it once.

``payments`` owns providers, signatures and notifications; billing only asks for a code URL for its
order (``purpose="subscription"``, ``reference_id`` = the ``BillingPayment`` id) and reacts to the
event. Without the payments package (or with it refusing) the merchant is told to try again or pay
by bank transfer — nothing is half-created.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from kaidian.platform import audit
from kaidian.platform.errors import AppError, Conflict
from kaidian.platform.extensions import db
from kaidian.platform.jobs import enqueue
from kaidian.platform.models import Tenant
from kaidian.platform.tenancy import only_tenant, tenant_context
from kaidian.platform.unit import atomic, unit
from kaidian.platform.validation import load

from . import subscriptions
from .errors import PaymentRefused, PaymentUnavailable
from .models import BillingPayment, PaymentMethod, PaymentStatus
from .plans import PLANS
from .schemas import PaySchema, ReasonSchema
from .subscriptions import apply_payment, open_order

log = logging.getLogger(__name__)
PURPOSE = "subscription"


@atomic
def pay_by_qr(tenant: Tenant, data: dict, actor) -> BillingPayment:
    """A pending order (``plan``, ``period``) and its QR code URL — saved together, or not at all."""
    values = load(PaySchema(), data)
    plan = values["plan"]
    payment = open_order(tenant, plan, values["period"], PaymentMethod.WECHAT_NATIVE, actor)
    if payment.amount_fen <= 0:  # an upgrade fully covered by the credit: nothing to charge
        apply_payment(tenant, payment, amount_fen=0, transaction_id=None, actor=actor)
        return payment
    try:
        from kaidian.payments import services as payments
    except ImportError:
        raise PaymentUnavailable() from None
    try:
        answer = payments.start_payment(
            purpose=PURPOSE, reference_id=str(payment.id), amount_fen=payment.amount_fen,
            description=_("Kaidian %(plan)s plan", plan=PLANS[plan].name)[:120], channel="native")
    except Exception as error:  # noqa: BLE001 - any provider failure: nothing saved, a clear 503
        log.warning("platform payment could not start: %s", error)
        raise PaymentUnavailable() from None
    payment.code_url = str(answer.get("code_url") or "")[:300]
    payment.provider_ref = str(answer.get("payment_id") or answer.get("id") or "")[:64]
    return payment


def on_payment_succeeded(event) -> None:
    """``payment.succeeded`` for a subscription: apply it once. A duplicate is a no-op; an amount that
    differs from the order is refused (recorded, nothing extended)."""
    if event.payload.get("purpose") != PURPOSE:
        return
    handle_paid(event.tenant_id, event["reference_id"], event["amount_fen"], event.payload.get("transaction_id"))


def handle_paid(tenant_id, reference_id, amount_fen: int, transaction_id: str | None) -> bool:
    try:
        payment_id = uuid.UUID(str(reference_id))
    except ValueError:
        log.warning("subscription payment with a bad reference %r", reference_id)
        return False
    tenant_id = uuid.UUID(str(tenant_id))
    with tenant_context(tenant_id):
        try:
            with unit():
                payment = db.session.execute(select(BillingPayment).where(BillingPayment.id == payment_id)
                                             .with_for_update()).scalar_one_or_none()
                if payment is None:
                    log.warning("subscription payment %s not found in store %s", payment_id, tenant_id)
                    return False
                tenant = db.session.execute(select(Tenant).where(Tenant.id == tenant_id).with_for_update()
                                            ).scalar_one()
                return apply_payment(tenant, payment, amount_fen=int(amount_fen), transaction_id=transaction_id)
        except PaymentRefused as refused:
            log.warning("subscription payment %s refused: %s", payment_id, refused)
            with unit():  # nothing was applied; the refusal is on record
                audit.record("billing.payment.refused", f"{payment_id} paid {amount_fen}: {refused.message}",
                             tenant_id=tenant_id)
            return False


# --- reconcile --------------------------------------------------------------------------------------------


def reconcile(tenant_id, payment_id, now: datetime) -> str:
    """A pending QR order whose notification has not come: ask WeChat Pay (through payments) — a payment
    found there is applied once (``payment.succeeded`` → ``handle_paid``, a no-op for a duplicate); an
    order past its lifetime and unpaid is closed at WeChat Pay (the close API) and expired here.
    Returns ``paid``, ``expired``, ``open`` (nothing yet, or the provider failed: the next run asks
    again) or ``done`` (no longer pending)."""
    from kaidian.payments import services as payments

    with tenant_context(uuid.UUID(str(tenant_id))):
        try:
            with unit():
                payment = db.session.execute(select(BillingPayment).where(
                    BillingPayment.id == uuid.UUID(str(payment_id))).with_for_update()).scalar_one_or_none()
                if payment is None or payment.status != PaymentStatus.PENDING:
                    return "done"
                if payment.provider_ref and payments.query_payment(payment.provider_ref).status == "paid":
                    return "paid"  # applied after this commit, by the event
                if payment.expires_at is None or payment.expires_at > now:
                    return "open"
                if payment.provider_ref:
                    payments.close_payment(str(payment.id), PURPOSE)  # one paid meanwhile is applied instead
                payment.status = PaymentStatus.EXPIRED
                return "expired"
        except AppError as error:  # the provider failed, or payments no longer knows the order
            log.warning("reconcile of platform payment %s failed: %s", payment_id, error)
            return "open"


# --- refunds ----------------------------------------------------------------------------------------------


@atomic
def request_refund(tenant: Tenant, payment: BillingPayment, data: dict, actor) -> None:
    """A platform admin refunds a WeChat Pay payment in full, with a reason: checked here, sent to
    WeChat Pay by the job ``tasks.refund_payment`` after the commit (calling another system waits for
    the data to be safe); ``refund.succeeded`` then marks it refunded and takes back the time it bought."""
    values = load(ReasonSchema(), data)
    if payment.method != PaymentMethod.WECHAT_NATIVE or payment.status != PaymentStatus.PAID or payment.amount_fen <= 0:
        raise Conflict(_l("Only a paid WeChat Pay payment can be refunded here."))
    audit.record("billing.refund.request", f"{payment.receipt_no}: {values['reason']}", tenant_id=tenant.id,
                 actor=actor)
    from .tasks import refund_payment

    enqueue(refund_payment, str(tenant.id), str(payment.id), values["reason"], queue="default", timeout=60)


def refund(tenant_id: uuid.UUID, payment_id: uuid.UUID, reason: str) -> None:
    """Ask payments to refund ``payment_id`` in full (idempotent: one refund number per payment)."""
    from kaidian.payments import services as payments

    with only_tenant(tenant_id), unit():  # an inline job keeps a console caller's all_tenants(): leave it
        payment = db.session.execute(select(BillingPayment).where(BillingPayment.id == payment_id)).scalar_one()
        if payment.status != PaymentStatus.PAID:
            return
        payments.refund(purpose=PURPOSE, reference_id=str(payment.id), amount_fen=payment.amount_fen,
                        reason=reason[:80], out_refund_no=f"KDR{payment.id.hex[:29]}".upper())


def on_refund_succeeded(event) -> None:
    """``refund.succeeded`` for a subscription: the payment is refunded (once) and, if it bought the
    latest paid time, that time ends now (the sweep then moves the store on)."""
    if event.payload.get("purpose") != PURPOSE:
        return
    try:
        payment_id = uuid.UUID(str(event["reference_id"]))
    except ValueError:
        return
    with tenant_context(event.tenant_id), unit():
        payment = db.session.execute(select(BillingPayment).where(BillingPayment.id == payment_id)
                                     .with_for_update()).scalar_one_or_none()
        if payment is None or payment.status == PaymentStatus.REFUNDED:
            return
        payment.status = PaymentStatus.REFUNDED
        tenant = db.session.execute(select(Tenant).where(Tenant.id == event.tenant_id).with_for_update()).scalar_one()
        subscriptions.take_back(tenant, payment)
