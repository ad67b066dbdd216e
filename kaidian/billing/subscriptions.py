"""Subscription use cases: prices, quotes (with the proration rule), payments applied once, plan
changes, the platform's extensions, comps, bank transfers and closures, and the expiry sweep.

Views, the API, jobs and the console call these; state changes go through ``lifecycle``.

**Proration (the one rule, shown before paying):** an upgrade starts a new period of the higher
plan today; the unused part of what the current period cost is credited —
``credit = paid × (period end − now) ÷ (period end − period start)``, in whole fen, rounded down —
and the price is the higher plan's price minus the credit (never below zero). A downgrade never
prorates: it takes effect when the paid period ends.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, text

from kaidian.platform.errors import Conflict, NotFound, ValidationFailed
from kaidian.platform.extensions import db
from kaidian.platform.models import Tenant, utcnow
from kaidian.platform.money import format_yuan
from kaidian.platform.unit import atomic
from kaidian.platform.validation import load

from . import lifecycle
from .errors import PaymentRefused
from .models import (
    BillingPayment,
    PaymentMethod,
    PaymentStatus,
    Period,
    PlanPrice,
    Subscription,
    SubscriptionState,
)
from .plans import PLANS, RANK
from .schemas import BankTransferSchema, ExtendSchema, PlanChangeSchema, PriceSchema, ReasonSchema

S = SubscriptionState
ORDER_LIFETIME = timedelta(hours=2)  # a QR code order left unpaid this long is expired by the reconcile job


def subscription_of(tenant: Tenant) -> Subscription:
    sub = db.session.execute(select(Subscription).where(Subscription.tenant_id == tenant.id)).scalar_one_or_none()
    if sub is None:
        raise NotFound(_l("This store has no subscription."))
    return sub


def days_left(sub: Subscription, now: datetime | None = None) -> int:
    """Whole days until the trial or paid time ends (0 once it has)."""
    seconds = (sub.period_end - (now or utcnow())).total_seconds()
    return max(0, -(-int(seconds) // 86400))


# --- prices ---------------------------------------------------------------------------------------


def price_for(plan: str, period: Period | str, at: datetime | None = None) -> int:
    """The list price in force at ``at`` (the newest row that started by then)."""
    row = db.session.execute(
        select(PlanPrice.amount_fen).where(PlanPrice.plan == plan, PlanPrice.period == Period(period),
                                           PlanPrice.valid_from <= (at or utcnow()))
        .order_by(PlanPrice.valid_from.desc()).limit(1)).scalar_one_or_none()
    if row is not None:
        return row
    spec = PLANS[plan]
    return spec.price_per_year_fen if Period(period) == Period.YEAR else spec.price_per_month_fen


@atomic
def set_price(data: dict, actor) -> PlanPrice:
    """A plan's new price from ``valid_from`` (now or later): new subscriptions and renewals pay it."""
    values = load(PriceSchema(), data)
    if values["amount_fen"] <= 0:
        raise ValidationFailed(fields={"amount_fen": [_l("Enter a price above zero.")]})
    if values["valid_from"] < utcnow() - timedelta(minutes=5):
        raise ValidationFailed(fields={"valid_from": [_l("A price change cannot start in the past.")]})
    row = PlanPrice(plan=values["plan"], period=Period(values["period"]), amount_fen=values["amount_fen"],
                    valid_from=values["valid_from"], created_by=actor.id)
    db.session.add(row)  # the row is the record: who (created_by), when, from when
    return row


# --- quotes -----------------------------------------------------------------------------------


@dataclass
class Quote:
    plan: str
    period: Period
    kind: str  # new, renew, upgrade, downgrade
    list_fen: int
    credit_fen: int
    amount_fen: int
    covers_start: datetime
    covers_end: datetime
    over_limits: list = field(default_factory=list)  # downgrade: (limit, used, allowed)


def proration_credit(paid_fen: int, start: datetime, end: datetime, now: datetime) -> int:
    total = int((end - start).total_seconds())
    remaining = max(0, min(total, int((end - now).total_seconds())))
    return paid_fen * remaining // total if total > 0 else 0


