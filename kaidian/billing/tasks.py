"""Billing's jobs — each idempotent (run twice, one effect), each taking ids incl. the tenant id.

* ``expiry_sweep`` (hourly, on the scheduler): trial end → expired, paid end → grace, grace end →
  expired, a scheduled downgrade applied at renewal, and the 7/3/1-day reminders — per store, in
  its own transaction, decided by state and dates so a second run finds nothing to do.
* ``send_notice``: one reminder, once. ``retry_failed_notices`` (hourly) resends failed ones.
* ``reconcile_platform_payments`` (every 10 minutes): QR orders whose notification has not come — asked
  at WeChat Pay through the payments package and applied once if paid; closed there (the close API) and
  expired past their lifetime (``gateway.reconcile``).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from kaidian.platform.extensions import db
from kaidian.platform.jobs import enqueue, periodic
from kaidian.platform.models import Tenant, utcnow
from kaidian.platform.tenancy import all_tenants, tenant_context
from kaidian.platform.unit import unit

from . import gateway, notices, subscriptions
from .models import BillingNotice, BillingPayment, NoticeStatus, PaymentStatus, Subscription, SubscriptionState

S = SubscriptionState


@periodic(interval=3600, queue="low", timeout=600)
def expiry_sweep(now: datetime | None = None) -> None:
    now = now or utcnow()
    with all_tenants():
        due = set(subscriptions.due_ids(now))
        soon = db.session.execute(select(Subscription.tenant_id, Subscription.id).where(
            Subscription.state.in_([S.TRIAL, S.ACTIVE]), Subscription.period_end > now,
            Subscription.period_end <= now + timedelta(days=max(notices.REMINDER_DAYS) + 1)))
        due |= {tuple(row) for row in soon}
        db.session.rollback()
    for tenant_id, sub_id in sorted(due):
        sweep_subscription(tenant_id, sub_id, now)


def sweep_subscription(tenant_id: uuid.UUID | str, sub_id: uuid.UUID | str, now: datetime | None = None) -> None:
    now = now or utcnow()
    tenant_id, sub_id = uuid.UUID(str(tenant_id)), uuid.UUID(str(sub_id))
    with tenant_context(tenant_id), unit():
        tenant = db.session.execute(select(Tenant).where(Tenant.id == tenant_id).with_for_update()).scalar_one()
        sub = db.session.execute(select(Subscription).where(Subscription.id == sub_id)).scalar_one()
        action = subscriptions.sweep_one(tenant, sub, now)
        kind = {"grace": "grace", "expired": "expired"}.get(action or "") or notices.reminder_due(sub, now)
        notice = notices.ensure(tenant_id, kind, sub.period_end) if kind else None
        if notice is not None:
            db.session.flush()
            enqueue(send_notice, str(tenant_id), str(notice.id), queue="low", timeout=60)


def send_notice(tenant_id: uuid.UUID | str, notice_id: uuid.UUID | str) -> None:
    tenant_id = uuid.UUID(str(tenant_id))
    with tenant_context(tenant_id), unit():
        notice = db.session.execute(select(BillingNotice).where(BillingNotice.id == uuid.UUID(str(notice_id)))
                                    .with_for_update()).scalar_one_or_none()
        if notice is not None:
            notices.send(notice, db.session.get(Tenant, tenant_id))


@periodic(interval=3600, queue="low", timeout=300)
def retry_failed_notices() -> None:
    with all_tenants():
        rows = db.session.execute(select(BillingNotice.tenant_id, BillingNotice.id).where(
            BillingNotice.status == NoticeStatus.FAILED, BillingNotice.attempts < notices.MAX_ATTEMPTS)).all()
        db.session.rollback()
    for tenant_id, notice_id in rows:
        send_notice(tenant_id, notice_id)


@periodic(interval=600, queue="low", timeout=300)
def reconcile_platform_payments(now: datetime | None = None) -> dict[str, int]:
    """Platform QR orders still pending after ``PAYMENTS_RECONCILE_AFTER_MINUTES``: each asked at WeChat
    Pay and paid (once), closed and expired past its lifetime, or left open (``gateway.reconcile``).
    Idempotent: an order no longer pending is skipped, a payment is applied once."""
    now = now or utcnow()
    older_than = now - timedelta(minutes=current_app.config["PAYMENTS_RECONCILE_AFTER_MINUTES"])
    with all_tenants():
        rows = db.session.execute(select(BillingPayment.tenant_id, BillingPayment.id).where(
            BillingPayment.status == PaymentStatus.PENDING, BillingPayment.created_at <= older_than)
            .order_by(BillingPayment.created_at)).all()
        db.session.rollback()
    outcomes: dict[str, int] = {}
    for tenant_id, payment_id in rows:
        outcome = gateway.reconcile(tenant_id, payment_id, now)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes


def expire_unpaid_orders(now: datetime | None = None) -> dict[str, int]:
    """Pending QR orders past their lifetime: closed at WeChat Pay and expired (a late notification is still
    honoured); the reconcile job's work, by its older name."""
    return reconcile_platform_payments(now)


def refund_payment(tenant_id: uuid.UUID | str, payment_id: uuid.UUID | str, reason: str) -> None:
    """Send a platform admin's refund to WeChat Pay (a payment no longer paid is left alone)."""
    from . import gateway

    gateway.refund(uuid.UUID(str(tenant_id)), uuid.UUID(str(payment_id)), reason)
