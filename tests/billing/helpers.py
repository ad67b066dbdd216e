"""Helpers for billing tests: read a store's subscription and tenant, run the sweep at a moment,
pay an order as the payments package's ``payment.succeeded`` would."""

from __future__ import annotations

from kaidian.billing import gateway, subscriptions, tasks
from kaidian.billing.models import BillingPayment, PaymentMethod, Subscription, SubscriptionEvent
from kaidian.platform.extensions import db
from kaidian.platform.models import Tenant
from kaidian.platform.tenancy import all_tenants, tenant_context


def state(app, tenant_id) -> dict:
    with app.app_context(), tenant_context(tenant_id):
        sub = db.session.execute(db.select(Subscription)).scalar_one()
        tenant = db.session.get(Tenant, tenant_id)
        result = {"state": sub.state.value, "status": tenant.status.value, "plan": sub.plan,
                  "tenant_plan": tenant.plan, "period_start": sub.period_start, "period_end": sub.period_end,
                  "grace_ends_at": sub.grace_ends_at, "pending_plan": sub.pending_plan, "paid_fen": sub.paid_fen}
        db.session.remove()
        return result


def events(app, tenant_id) -> list[tuple]:
    with app.app_context(), tenant_context(tenant_id):
        rows = db.session.execute(db.select(SubscriptionEvent).order_by(SubscriptionEvent.created_at)).scalars()
        result = [(e.action, e.from_state, e.to_state) for e in rows]
        db.session.remove()
        return result


def sweep(app, now=None) -> None:
    with app.app_context():
        tasks.expiry_sweep(now=now)
        db.session.remove()


def open_order(app, tenant_id, plan="basic", period="year") -> dict:
    with app.app_context(), tenant_context(tenant_id):
        tenant = db.session.get(Tenant, tenant_id)
        payment = subscriptions.open_order(tenant, plan, period, PaymentMethod.WECHAT_NATIVE, None)
        db.session.commit()
        result = {"id": payment.id, "amount_fen": payment.amount_fen, "credit_fen": payment.credit_fen,
                  "kind": payment.kind}
        db.session.remove()
        return result


def notify_paid(app, tenant_id, payment_id, amount_fen, transaction_id="wx-tx-1") -> bool:
    with app.app_context():
        result = gateway.handle_paid(tenant_id, payment_id, amount_fen, transaction_id)
        db.session.remove()
        return result


def payment(app, payment_id) -> BillingPayment:
    with app.app_context(), all_tenants():
        row = db.session.execute(db.select(BillingPayment).where(BillingPayment.id == payment_id)).scalar_one()
        db.session.expunge(row)
        db.session.remove()
        return row


def outbox(app) -> list:
    return list(app.extensions.get("kaidian_outbox", []))
