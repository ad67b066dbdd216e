"""Platform console for billing (``/platform/billing``): subscriptions and their states, MRR / ARR,
trial conversion and churn; per store: history, payments, record a bank transfer, extend or comp,
change the plan, close the store, upload a 发票; plan prices from a date."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from kaidian.platform.auth import require_platform_admin
from kaidian.platform.confirm import confirmation_page, confirmed
from kaidian.platform.errors import AppError, NotFound, ValidationFailed
from kaidian.platform.extensions import db
from kaidian.platform.models import Tenant, utcnow
from kaidian.platform.money import BadAmount, parse_yuan
from kaidian.platform.storage import read_upload

from . import gateway, invoices, subscriptions
from .models import (
    BillingPayment,
    InvoiceRequest,
    PaymentStatus,
    Period,
    PlanPrice,
    Subscription,
    SubscriptionEvent,
    SubscriptionState,
)
from .plans import PLANS

bp = Blueprint("billing_console", __name__, url_prefix="/platform/billing", template_folder="templates")
S = SubscriptionState


def figures(now: datetime | None = None) -> dict:
    """MRR (list price of each paying subscription, per month), ARR, trial conversion, 30-day churn."""
    now = now or utcnow()
    paying = db.session.execute(select(Subscription.plan, Subscription.period).where(
        Subscription.state.in_([S.ACTIVE, S.GRACE]))).all()
    mrr = sum(subscriptions.price_for(plan, period, now) // (12 if period == Period.YEAR else 1)
              for plan, period in paying)
    ended = db.session.execute(select(Subscription.tenant_id).where(Subscription.trial_ends_at <= now)).scalars().all()
    payers = set(db.session.execute(select(BillingPayment.tenant_id).where(
        BillingPayment.status == PaymentStatus.PAID)).scalars())
    converted = sum(1 for t in ended if t in payers)
    lost = db.session.execute(select(func.count()).select_from(SubscriptionEvent).where(
        SubscriptionEvent.action == "grace.ended", SubscriptionEvent.created_at >= now - timedelta(days=30))).scalar()
    base = len(paying) + lost
    return {"mrr": mrr, "arr": mrr * 12, "paying": len(paying), "trials_ended": len(ended), "converted": converted,
            "conversion": round(100 * converted / len(ended)) if ended else None,
            "churned": lost, "churn": round(100 * lost / base) if base else None}


@bp.get("/", endpoint="subscriptions")
@require_platform_admin
def subscriptions_list():
    state = request.args.get("state") or None
    query = select(Subscription, Tenant).join(Tenant, Tenant.id == Subscription.tenant_id)
    if state in {s.value for s in S}:
        query = query.where(Subscription.state == S(state))
    rows = db.session.execute(query.order_by(Subscription.period_end).limit(200)).all()
    counts = dict(db.session.execute(select(Subscription.state, func.count()).group_by(Subscription.state)).all())
    return render_template("billing/console/list.html", rows=rows, counts=counts, state=state, figures=figures(),
                           pending_invoices=_pending_invoices())


def _pending_invoices():
    return db.session.execute(select(InvoiceRequest, Tenant).join(Tenant, Tenant.id == InvoiceRequest.tenant_id)
                              .where(InvoiceRequest.file_key == "").order_by(InvoiceRequest.created_at)).all()


def _fen(text: str):
    """A yuan amount typed in a form, in fen; what cannot be one is refused (422, with the reason)."""
    try:
        return parse_yuan(text)
    except BadAmount as exc:
        raise ValidationFailed(fields={"amount_fen": [str(exc)]}) from None


def _tenant(tenant_id: uuid.UUID) -> Tenant:
    tenant = db.session.get(Tenant, tenant_id)
    if tenant is None:
        raise NotFound()
    return tenant


def _detail(tenant: Tenant, status: int = 200, errors=None):
    sub = subscriptions.subscription_of(tenant)
    events = db.session.execute(select(SubscriptionEvent).where(SubscriptionEvent.tenant_id == tenant.id)
                                .order_by(SubscriptionEvent.created_at.desc()).limit(50)).scalars().all()
    return render_template("billing/console/subscription.html", tenant=tenant, sub=sub, events=events,
                           payments=subscriptions.payments_of(tenant), invoices=invoices.by_payment(tenant),
                           plans=PLANS, errors=errors or {}), status


@bp.get("/<uuid:tenant_id>")
@require_platform_admin
def subscription(tenant_id: uuid.UUID):
    return _detail(_tenant(tenant_id))


def _act(tenant_id, action, message):
    tenant = _tenant(tenant_id)
    try:
        action(tenant)
    except AppError as exc:
        flash(exc.message, "error")
        return _detail(tenant, exc.status, exc.fields)
    flash(message, "success")
    return redirect(url_for(".subscription", tenant_id=tenant.id))


@bp.post("/<uuid:tenant_id>/bank-transfer")
@require_platform_admin
def bank_transfer(tenant_id: uuid.UUID):
    def act(tenant):
        data = {key: request.form.get(key, "") for key in ("plan", "period", "reference")}
        subscriptions.record_bank_transfer(tenant, {**data, "amount_fen": _fen(request.form.get("amount", ""))},
                                           current_user)

    return _act(tenant_id, act, _("Bank transfer recorded; the store is active."))


@bp.post("/<uuid:tenant_id>/extend")
@require_platform_admin
def extend(tenant_id: uuid.UUID):
    return _act(tenant_id, lambda t: subscriptions.extend(t, request.form, current_user), _("Subscription extended."))


@bp.post("/<uuid:tenant_id>/plan")
@require_platform_admin
def change_plan(tenant_id: uuid.UUID):
    return _act(tenant_id, lambda t: subscriptions.set_plan(t, request.form, current_user), _("Plan changed."))


@bp.post("/<uuid:tenant_id>/close")
@require_platform_admin
def close(tenant_id: uuid.UUID):
    if not confirmed():
        tenant = _tenant(tenant_id)
        return confirmation_page(_("Close %(name)s? Shoppers will see it closed and it cannot be paid for again.",
                                   name=tenant.name), _("Close the store"),
                                 url_for(".subscription", tenant_id=tenant.id))
    return _act(tenant_id, lambda t: subscriptions.close(t, request.form, current_user), _("Store closed."))


@bp.post("/<uuid:tenant_id>/payments/<uuid:payment_id>/refund")
@require_platform_admin
def refund(tenant_id: uuid.UUID, payment_id: uuid.UUID):
    if not confirmed():
        tenant = _tenant(tenant_id)
        return confirmation_page(_("Refund this payment in full? The time it bought ends now."), _("Refund"),
                                 url_for(".subscription", tenant_id=tenant.id))

    def act(tenant):
        gateway.request_refund(tenant, subscriptions.payment_of(tenant, payment_id), request.form, current_user)

    return _act(tenant_id, act, _("Refund requested; the payment shows as refunded once WeChat Pay confirms."))


@bp.post("/<uuid:tenant_id>/invoices/<uuid:invoice_id>")
@require_platform_admin
def invoice_upload(tenant_id: uuid.UUID, invoice_id: uuid.UUID):
    def act(tenant):
        row = db.session.execute(select(InvoiceRequest).where(InvoiceRequest.tenant_id == tenant.id,
                                                              InvoiceRequest.id == invoice_id)).scalar_one_or_none()
        if row is None:
            raise NotFound()
        invoices.issue(tenant, row, read_upload(request.files.get("file")), current_user)

    return _act(tenant_id, act, _("发票 uploaded; the merchant can download it."))


@bp.route("/prices", methods=["GET", "POST"])
@require_platform_admin
def prices():
    errors, status = {}, 200
    if request.method == "POST":
        try:
            subscriptions.set_price({"plan": request.form.get("plan", ""), "period": request.form.get("period", ""),
                                     "amount_fen": _fen(request.form.get("amount", "")),
                                     "valid_from": request.form.get("valid_from", "")}, current_user)
        except AppError as exc:
            errors, status = exc.fields, exc.status
        else:
            flash(_("Price saved. It applies to new subscriptions and renewals from its date."), "success")
            return redirect(url_for(".prices"))
    rows = db.session.execute(select(PlanPrice).order_by(PlanPrice.plan, PlanPrice.period,
                                                         PlanPrice.valid_from.desc())).scalars().all()
    current = {(p, period.value): subscriptions.price_for(p, period) for p in PLANS for period in Period}
    return render_template("billing/console/prices.html", rows=rows, current=current, plans=PLANS,
                           errors=errors), status