def quote(tenant: Tenant, sub: Subscription, plan: str, period: str, now: datetime | None = None) -> Quote:
    """What paying for ``plan`` / ``period`` now would cost and cover."""
    now = now or utcnow()
    if plan not in PLANS or period not in {p.value for p in Period}:
        raise ValidationFailed(fields={"plan": [_l("Choose basic, pro or flagship, per year or per month.")]})
    if sub.state == S.CLOSED:
        raise Conflict(_l("This store is closed."))
    period = Period(period)
    list_fen = price_for(plan, period, now)
    kind, credit = _kind(sub, plan, now), 0
    start = _covers_start(sub, kind, now)
    if kind == "upgrade":
        credit = proration_credit(sub.paid_fen, sub.period_start, sub.period_end, now)
        if credit > list_fen:  # the credit would be lost in part: a longer period uses all of it
            raise Conflict(_l("Your credit (%(credit)s) is more than this period's price; choose a longer period.",
                              credit=format_yuan(credit)))
    return Quote(plan, period, kind, list_fen, credit, list_fen - credit, start,
                 start + lifecycle.period_length(period, start))


def _kind(sub: Subscription, plan: str, now: datetime) -> str:
    if sub.state != S.ACTIVE or sub.period_end <= now:
        return "new"
    if plan == sub.plan:
        return "renew"
    return "upgrade" if RANK[plan] > RANK[sub.plan] else "downgrade"


def _covers_start(sub: Subscription, kind: str, now: datetime) -> datetime:
    if kind in ("renew", "downgrade"):
        return sub.period_end  # a renewal (or a downgraded renewal) follows the paid time
    if sub.state == S.TRIAL:
        return max(now, sub.period_end)  # the trial's days are kept
    if sub.state == S.GRACE:
        return sub.period_end  # the grace days were the paid plan's
    return now  # upgrade starts today; expired starts again today


# --- payments -----------------------------------------------------------------------------------


def open_order(tenant: Tenant, plan: str, period: str, method: PaymentMethod, actor, now=None) -> BillingPayment:
    """A pending payment at the quoted price (the QR code is asked for by the caller)."""
    now = now or utcnow()
    sub = subscription_of(tenant)
    q = quote(tenant, sub, plan, period, now)
    payment = BillingPayment(tenant_id=tenant.id, method=method, plan=plan, period=q.period, list_fen=q.list_fen,
                             credit_fen=q.credit_fen, amount_fen=q.amount_fen, kind=q.kind,
                             created_by=getattr(actor, "id", None), expires_at=now + ORDER_LIFETIME)
    db.session.add(payment)
    db.session.flush()
    return payment


def apply_payment(tenant: Tenant, payment: BillingPayment, *, amount_fen: int, transaction_id: str | None,
                  actor=None, now: datetime | None = None) -> bool:
    """Mark ``payment`` paid and extend the subscription — once: a payment already paid is a no-op
    (False). An amount other than the order's is refused (nothing changes). A payment whose order
    had expired is still honoured: the money arrived."""
    now = now or utcnow()
    if payment.status == PaymentStatus.PAID:
        return False
    if payment.status == PaymentStatus.REFUNDED:
        raise PaymentRefused(_l("This payment was refunded."))
    if int(amount_fen) != payment.amount_fen:
        raise PaymentRefused(_l("Paid %(paid)s for an order of %(amount)s.", paid=format_yuan(int(amount_fen)),
                                amount=format_yuan(payment.amount_fen)))
    sub = subscription_of(tenant)
    if sub.state == S.CLOSED:
        raise PaymentRefused(_l("This store is closed."))
    payment.receipt_no = next_receipt_no(now.year)
    _extend_for(tenant, sub, payment, actor, now)
    payment.status, payment.paid_at, payment.transaction_id = PaymentStatus.PAID, now, transaction_id
    return True


