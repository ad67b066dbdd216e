"""What a merchant reads about their own subscription — one place for the plan page's facts in the
shape the JSON API (``billing/api.py``) gives them: the plan with its features and limits, the usage of
each limit, the state and dates, days left, the payments and the numbered receipts. Reads only."""

from __future__ import annotations

from datetime import datetime

from flask import url_for

from kaidian.platform.models import Tenant, utcnow

from . import invoices, services, subscriptions
from .models import PaymentStatus

RECEIPTED = (PaymentStatus.PAID, PaymentStatus.REFUNDED)


def overview(tenant: Tenant, now: datetime | None = None) -> dict:
    sub = subscriptions.subscription_of(tenant)
    return {"plan": services.plan_of(tenant), "period": sub.period.value, "state": sub.state.value,
            "trial_ends_at": sub.trial_ends_at, "period_start": sub.period_start, "period_end": sub.period_end,
            "grace_ends_at": sub.grace_ends_at, "days_left": subscriptions.days_left(sub, now or utcnow()),
            "pending_plan": sub.pending_plan, "pending_from": sub.pending_from, "usage": services.usage_of(tenant)}


def payments(tenant: Tenant) -> list:
    """The store's payments to the platform, newest first (the last 50, as on the plan page)."""
    return subscriptions.payments_of(tenant)


def receipts(tenant: Tenant) -> list[dict]:
    """The numbered receipts (paid or refunded payments), newest first, each with its PDF and 发票 status."""
    requested = invoices.by_payment(tenant)
    rows = []
    for payment in subscriptions.payments_of(tenant):
        if payment.status not in RECEIPTED or not payment.receipt_no:
            continue
        invoice = requested.get(payment.id)
        rows.append({"payment_id": payment.id, "receipt_no": payment.receipt_no, "status": payment.status.value,
                     "plan": payment.plan, "period": payment.period.value, "amount_fen": payment.amount_fen,
                     "covers_start": payment.covers_start, "covers_end": payment.covers_end,
                     "paid_at": payment.paid_at, "pdf_url": url_for("billing_admin.receipt", payment_id=payment.id),
                     "invoice_status": invoice.status.value if invoice is not None else None})
    return rows
