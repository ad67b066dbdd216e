"""The payments package's jobs: the reconcile job (payments whose notification never came, refunds still
processing) and the secret rotator."""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app
from rq import Retry
from sqlalchemy import select

from kaidian.platform import jobs
from kaidian.platform.extensions import db
from kaidian.platform.models import utcnow
from kaidian.platform.secrets import rotate_secret
from kaidian.platform.tenancy import all_tenants, tenant_context
from kaidian.platform.unit import unit

from . import services
from .errors import PaymentError
from .models import Payment, PaymentSettings, PaymentStatus, Refund, RefundStatus

log = logging.getLogger(__name__)
LOOK_BACK = timedelta(days=2)  # older open payments are left to the orders' own closing


@jobs.periodic(interval=300, queue="low", timeout=600)
def reconcile_payments() -> dict:
    """Payments still ``created`` (and refunds still ``processing``) older than
    ``PAYMENTS_RECONCILE_AFTER_MINUTES``: ask the provider, one job per row, and apply what it says.
    Idempotent: a payment already applied is left alone by ``query_payment``."""
    now = utcnow()
    older_than = now - timedelta(minutes=current_app.config["PAYMENTS_RECONCILE_AFTER_MINUTES"])
    with all_tenants():
        payments = db.session.execute(select(Payment.tenant_id, Payment.id).where(
            Payment.status == PaymentStatus.CREATED, Payment.created_at < older_than,
            Payment.created_at > now - LOOK_BACK)).all()
        refunds = db.session.execute(select(Refund.tenant_id, Refund.id).where(
            Refund.status == RefundStatus.PROCESSING, Refund.created_at < older_than,
            Refund.created_at > now - LOOK_BACK)).all()
    with unit():  # one unit: the jobs are dispatched when it commits (outside all_tenants)
        _enqueue_all(payments, refunds)
    return {"payments": len(payments), "refunds": len(refunds)}


def _enqueue_all(payments, refunds) -> None:
    for tenant_id, payment_id in payments:
        jobs.enqueue(reconcile_payment, tenant_id, payment_id, queue="low", timeout=60,
                     retry=Retry(max=2, interval=[30, 120]), job_id=f"payments-reconcile-{payment_id}")
    for tenant_id, refund_id in refunds:
        jobs.enqueue(reconcile_refund, tenant_id, refund_id, queue="low", timeout=60,
                     retry=Retry(max=2, interval=[30, 120]), job_id=f"payments-refund-{refund_id}")


def reconcile_payment(tenant_id, payment_id) -> str:
    with tenant_context(tenant_id):
        try:
            return services.query_payment(payment_id).status
        except PaymentError as error:  # its unit rolled back; the next run asks again
            log.warning("reconcile of payment %s failed: %s", payment_id, error)
            return "error"


def reconcile_refund(tenant_id, refund_id) -> str:
    with tenant_context(tenant_id):
        try:
            return services.query_refund(refund_id).status
        except PaymentError as error:
            log.warning("reconcile of refund %s failed: %s", refund_id, error)
            return "error"


def rotate_payment_secrets() -> int:
    """Re-encrypt every stored payment secret with the first DATA_KEY (``flask kaidian rotate-data-key``)."""
    with all_tenants():
        rows = db.session.execute(select(PaymentSettings)).scalars().all()
        for row in rows:
            for name in PaymentSettings.SECRET_COLUMNS:
                if getattr(row, name):
                    setattr(row, name, rotate_secret(getattr(row, name)))
        db.session.flush()
    return len(rows)


@jobs.periodic(interval=86400, queue="low", timeout=600)
def refresh_alipay_grants() -> dict:
    """Alipay partner mode: refresh each store's ``app_auth_token`` that ends within
    ``alipay_partner.REFRESH_BEFORE`` (a year's token, refreshed a month ahead), one store at a time; a
    refusal is kept on the store's settings check for the merchant to read (authorize again)."""
    from . import alipay_partner

    with all_tenants():
        due = alipay_partner.due_for_refresh()
    counts = {"refreshed": 0, "failed": 0}
    for tenant_id in due:
        with tenant_context(tenant_id):
            counts["refreshed" if alipay_partner.refresh() else "failed"] += 1
    return counts