def _extend_for(tenant: Tenant, sub: Subscription, payment: BillingPayment, actor, now: datetime) -> None:
    kind = _kind(sub, payment.plan, now)
    if kind == "upgrade" and payment.kind != "upgrade":
        kind = "new"  # an order opened as a renewal that became an upgrade: no credit was given, start today
    start = _covers_start(sub, kind, now) if kind != "new" or sub.state != S.ACTIVE else now
    end = start + lifecycle.period_length(payment.period, start)
    payment.covers_start, payment.covers_end = start, end
    action = "payment" if payment.method != PaymentMethod.BANK_TRANSFER else "bank_transfer"
    reason = f"{payment.receipt_no or payment.id}"
    if kind == "downgrade":
        lifecycle.schedule_downgrade(sub, tenant, payment.plan, actor=actor, reason=reason)
    elif payment.plan != sub.plan:
        lifecycle.change_plan(sub, tenant, payment.plan, f"plan.{'upgrade' if kind == 'upgrade' else 'change'}",
                              actor=actor, reason=reason)
    if kind in ("renew", "downgrade"):
        sub.paid_fen += payment.amount_fen + payment.credit_fen
        lifecycle.move(sub, tenant, S.ACTIVE, action, actor=actor, reason=reason, period_end=end)
    else:
        sub.paid_fen = payment.amount_fen + payment.credit_fen
        lifecycle.move(sub, tenant, S.ACTIVE, action, actor=actor, reason=reason, period_start=start, period_end=end)
    sub.period = payment.period


def next_receipt_no(year: int) -> str:
    """``KD2026-000001``: numbered one after another within a year, platform-wide, under a row lock."""
    number = db.session.execute(text(
        "INSERT INTO receipt_sequences (year, last) VALUES (:year, 1) "
        "ON CONFLICT (year) DO UPDATE SET last = receipt_sequences.last + 1 RETURNING last"),
        {"year": year}).scalar_one()
    return f"KD{year}-{number:06d}"


@atomic
def record_bank_transfer(tenant: Tenant, data: dict, actor, now=None) -> BillingPayment:
    """A platform admin records money that arrived by bank transfer (``plan``, ``period``,
    ``amount_fen``, the bank's ``reference``): paid at once, receipt numbered."""
    values = load(BankTransferSchema(), data)
    payment = open_order(tenant, values["plan"], values["period"], PaymentMethod.BANK_TRANSFER, actor, now)
    if values["amount_fen"] != payment.amount_fen:
        raise ValidationFailed(fields={"amount_fen": [_l("The quoted price is %(amount)s; record a transfer of that "
                                                         "amount.", amount=f"{payment.amount_fen / 100:.2f}")]})
    payment.note = values["reference"]
    apply_payment(tenant, payment, amount_fen=values["amount_fen"], transaction_id=f"bank:{values['reference']}",
                  actor=actor, now=now)
    return payment


def take_back(tenant: Tenant, payment: BillingPayment, now: datetime | None = None) -> None:
    """A refunded payment's time: if it bought the latest paid time, that time ends now (never earlier
    than what was paid before it); the sweep then moves the store to grace or expired."""
    now = now or utcnow()
    sub = subscription_of(tenant)
    if sub.state not in (S.ACTIVE, S.GRACE) or payment.covers_end is None or sub.period_end != payment.covers_end:
        return
    end = max(now, payment.covers_start or now)
    sub.paid_fen = max(0, sub.paid_fen - payment.amount_fen - payment.credit_fen)
    target = S.ACTIVE if sub.state == S.ACTIVE else S.GRACE
    if target == S.GRACE:  # the grace counted from the refunded time: expire now instead
        lifecycle.move(sub, tenant, S.EXPIRED, "refund", reason=payment.receipt_no or "", period_end=end)
    else:
        lifecycle.move(sub, tenant, S.ACTIVE, "refund", reason=payment.receipt_no or "", period_end=end)


def payment_of(tenant: Tenant, payment_id: uuid.UUID) -> BillingPayment:
    row = db.session.execute(select(BillingPayment).where(BillingPayment.tenant_id == tenant.id,
                                                          BillingPayment.id == payment_id)).scalar_one_or_none()
    if row is None:
        raise NotFound()
    return row


def payments_of(tenant: Tenant, limit: int = 50) -> list[BillingPayment]:
    return list(db.session.execute(select(BillingPayment).where(BillingPayment.tenant_id == tenant.id)
                                   .order_by(BillingPayment.created_at.desc()).limit(limit)).scalars())


# --- plan changes, extensions and closure -------------------------------------------------------------


@atomic
def request_downgrade(tenant: Tenant, plan: str, actor) -> Subscription:
    sub = subscription_of(tenant)
    if plan not in PLANS or RANK[plan] >= RANK[sub.plan]:
        raise ValidationFailed(fields={"plan": [_l("Choose a lower plan.")]})
    if sub.state in (S.TRIAL, S.EXPIRED):  # nothing paid to run out: the plan changes now
        lifecycle.change_plan(sub, tenant, plan, "plan.change", actor=actor)
    elif sub.state == S.ACTIVE:
        lifecycle.schedule_downgrade(sub, tenant, plan, actor=actor)
    else:
        raise Conflict(_l("Renew or pay first; then choose the plan for the next period."))
    return sub


@atomic
def cancel_downgrade(tenant: Tenant, actor) -> None:
    sub = subscription_of(tenant)
    if not sub.pending_plan:
        raise Conflict(_l("No plan change is waiting."))
    lifecycle.cancel_downgrade(sub, tenant, actor=actor)


@atomic
def extend(tenant: Tenant, data: dict, actor, now=None) -> Subscription:
    """A platform admin adds ``days`` (a comp) with a ``reason``: a trial stays a trial; otherwise the
    store is active until the later of its paid end and today, plus the days."""
    now = now or utcnow()
    values = load(ExtendSchema(), data)
    days, reason = values["days"], values["reason"]
    sub = subscription_of(tenant)
    if sub.state == S.CLOSED:
        raise Conflict(_l("This store is closed."))
    if sub.state == S.TRIAL:
        sub.trial_ends_at = max(sub.period_end, now) + timedelta(days=int(days))
        lifecycle.move(sub, tenant, S.TRIAL, "trial.extend", actor=actor, reason=reason, period_end=sub.trial_ends_at)
    else:
        start = sub.period_start if sub.state == S.ACTIVE else now
        end = max(sub.period_end, now) + timedelta(days=int(days))
        lifecycle.move(sub, tenant, S.ACTIVE, "extend", actor=actor, reason=reason, period_start=start, period_end=end)
    return sub


@atomic
def set_plan(tenant: Tenant, data: dict, actor) -> Subscription:
    """A platform admin changes the plan at once (no charge, no credit), with a reason."""
    values = load(PlanChangeSchema(), data)
    sub = subscription_of(tenant)
    if sub.state == S.CLOSED:
        raise Conflict(_l("This store is closed."))
    lifecycle.change_plan(sub, tenant, values["plan"], "plan.set", actor=actor, reason=values["reason"])
    return sub


@atomic
def close(tenant: Tenant, data: dict, actor) -> Subscription:
    """A platform admin closes the store (shoppers see it closed; it cannot be paid for again)."""
    values = load(ReasonSchema(), data)
    sub = subscription_of(tenant)
    lifecycle.move(sub, tenant, S.CLOSED, "close", actor=actor, reason=values["reason"])
    return sub


# --- the sweep ------------------------------------------------------------------------------------


def sweep_one(tenant: Tenant, sub: Subscription, now: datetime) -> str | None:
    """Apply what time has made due to one subscription; returns the action taken (None: nothing).
    Safe to run any number of times: each step is decided by the state and the dates."""
    if sub.pending_plan and sub.pending_from is not None and sub.pending_from <= now and sub.state == S.ACTIVE \
            and sub.period_end > now:
        lifecycle.change_plan(sub, tenant, sub.pending_plan, "plan.downgrade_applied")
        return "downgrade"
    if sub.state == S.TRIAL and sub.period_end <= now:
        lifecycle.move(sub, tenant, S.EXPIRED, "trial.ended")
        return "expired"
    if sub.state == S.ACTIVE and sub.period_end <= now:
        lifecycle.move(sub, tenant, S.GRACE, "period.ended")
        return "grace"
    if sub.state == S.GRACE and sub.grace_ends_at is not None and sub.grace_ends_at <= now:
        lifecycle.move(sub, tenant, S.EXPIRED, "grace.ended")
        return "expired"
    return None


def due_ids(now: datetime) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """(tenant id, subscription id) of subscriptions something may be due for (call under all_tenants)."""
    return [tuple(row) for row in db.session.execute(
        select(Subscription.tenant_id, Subscription.id).where(
            Subscription.state.in_([S.TRIAL, S.ACTIVE, S.GRACE]),
            (Subscription.period_end <= now) | (Subscription.pending_from <= now)
            | (Subscription.grace_ends_at <= now)))]
